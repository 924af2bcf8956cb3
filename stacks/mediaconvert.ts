import {
  MEDIACONVERT_OUTPUT_ACTIONS,
  MEDIACONVERT_SOURCE_ACTIONS,
  recordingObjectsArn,
  vodObjectsArn,
} from "./permissions.ts";

/** What MediaConvert may do in a job of this stage: read the recordings of the account buckets, write their MP4s. */
export function mediaConvertRolePolicy(prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: [...MEDIACONVERT_SOURCE_ACTIONS], Resource: [recordingObjectsArn(prefix)] },
      { Effect: "Allow", Action: [...MEDIACONVERT_OUTPUT_ACTIONS], Resource: [vodObjectsArn(prefix)] },
    ],
  };
}

/** The role every MediaConvert job of the stage runs with (the job's Role). */
export function mediaConvertRole(name: string, prefix: string) {
  const role = new aws.iam.Role(name, {
    description: `MediaConvert jobs of ${prefix}`,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "mediaconvert.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    }),
  });
  const policy = new aws.iam.RolePolicy(`${name}Policy`, {
    role: role.id,
    policy: JSON.stringify(mediaConvertRolePolicy(prefix)),
  });
  return { role, policy };
}
