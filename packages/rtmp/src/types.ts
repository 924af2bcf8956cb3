import type { Readable } from "node:stream";

/** What the RTMP ingest asks and hands out (in a file of its own, so the server and its connections share it without a circle). */
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
  /**
   * bytes of media received, Date.now() of the last media message, and the publisher's clock: the later of its latest
   * audio and its latest video timestamp (ms, 32 bits; it moves with the media, whenever the media is read)
   */
  stats(): { bytes: number; lastMediaAt: number | undefined; mediaTime: number | undefined; videoFrames: number; audioFrames: number };
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
