import { broadcastRoutes } from "./api/broadcasts.ts";
import { channelRoutes } from "./api/channels.ts";
import { apiFunction } from "./api-function.ts";
import { broadcastSecret } from "./aws-adapters/broadcast-secret.ts";

/** The channels' reads and commands (start, stop, delete: their steps drive the engine) and broadcast links. */
export const handler = apiFunction("apiChannels", [channelRoutes, broadcastRoutes], {}, { broadcastSecret: broadcastSecret() });
