import { bus } from "./bus.ts";
import { functionPermissions } from "./function-permissions.ts";
import { functionArgs, stageGrants } from "./functions.ts";
import { adminToken } from "./secrets.ts";
import { site } from "./web.ts";

/** Browsers may call the API from the pages' site (the switcher panel); API Gateway answers the preflight itself. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: { allowOrigins: [site.url], allowHeaders: ["authorization", "content-type"], allowMethods: ["*"] },
});

// One catch-all route: the hono app in packages/functions does the routing.
api.route(
  "$default",
  functionArgs("packages/functions/src/api.handler", bus, {
    environment: { VISIONSTREAM_ADMIN_TOKEN: adminToken.value },
    permissions: functionPermissions("api", stageGrants),
  }),
);
