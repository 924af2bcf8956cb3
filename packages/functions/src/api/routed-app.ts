import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Accounts, Authenticator, Broadcasts, Channels, MediaLibrary, Recordings, Switchers } from "@visionstream/core";
import { authenticate, type CallerEnv } from "./caller.ts";
import { errorBody, fieldIssues, toErrorResponse, validationError } from "./errors.ts";

export interface ApiDeps {
  accounts: Accounts;
  authenticator: Authenticator;
  channels: Channels;
  recordings: Recordings;
  media: MediaLibrary;
  switchers: Switchers;
  broadcasts?: Broadcasts | undefined;
  /** The WHIP gateway's origin (browser broadcasts), where one runs. */
  whipBaseUrl?: string | undefined;
  /** Where the pages are hosted, when not on the API's own host (the static site in AWS). */
  webBaseUrl?: string | undefined;
}

/** A module of the API's routes (accounts.ts, channels.ts, …) over what they need. */
export type RouteGroup = (deps: ApiDeps) => OpenAPIHono<CallerEnv>;

/** Whether an app serves the route of this method and path (`/channels/{channelId}`). */
type Serves = (method: string, path: string) => boolean;

const named = (routes: readonly RouteConfig[]) => routes.map((route) => `${route.method.toUpperCase()} ${route.path}`).join(", ");

/**
 * The HTTP API with the routes of `groups` that `serves` takes: every one in the local runtime, in a Lambda function
 * those API Gateway sends it (api-function.ts). Any other request is answered 404, and /openapi.json, where it is
 * served, documents every route of `groups`.
 */
export function routedApp(deps: ApiDeps, groups: readonly RouteGroup[], serves: Serves = () => true) {
  const app = new OpenAPIHono<CallerEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationError(fieldIssues(result.error.issues, result.target)), 400);
    },
  });

  app.onError(toErrorResponse);
  app.notFound((c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404));

  if (serves("GET", "/health")) app.get("/health", (c) => c.json({ status: "ok" }));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "The operator token, or an account's API key",
  });
  if (serves("GET", "/openapi.json"))
    app.doc("/openapi.json", {
      openapi: "3.0.3",
      info: { title: "VisionStream API", version: "0.1.0", description: "Live to VOD, multi-tenant, event-driven." },
    });

  // "/x/*" also matches "/x"; every path under these, routed or not, needs the bearer token.
  app.use("/:resource{accounts|channels|recordings|media|switchers}/*", authenticate(deps.authenticator));

  for (const group of groups) {
    const routes = group(deps);
    const definitions = routes.openAPIRegistry.definitions.flatMap((definition) => (definition.type === "route" ? [definition.route] : []));
    const served = definitions.filter((route) => serves(route.method, route.path));
    const unserved = definitions.filter((route) => !served.includes(route));
    if (unserved.length === 0) app.route("/", routes);
    // In the document only.
    else if (served.length === 0) for (const route of definitions) app.openAPIRegistry.registerPath(route);
    else throw new Error(`a route module's routes go to one function (api-routes.ts): this app serves ${named(served)}, not ${named(unserved)}`);
  }
  return app;
}
