import { OpenAPIHono } from "@hono/zod-openapi";
import type { Accounts, Authenticator, Channels, MediaLibrary, Recordings, Switchers } from "@visionstream/core";
import type { MiddlewareHandler } from "hono";
import { accountRoutes } from "./accounts.ts";
import { channelRoutes } from "./channels.ts";
import { mediaRoutes } from "./media.ts";
import { recordingRoutes } from "./recordings.ts";
import { switcherRoutes } from "./switchers.ts";
import type { ApiEnv } from "./env.ts";
import { errorBody, fieldIssues, toErrorResponse, validationError } from "./errors.ts";

export interface ApiDeps {
  accounts: Accounts;
  authenticator: Authenticator;
  channels: Channels;
  recordings: Recordings;
  media: MediaLibrary;
  switchers: Switchers;
}

export type { ApiEnv } from "./env.ts";

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** The HTTP API, the same app behind API Gateway and in the local runtime. */
export function createApi(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({
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

  const authenticate: MiddlewareHandler<ApiEnv> = async (c, next) => {
    c.set("accounts", deps.accounts);
    c.set("channels", deps.channels);
    c.set("recordings", deps.recordings);
    c.set("media", deps.media);
    c.set("switchers", deps.switchers);
    c.set("caller", await deps.authenticator.authenticate(bearer(c.req.header("authorization"))));
    await next();
  };
  app.use("/accounts", authenticate);
  app.use("/accounts/*", authenticate);
  app.use("/channels", authenticate);
  app.use("/channels/*", authenticate);
  app.use("/recordings", authenticate);
  app.use("/recordings/*", authenticate);
  app.use("/media", authenticate);
  app.use("/media/*", authenticate);
  app.use("/switchers", authenticate);
  app.use("/switchers/*", authenticate);

  app.route("/", accountRoutes());
  app.route("/", channelRoutes());
  app.route("/", recordingRoutes());
  app.route("/", mediaRoutes());
  app.route("/", switcherRoutes());
  return app;
}

export type Api = ReturnType<typeof createApi>;
