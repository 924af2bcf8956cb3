import { accountRoutes } from "./accounts.ts";
import { broadcastStatusRoutes } from "./broadcast-status.ts";
import { broadcastRoutes } from "./broadcasts.ts";
import { channelCreationRoutes } from "./channel-creation.ts";
import { channelPlaybackRoutes } from "./channel-playback.ts";
import { channelRoutes } from "./channels.ts";
import { mediaRoutes } from "./media.ts";
import { recordingRoutes } from "./recordings.ts";
import { type ApiDeps, type RouteGroup, routedApp } from "./routed-app.ts";
import { switcherRoutes } from "./switchers.ts";

export type { ApiDeps } from "./routed-app.ts";

/**
 * Every route module of the API, in the order /openapi.json lists their routes. A module's routes all go to one Lambda
 * function (api-routes.ts), whose entry file bundles it; only the default one's bundles them all, for the document.
 */
export const API_ROUTES = [
  accountRoutes,
  channelCreationRoutes,
  channelRoutes,
  channelPlaybackRoutes,
  broadcastRoutes,
  broadcastStatusRoutes,
  recordingRoutes,
  mediaRoutes,
  switcherRoutes,
] as const satisfies readonly RouteGroup[];

/** The whole HTTP API, as the local runtime serves it; each Lambda function serves its part (api-function.ts). */
export function createApi(deps: ApiDeps) {
  return routedApp(deps, API_ROUTES);
}

export type Api = ReturnType<typeof createApi>;
