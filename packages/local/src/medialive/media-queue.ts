import { PassThrough } from "node:stream";

/** What an ingest keeps for one transcoder that is behind real time or not attached yet, before it gives up on it. */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/** The error a dropped queue's stream ends with: its transcoder fell too far behind the live input. */
export class FellBehind extends Error {
  override name = "FellBehind";
  constructor() {
    super("the transcoder fell too far behind the live input");
  }
}

/**
 * An ingest's media on its way to one transcoder: kept in memory while the transcoder runs behind real time or has
 * not attached yet, up to MAX_QUEUED_BYTES (or the bound given) beyond what the stream itself buffers (its
 * highWaterMark, a few MB). Past that it is dropped: its stream ends with an error (which its
 * transcoder, once attached, hears of; until then nobody needs to) and onDropped is called.
 */
export class MediaQueue {
  readonly stream: PassThrough;
  /** Handed to a transcoder; until then it keeps what arrives. */
  attached: boolean;
  private dropped = false;
  private firstMs: number | undefined;
  private lastMs: number | undefined;
  private readonly onDropped: (queue: MediaQueue) => void;
  private readonly maxBytes: number;

  constructor(options: { attached: boolean; highWaterMark: number; onDropped: (queue: MediaQueue) => void; maxBytes?: number }) {
    this.maxBytes = options.maxBytes ?? MAX_QUEUED_BYTES;
    this.stream = new PassThrough({ highWaterMark: options.highWaterMark });
    this.stream.on("error", () => {});
    this.attached = options.attached;
    this.onDropped = options.onDropped;
  }

  /** Media handed over so far, in ms of the timeline the writes gave. */
  fedMs(): number {
    return this.firstMs !== undefined && this.lastMs !== undefined ? this.lastMs - this.firstMs : 0;
  }

  /** Queues bytes (atMs: where they stand on the media's timeline, when they carry a time); false once dropped. */
  write(bytes: Buffer, atMs?: number): boolean {
    if (this.dropped) return false;
    if (this.stream.writableLength > this.maxBytes) {
      this.dropped = true;
      this.stream.destroy(new FellBehind());
      this.onDropped(this);
      return false;
    }
    if (atMs !== undefined) {
      this.firstMs ??= atMs;
      this.lastMs = Math.max(this.lastMs ?? atMs, atMs);
    }
    this.stream.write(bytes);
    return true;
  }
}
