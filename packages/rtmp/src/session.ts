import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { FLV_HEADER, FLV_TAG, type FlvTagType, flvTag } from "./flv.ts";
import type { PublishSession } from "./types.ts";

/** A consumer further behind than this loses the publisher rather than the machine's memory. */
export const MAX_BUFFERED_FLV_BYTES = 64 * 1024 * 1024;

/**
 * The later of two 32-bit timestamps (modulo 2^32, as RTMP's wrap): audio and video interleave, each with its own
 * small lead, so the publisher's clock is the later of its latest audio and its latest video.
 */
function latestOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return ((a - b) >>> 0) < 2 ** 31 ? a : b;
}

/** One publish: the media of one connection as an FLV byte stream. */
export class FlvPublishSession implements PublishSession {
  readonly id = randomUUID();
  readonly flv = new Readable({ read() {}, highWaterMark: 1024 * 1024 });
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private reason: string | undefined;
  private bytes = 0;
  private lastMediaAt: number | undefined;
  /** The latest audio and the latest video timestamp. */
  private readonly stamps: { audio?: number; video?: number } = {};
  private videoFrames = 0;
  private audioFrames = 0;

  constructor(
    readonly app: string,
    readonly streamName: string,
    readonly remoteAddress: string,
    private readonly disconnect: (reason: string) => void,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.flv.on("error", () => {});
    this.flv.on("close", () => this.close("the flv consumer went away"));
    this.flv.push(FLV_HEADER);
  }

  get ended(): boolean {
    return this.reason !== undefined;
  }

  /** Why the session ended (unpublished, connection closed, consumer too slow, ...), once it has. */
  closeReason(): string | undefined {
    return this.reason;
  }

  stats() {
    return { bytes: this.bytes, lastMediaAt: this.lastMediaAt, mediaTime: latestOf(this.stamps.audio, this.stamps.video), videoFrames: this.videoFrames, audioFrames: this.audioFrames };
  }

  media(type: FlvTagType, timestamp: number, data: Buffer): void {
    if (this.ended || data.length === 0) return;
    this.bytes += data.length;
    this.lastMediaAt = Date.now();
    if (type === FLV_TAG.video) {
      this.videoFrames += 1;
      this.stamps.video = timestamp;
    } else if (type === FLV_TAG.audio) {
      this.audioFrames += 1;
      this.stamps.audio = timestamp;
    }
    this.flv.push(flvTag(type, timestamp, data));
    if (this.flv.readableLength > MAX_BUFFERED_FLV_BYTES) {
      this.close(`the flv consumer is too slow: more than ${MAX_BUFFERED_FLV_BYTES} bytes buffered`, { discard: true });
    }
  }

  /** The publisher has gone: what is buffered is still delivered, then flv ends. */
  end(reason: string): void {
    this.finish(reason, false);
  }

  close(reason = "closed by the server", { discard = false } = {}): void {
    if (this.ended) return;
    this.finish(reason, discard);
    this.disconnect(reason);
  }

  private finish(reason: string, discard: boolean): void {
    if (this.ended) return;
    this.reason = reason;
    if (discard || this.flv.destroyed) this.flv.destroy();
    else this.flv.push(null);
    this.resolveClosed();
  }
}
