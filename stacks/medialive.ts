import {
  MEDIALIVE_PACKAGING_ACTIONS,
  MEDIAPACKAGE_CHANNEL_ARN,
  RECORDING_BUCKET_ACTIONS,
  RECORDING_OBJECT_ACTIONS,
  accountBucketArn,
} from "./permissions.ts";
import { allowPolicy, serviceRole } from "./service-role.ts";

/** What MediaLive may do while it runs a channel of this stage: record into the account buckets, push to MediaPackage. */
export const mediaLiveRolePolicy = (prefix: string) =>
  allowPolicy(
    [RECORDING_BUCKET_ACTIONS, [accountBucketArn(prefix)]],
    [RECORDING_OBJECT_ACTIONS, [`${accountBucketArn(prefix)}/*`]],
    [MEDIALIVE_PACKAGING_ACTIONS, [MEDIAPACKAGE_CHANNEL_ARN]],
  );

/** The role every MediaLive channel of the stage runs with (the channel's RoleArn). */
export function mediaLiveRole(name: string, prefix: string) {
  return serviceRole(name, {
    principal: "medialive.amazonaws.com",
    description: `MediaLive channels of ${prefix}`,
    policy: JSON.stringify(mediaLiveRolePolicy(prefix)),
  });
}
