import { PassThrough } from "node:stream";

/** What an ingest keeps for one transcoder that is behind real time or not attached yet, before it gives up on it. */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Of what its transcoder has already read, what a queue keeps to hand on if the transcoder is dropped: what it read and
 * had not yet written as segments (the segment under way, the encoders' lookahead, the pipe), at any bitrate a channel takes.
 */
const KEPT_READ_BYTES = 24 * 1024 * 1024;

/** The error a dropped queue's stream ends with: its transcoder fell too far behind the live input. */
export class FellBehind extends Error {
  override name = "FellBehind";
  constructor() {
    super("the transcoder fell too far behind the live input");
  }
}

/** A piece of media as it was queued: where it stands on the media's timeline, and whether a decoder can start at it. */
export interface QueuedMedia {
  bytes: Buffer;
  atMs?: number;
  keyframe: boolean;
}

/**
 * An ingest's media on its way to one transcoder: kept in memory while the transcoder runs behind real time or has
 * not attached yet, up to MAX_QUEUED_BYTES (or the bound given) beyond what the stream itself buffers (its
 * highWaterMark, a few MB). Past that it is dropped: its stream ends with an error (which its
 * transcoder, once attached, hears of; until then nobody needs to) and onDropped is called. It remembers what it was
 * given that the transcoder has not read, and the last KEPT_READ_BYTES it has, so that a dropped queue's media can be
 * handed to the next transcoder (backlogFrom) rather than lost.
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
  /** What was written, oldest first, from `keptFrom` bytes into the stream on (at kept[keptHead]). */
  private kept: QueuedMedia[] = [];
  private keptHead = 0;
  private keptFrom = 0;
  private written = 0;

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

  /** Where the media handed over starts on the timeline the writes gave. */
  startMs(): number | undefined {
    return this.firstMs;
  }

  /** Queues bytes (atMs: where they stand on the media's timeline, when they carry a time); false once dropped. */
  write(bytes: Buffer, atMs?: number, keyframe = false): boolean {
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
    this.kept.push({ bytes, ...(atMs !== undefined ? { atMs } : {}), keyframe });
    this.written += bytes.length;
    this.forgetRead();
    return true;
  }

  /** Bytes the transcoder has read: what was written less what the stream still buffers on both sides. */
  private readBytes(): number {
    return this.written - this.stream.writableLength - this.stream.readableLength;
  }

  private forgetRead(): void {
    const keepFrom = this.readBytes() - KEPT_READ_BYTES;
    while (this.keptHead < this.kept.length - 1 && this.keptFrom + this.kept[this.keptHead]!.bytes.length <= keepFrom) this.keptFrom += this.kept[this.keptHead++]!.bytes.length;
    // Compacted once the forgotten are half the list: a write costs the same however much is kept.
    if (this.keptHead > 1_024 && this.keptHead * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.keptHead);
      this.keptHead = 0;
    }
  }

  /**
   * What this queue was given from the last keyframe at or before `fromMs` on (from its first kept keyframe when it
   * kept none that early), for the next transcoder of a dropped one: empty when it kept no keyframe.
   */
  backlogFrom(fromMs: number): QueuedMedia[] {
    let start = -1;
    for (let index = this.keptHead; index < this.kept.length; index++) {
      const media = this.kept[index]!;
      if (!media.keyframe || media.atMs === undefined) continue;
      if (start >= 0 && media.atMs > fromMs) break;
      start = index;
    }
    return start < 0 ? [] : this.kept.slice(start).filter((media) => media.atMs !== undefined);
  }
}
