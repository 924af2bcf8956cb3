import { bus } from "./bus.ts";
import { functionArgs, mediaConvertRoleArn, mediaLiveRoleArn, resourcePrefix, switchSchedule } from "./functions.ts";
import {
  liveEnginePermissions,
  mediaStorePermissions,
  playbackSigningPermissions,
  recordingStorePermissions,
  switcherEnginePermissions,
  switcherFilePermissions,
  switchSchedulePermissions,
  vodAssemblyPermissions,
} from "./permissions.ts";
import { adminToken } from "./secrets.ts";

export const api = new sst.aws.ApiGatewayV2("Api");

// One catch-all route: the hono app in packages/functions does the routing.
api.route(
  "$default",
  functionArgs("packages/functions/src/api.handler", bus, {
    environment: { VISIONSTREAM_ADMIN_TOKEN: adminToken.value },
    permissions: [
      ...liveEnginePermissions(mediaLiveRoleArn),
      ...vodAssemblyPermissions(mediaConvertRoleArn),
      ...recordingStorePermissions(resourcePrefix),
      ...playbackSigningPermissions(resourcePrefix),
      ...mediaStorePermissions(resourcePrefix),
      ...switcherEnginePermissions(),
      ...switchSchedulePermissions(resourcePrefix, switchSchedule.role.arn),
      ...switcherFilePermissions(resourcePrefix),
    ],
  }),
);
