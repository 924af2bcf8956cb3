/**
 * The local CloudFront in a process of its own, as CloudFront is a service of its own: viewers' requests never wait
 * behind the API's work on one event loop, and the two use separate cores. The runtime starts it with an IPC
 * channel (cdn-process.ts); it ends when that channel closes, also when the runtime was killed.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { z } from "zod";
import { LocalLayout } from "../account-infrastructure.ts";
import { cdnApp } from "./server.ts";

export const CdnProcessOptions = z.object({
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
});
export type CdnProcessOptions = z.infer<typeof CdnProcessOptions>;

/** What the process tells its parent once it listens (or why it could not). */
export type CdnProcessMessage = { listening: number } | { failed: string; code?: string };

const KEEP_ALIVE_MS = 65_000;

// Started by a runtime that is already gone: nothing would ever stop this process.
if (!process.connected) process.exit(1);
const options = CdnProcessOptions.parse(JSON.parse(process.argv[2] ?? "{}"));
const tell = (message: CdnProcessMessage) => process.send?.(message);
const server = serve({ fetch: cdnApp(new LocalLayout(options.dataDir)).fetch, port: options.port, hostname: options.host }, (info: AddressInfo) =>
  tell({ listening: info.port }),
);
// Players keep their connections and reuse them every segment or two; Node's 5 s idle limit would close some just as
// a player sends on them (a "socket hang up" the player must retry). Edges keep viewer connections far longer.
if ("keepAliveTimeout" in server) {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
}
server.once("error", (error: NodeJS.ErrnoException) => {
  tell({ failed: error.message, ...(error.code ? { code: error.code } : {}) });
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  if ("closeAllConnections" in server) server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on("disconnect", stop);
process.on("SIGTERM", stop);
process.on("SIGINT", () => undefined); // Ctrl-C reaches the whole group: the runtime decides when this one stops.
