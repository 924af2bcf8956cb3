import { PassThrough, type Readable } from "node:stream";

/** What an ingest keeps for one transcoder that is behind real time or not attached yet, before it gives up on it. */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Of what its transcoder has already read, what a queue that keeps its media keeps, for the next transcoder if this one
 * is dropped: what it read and has not written as segments yet (the segment under way, the encoders' delay) is a few
 * seconds; this is 16 s of a 12 Mb/s camera, 4 s at 50 Mb/s.
 */
const KEPT_READ_BYTES = 24 * 1024 * 1024;

/** The error a dropped queue's stream ends with: its transcoder fell too far behind the live input. */
export class FellBehind extends Error {
  override name = "FellBehind";
  constructor() {
    super("the transcoder fell too far behind the live input");
  }
}

/** What a queue's stream gives its transcoder. */
export interface Attached {
  stream: Readable;
  fedMs: () => number;
  /** Where the stream's time 0 stands on the publisher's timeline (ms), once known (RTMP). */
  originMs?: () => number | undefined;
  /** It starts with what a dropped transcoder had not recorded, kept by its feed (see FeedRun.recordedOfDropped). */
  carried?: boolean;
  /** Whether its transcoder has caught up with the input once (MediaQueue.caughtUp says when). */
  caughtUp?: () => boolean;
}

/** A piece of media as it was queued: where it stands on the media's timeline, and whether a decoder can start at it. */
export interface QueuedMedia {
  bytes: Buffer;
  atMs?: number;
  keyframe: boolean;
}

export interface MediaQueueOptions {
  attached: boolean;
  highWaterMark: number;
  onDropped: (queue: MediaQueue) => void;
  /** What may wait beyond the stream's own buffer before the queue is dropped (MAX_QUEUED_BYTES unless told). */
  maxBytes?: number;
  /** Room beyond maxBytes for media it starts with (a dropped transcoder's), until its transcoder has read that much. */
  startingBytes?: number;
  /** Keeps what it is given, for backlogFrom: the media of a feed that can hand a dropped transcoder's media on. */
  keepsMedia?: boolean;
}

/**
 * An ingest's media on its way to one transcoder: kept in memory while the transcoder runs behind real time or has
 * not attached yet, up to a bound beyond what the stream itself buffers (its highWaterMark, a few MB). Past that it is
 * dropped: its stream ends with an error (which its transcoder, once attached, hears of; until then nobody needs to)
 * and onDropped is called. A queue that keeps its media remembers what the transcoder has not read and the last
 * KEPT_READ_BYTES it has, so that a dropped queue's media can go to the next transcoder (backlogFrom) rather than be lost.
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
  private startingBytes: number;
  /** The least that waited beyond the stream's buffer since what it started with was read. */
  private leastWaiting = Number.POSITIVE_INFINITY;
  private caughtUpOnce = false;
  private readonly keepsMedia: boolean;
  /** What was written, oldest first (from kept[keptHead]), `keptFrom` bytes into the stream on. */
  private kept: QueuedMedia[] = [];
  private keptHead = 0;
  private keptFrom = 0;
  private written = 0;

  constructor(options: MediaQueueOptions) {
    this.maxBytes = options.maxBytes ?? MAX_QUEUED_BYTES;
    this.startingBytes = options.startingBytes ?? 0;
    this.keepsMedia = options.keepsMedia ?? false;
    this.stream = new PassThrough({ highWaterMark: options.highWaterMark });
    this.stream.on("error", () => {});
    this.attached = options.attached;
    this.onDropped = options.onDropped;
  }

  /**
   * Whether its transcoder has caught up once: attached, it has read what the queue started with, and what waits
   * beyond the stream's own buffer has come within a quarter of the bound (at its first write, for a transcoder that
   * starts live).
   */
  caughtUp(): boolean {
    return this.caughtUpOnce;
  }

  /** Media handed over so far, in ms of the timeline the writes gave. */
  fedMs(): number {
    return this.firstMs !== undefined && this.lastMs !== undefined ? this.lastMs - this.firstMs : 0;
  }

  /** Queues bytes (atMs: where they stand on the media's timeline, when they carry a time); false once dropped. */
  write(bytes: Buffer, atMs?: number, keyframe = false): boolean {
    if (this.dropped) return false;
    if (this.startingBytes > 0 && this.readBytes() >= this.startingBytes) this.startingBytes = 0;
    const waiting = this.stream.writableLength;
    if (this.startingBytes === 0) this.leastWaiting = Math.min(this.leastWaiting, waiting);
    if (!this.caughtUpOnce && this.attached && this.startingBytes === 0 && waiting <= this.maxBytes / 4) this.caughtUpOnce = true;
    if (waiting > this.bound()) {
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
    this.written += bytes.length;
    if (this.keepsMedia) {
      this.kept.push({ bytes, ...(atMs !== undefined ? { atMs } : {}), keyframe });
      this.forgetRead();
    }
    return true;
  }

  /**
   * What may wait beyond the stream's buffer: the bound, and room for what it started with until it has read that
   * much. After that, a transcoder still catching up on it may fall a quarter of the bound behind the best it has done
   * since, so that one gaining ground is not dropped for being more than the bound behind.
   */
  private bound(): number {
    if (this.startingBytes > 0) return this.maxBytes + this.startingBytes;
    return Math.max(this.maxBytes, this.leastWaiting + this.maxBytes / 4);
  }

  /** Bytes the transcoder has read: what was written less what the stream still buffers on both sides. */
  private readBytes(): number {
    return this.written - this.stream.writableLength - this.stream.readableLength;
  }

  private forgetRead(): void {
    const keepFrom = this.readBytes() - KEPT_READ_BYTES;
    while (this.keptHead < this.kept.length - 1) {
      const oldest = this.kept[this.keptHead]!.bytes.length;
      if (this.keptFrom + oldest > keepFrom) break;
      this.keptFrom += oldest;
      this.keptHead++;
    }
    // Compacted once the forgotten are half the list: a write costs the same however much is kept.
    if (this.keptHead > 1_024 && this.keptHead * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.keptHead);
      this.keptHead = 0;
    }
  }

  /**
   * The timed media this queue kept from the last keyframe at or before `fromMs` on (from its first kept keyframe when
   * it kept none that early), for the next transcoder of a dropped one; undefined when it kept no keyframe.
   */
  backlogFrom(fromMs: number): { keyframe: QueuedMedia; media: QueuedMedia[] } | undefined {
    let start: number | undefined;
    for (let index = this.keptHead; index < this.kept.length; index++) {
      const { keyframe, atMs } = this.kept[index]!;
      if (!keyframe || atMs === undefined) continue;
      if (start !== undefined && atMs > fromMs) break;
      start = index;
    }
    if (start === undefined) return undefined;
    return { keyframe: this.kept[start]!, media: this.kept.slice(start).filter((media) => media.atMs !== undefined) };
  }
}
