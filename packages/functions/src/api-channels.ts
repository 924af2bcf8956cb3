import { apiFunction } from "./api-function.ts";
import { broadcastSecret } from "./aws-adapters/broadcast-secret.ts";

/** The channels' reads and commands (start, stop, delete: their steps drive the engine) and broadcast links. */
export const handler = apiFunction("apiChannels", {}, { broadcastSecret: broadcastSecret() });
