import { OpenAPIHono } from "@hono/zod-openapi";
import type { Accounts, Authenticator, Broadcasts, Channels, MediaLibrary, Recordings, Switchers } from "@visionstream/core";
import { accountRoutes } from "./accounts.ts";
import { broadcastStatusRoutes } from "./broadcast-status.ts";
import { broadcastRoutes } from "./broadcasts.ts";
import { authenticate, type CallerEnv } from "./caller.ts";
import { channelCreationRoutes } from "./channel-creation.ts";
import { channelPlaybackRoutes } from "./channel-playback.ts";
import { channelRoutes } from "./channels.ts";
import { errorBody, fieldIssues, toErrorResponse, validationError } from "./errors.ts";
import { mediaRoutes } from "./media.ts";
import { recordingRoutes } from "./recordings.ts";
import { switcherRoutes } from "./switchers.ts";

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

/** The HTTP API, the same app behind API Gateway and in the local runtime. */
export function createApi(deps: ApiDeps) {
  const app = new OpenAPIHono<CallerEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationError(fieldIssues(result.error.issues, result.target)), 400);
    },
  });

  app.onError(toErrorResponse);
  app.notFound((c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404));

  app.get("/health", (c) => c.json({ status: "ok" }));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "The operator token, or an account's API key",
  });
  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: { title: "VisionStream API", version: "0.1.0", description: "Live to VOD, multi-tenant, event-driven." },
  });

  // "/x/*" also matches "/x"; every path under these, routed or not, needs the bearer token.
  app.use("/:resource{accounts|channels|recordings|media|switchers}/*", authenticate(deps.authenticator));

  app.route("/", accountRoutes(deps));
  app.route("/", channelCreationRoutes(deps));
  app.route("/", channelRoutes(deps));
  app.route("/", channelPlaybackRoutes(deps));
  app.route("/", broadcastRoutes(deps));
  app.route("/", broadcastStatusRoutes(deps));
  app.route("/", recordingRoutes(deps));
  app.route("/", mediaRoutes(deps));
  app.route("/", switcherRoutes(deps));
  return app;
}

export type Api = ReturnType<typeof createApi>;
