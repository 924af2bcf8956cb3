import { bus } from "./bus.ts";
import { functionPermissions } from "./function-permissions.ts";
import { functionArgs, stageGrants } from "./functions.ts";
import { adminToken } from "./secrets.ts";
import { api } from "./api-gateway.ts";

export { api };

// One catch-all route: the hono app in packages/functions does the routing.
api.route(
  "$default",
  functionArgs("packages/functions/src/api.handler", bus, {
    environment: { VISIONSTREAM_ADMIN_TOKEN: adminToken.value },
    permissions: functionPermissions("api", stageGrants),
  }),
);
