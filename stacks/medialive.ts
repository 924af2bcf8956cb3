import {
  MEDIALIVE_PACKAGING_ACTIONS,
  MEDIALIVE_PASSPHRASE_ACTIONS,
  RECORDING_BUCKET_ACTIONS,
  RECORDING_OBJECT_ACTIONS,
  accountBucketArn,
  channelPassphraseSecretArn,
  packagingChannelArn,
  packagingChannelGroupArn,
} from "./permissions.ts";
import { allowPolicy, serviceRole } from "./service-role.ts";

/**
 * What MediaLive may do while it runs a channel of this stage: record into the account buckets, push to the stage's
 * MediaPackage v2 channels (GetChannel also names the channel group, a required resource type), read SRT channels'
 * passphrases.
 */
export const mediaLiveRolePolicy = (prefix: string) =>
  allowPolicy(
    [RECORDING_BUCKET_ACTIONS, [accountBucketArn(prefix)]],
    [RECORDING_OBJECT_ACTIONS, [`${accountBucketArn(prefix)}/*`]],
    [MEDIALIVE_PACKAGING_ACTIONS, [packagingChannelArn(prefix)]],
    [["mediapackagev2:GetChannel"], [packagingChannelGroupArn(prefix)]],
    [MEDIALIVE_PASSPHRASE_ACTIONS, [channelPassphraseSecretArn(prefix)]],
  );

/** The role every MediaLive channel of the stage runs with (the channel's RoleArn). */
export function mediaLiveRole(name: string, prefix: string) {
  return serviceRole(name, {
    principal: "medialive.amazonaws.com",
    description: `MediaLive channels of ${prefix}`,
    policy: JSON.stringify(mediaLiveRolePolicy(prefix)),
  });
}
