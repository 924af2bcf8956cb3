import {
  MEDIACONVERT_OUTPUT_ACTIONS,
  MEDIACONVERT_SOURCE_ACTIONS,
  recordingObjectsArn,
  vodObjectsArn,
} from "./permissions.ts";
import { allowPolicy, serviceRole } from "./service-role.ts";

/** What MediaConvert may do in a job of this stage: read the recordings of the account buckets, write their MP4s. */
export const mediaConvertRolePolicy = (prefix: string) =>
  allowPolicy([MEDIACONVERT_SOURCE_ACTIONS, [recordingObjectsArn(prefix)]], [MEDIACONVERT_OUTPUT_ACTIONS, [vodObjectsArn(prefix)]]);

/** The role every MediaConvert job of the stage runs with (the job's Role). */
export function mediaConvertRole(name: string, prefix: string) {
  return serviceRole(name, {
    principal: "mediaconvert.amazonaws.com",
    description: `MediaConvert jobs of ${prefix}`,
    policy: JSON.stringify(mediaConvertRolePolicy(prefix)),
  });
}
