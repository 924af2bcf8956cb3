import { bus } from "./bus.ts";
import { functionPermissions } from "./function-permissions.ts";
import { functionArgs, stageGrants } from "./functions.ts";
import { broadcastSigningPermissions } from "./permissions.ts";
import { adminToken } from "./secrets.ts";
import { api } from "./api-gateway.ts";
import { broadcastSecret, whipUrl } from "./whip-gateway.ts";

export { api };

// One catch-all route: the hono app in packages/functions does the routing.
api.route(
  "$default",
  functionArgs("packages/functions/src/api.handler", bus, {
    // The API signs broadcast tokens and names the gateway's WHIP endpoints in its broadcast links.
    environment: { VISIONSTREAM_ADMIN_TOKEN: adminToken.value, VISIONSTREAM_BROADCAST_SECRET_ARN: broadcastSecret.arn, VISIONSTREAM_WHIP_URL: whipUrl },
    permissions: [...functionPermissions("api", stageGrants), ...broadcastSigningPermissions(broadcastSecret.arn)],
  }),
);
