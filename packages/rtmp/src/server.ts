import { createServer, type Socket } from "node:net";
import { RtmpConnection } from "./connection.ts";
import type { RtmpIngest, RtmpIngestOptions } from "./types.ts";

export type { PublishRequest, PublishSession, RtmpIngest, RtmpIngestOptions, Verdict } from "./types.ts";

/** "::ffff:127.0.0.1" → "127.0.0.1" */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice("::ffff:".length) : address;
}

/** An RTMP ingest on one address: publishers in, each publish out as an FLV byte stream. */
export async function startRtmpIngest(options: RtmpIngestOptions): Promise<RtmpIngest> {
  const connections = new Set<RtmpConnection>();

  const refuse = (remoteAddress: string, reason: string) => {
    try {
      options.onRefused?.({ remoteAddress, reason });
    } catch {
      // a failing log hook must not keep a refused socket open
    }
  };

  const accept = (socket: Socket) => {
    socket.on("error", () => {});
    const remoteAddress = normaliseAddress(socket.remoteAddress);
    let allowed = false;
    try {
      allowed = options.allowConnection(remoteAddress) === true;
    } catch {
      allowed = false;
    }
    if (!allowed) {
      socket.destroy();
      refuse(remoteAddress, "connection not allowed");
      return;
    }
    const connection = new RtmpConnection(socket, remoteAddress, options);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  };

  const server = createServer({ noDelay: true }, accept);
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the RTMP ingest has no TCP port");

  return {
    port: address.port,
    close: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.destroy("the ingest is closing");
      await stopped;
    },
  };
}
