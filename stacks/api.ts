import { API_FUNCTIONS, ApiRoutes, takesBroadcasts } from "../packages/functions/src/api-routes.ts";
import { apiFunctionComponent, ApiHandlers } from "./api-functions.ts";
import { bus } from "./bus.ts";
import { functionPermissions } from "./function-permissions.ts";
import { functionArgs, stageGrants } from "./functions.ts";
import { broadcastSigningPermissions } from "./permissions.ts";
import { adminToken } from "./secrets.ts";
import { api } from "./api-gateway.ts";
import { broadcastSecret, whipUrl } from "./whip-gateway.ts";

export { api };

// One function per part of the API, each wiring only its routes' adapters; the gateway routes by path, and the hono
// app in packages/functions answers (the same app in every function, and in the local runtime).
for (const name of API_FUNCTIONS) {
  const handler = new sst.aws.Function(
    apiFunctionComponent(name),
    functionArgs(ApiHandlers[name], bus, {
      // Every part takes the bearer token and names the gateway's WHIP endpoints; only those with broadcast routes read
      // the broadcast tokens' key: the channels' part signs tokens, the default one checks the broadcast page's.
      environment: {
        VISIONSTREAM_ADMIN_TOKEN: adminToken.value,
        VISIONSTREAM_WHIP_URL: whipUrl,
        ...(takesBroadcasts(name) ? { VISIONSTREAM_BROADCAST_SECRET_ARN: broadcastSecret.arn } : {}),
      },
      permissions: [...functionPermissions(name, stageGrants), ...(takesBroadcasts(name) ? broadcastSigningPermissions(broadcastSecret.arn) : [])],
    }),
  );
  for (const routeKey of ApiRoutes[name]) api.route(routeKey, handler.arn);
}
