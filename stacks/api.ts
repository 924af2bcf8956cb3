import { API_FUNCTIONS, ApiRoutes } from "../packages/functions/src/api-routes.ts";
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
      // Every part takes the bearer token; the channels' parts sign broadcast tokens and name the gateway's WHIP
      // endpoints in their broadcast links, and the default one checks the tokens of the broadcast page.
      environment: { VISIONSTREAM_ADMIN_TOKEN: adminToken.value, VISIONSTREAM_BROADCAST_SECRET_ARN: broadcastSecret.arn, VISIONSTREAM_WHIP_URL: whipUrl },
      permissions: [...functionPermissions(name, stageGrants), ...broadcastSigningPermissions(broadcastSecret.arn)],
    }),
  );
  for (const routeKey of ApiRoutes[name]) api.route(routeKey, handler.arn);
}
