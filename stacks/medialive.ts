import {
  MEDIALIVE_PACKAGING_ACTIONS,
  MEDIAPACKAGE_CHANNEL_ARN,
  RECORDING_BUCKET_ACTIONS,
  RECORDING_OBJECT_ACTIONS,
  accountBucketArn,
} from "./permissions.ts";

/** What MediaLive may do while it runs a channel of this stage: record into the account buckets, push to MediaPackage. */
export function mediaLiveRolePolicy(prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: [...RECORDING_BUCKET_ACTIONS], Resource: [accountBucketArn(prefix)] },
      { Effect: "Allow", Action: [...RECORDING_OBJECT_ACTIONS], Resource: [`${accountBucketArn(prefix)}/*`] },
      { Effect: "Allow", Action: [...MEDIALIVE_PACKAGING_ACTIONS], Resource: [MEDIAPACKAGE_CHANNEL_ARN] },
    ],
  };
}

/** The role every MediaLive channel of the stage runs with (the channel's RoleArn). */
export function mediaLiveRole(name: string, prefix: string) {
  const role = new aws.iam.Role(name, {
    description: `MediaLive channels of ${prefix}`,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "medialive.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    }),
  });
  const policy = new aws.iam.RolePolicy(`${name}Policy`, {
    role: role.id,
    policy: JSON.stringify(mediaLiveRolePolicy(prefix)),
  });
  return { role, policy };
}
