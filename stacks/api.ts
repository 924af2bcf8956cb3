import { bus } from "./bus.ts";
import { functionArgs, mediaLiveRoleArn } from "./functions.ts";
import { liveEnginePermissions } from "./permissions.ts";
import { adminToken } from "./secrets.ts";

export const api = new sst.aws.ApiGatewayV2("Api");

// One catch-all route: the hono app in packages/functions does the routing.
api.route(
  "$default",
  functionArgs("packages/functions/src/api.handler", bus, {
    environment: { VISIONSTREAM_ADMIN_TOKEN: adminToken.value },
    permissions: liveEnginePermissions(mediaLiveRoleArn),
  }),
);
