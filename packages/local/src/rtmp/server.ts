import { createServer, type Socket } from "node:net";
import type { Readable } from "node:stream";
import { RtmpConnection } from "./connection.ts";

export interface PublishRequest {
  app: string;
  streamName: string;
  remoteAddress: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export interface PublishSession {
  id: string;
  app: string;
  streamName: string;
  remoteAddress: string;
  /** FLV: the 9-byte header + PreviousTagSize0, then one tag per audio (8) / video (9) / script-data (18, onMetaData from @setDataFrame) message, timestamps as sent */
  flv: Readable;
  /** bytes of media received, and Date.now() of the last media message */
  stats(): { bytes: number; lastMediaAt: number | undefined; videoFrames: number; audioFrames: number };
  /** resolves when the publisher has gone (unpublish, deleteStream, socket closed or error, or close() called); flv ends then */
  closed: Promise<void>;
  /** why the session ended, once it has; never contains the stream name */
  closeReason(): string | undefined;
  close(): void;
}

export interface RtmpIngestOptions {
  host: string;
  /** 0 = any free port */
  port: number;
  /** checked when the TCP connection is accepted: false closes it at once, before the handshake */
  allowConnection(remoteAddress: string): boolean;
  /** checked at `publish` (after connect/createStream): a refusal answers onStatus NetStream.Publish.BadName (level error) and closes the connection */
  authorize(request: PublishRequest): Verdict | Promise<Verdict>;
  onPublish(session: PublishSession): void;
  /** a connection or publish turned away, with the reason; the reason never contains the stream name (the stream key) */
  onRefused?(event: { remoteAddress: string; reason: string }): void;
}

export interface RtmpIngest {
  port: number;
  close(): Promise<void>;
}

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
