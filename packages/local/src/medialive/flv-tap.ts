import type { Readable } from "node:stream";
import { type Attached, MAX_QUEUED_BYTES, MediaQueue, type QueuedMedia } from "./media-queue.ts";

const FLV_HEADER_SIZE = 9 + 4;
const TAG_HEADER_SIZE = 11;
const AUDIO = 8;
const VIDEO = 9;
const SCRIPT = 18;
const MAX_GOP_BYTES = 32 * 1024 * 1024;

interface Tag {
  type: number;
  bytes: Buffer;
}

interface Consumer {
  queue: MediaQueue;
  started: boolean;
  /** The presentation times (ms) of the first picture and the first sound given: the earlier is its stream's time 0. */
  firstPictureMs?: number;
  firstSoundMs?: number;
  /** The decoding time (ms) of the last picture or sound given. */
  lastMs?: number;
  /** It starts with what a dropped consumer's transcoder had not recorded (carryOn). */
  carried: boolean;
}

/**
 * A consumer's transcoder fell too far behind and was dropped: how much of its output was recorded (ms from its stream's
 * time 0), when the next transcoder is to go on from there; undefined when what waited is let go.
 */
export type RecordedOfDropped = () => number | undefined;

/**
 * How far a picture's presentation may come after its decoding (B-frames' reordering): a carry starts at a keyframe
 * decoded at least this long before where the recording ends, so that its picture is not after it.
 */
const MAX_REORDER_MS = 1_000;

/** An FLV tag's timestamp: 24 bits and an extension byte for the top 8. */
const timestampOf = (tag: Tag) => ((tag.bytes[7]! << 24) | tag.bytes.readUIntBE(4, 3)) >>> 0;

const asTag = (media: QueuedMedia): Tag => ({ type: media.bytes[0]! & 0x1f, bytes: media.bytes });

const bodyOf = (tag: Tag) => tag.bytes.subarray(TAG_HEADER_SIZE);
const AVC = 7;
const isVideoConfig = (tag: Tag) => tag.type === VIDEO && (bodyOf(tag)[0]! & 0x0f) === AVC && bodyOf(tag)[1] === 0;
const isAudioConfig = (tag: Tag) => tag.type === AUDIO && bodyOf(tag)[0]! >> 4 === 10 && bodyOf(tag)[1] === 0;
const isConfig = (tag: Tag) => isVideoConfig(tag) || isAudioConfig(tag);
const isVideoKeyframe = (tag: Tag) => tag.type === VIDEO && bodyOf(tag)[0]! >> 4 === 1 && !isVideoConfig(tag);

/** A picture's presentation time: its decoding time and, for AVC, its packet's composition offset (signed, 24 bits). */
const presentationOf = (tag: Tag) => {
  const body = bodyOf(tag);
  return timestampOf(tag) + ((body[0]! & 0x0f) === AVC && body.length >= 5 ? body.readIntBE(2, 3) : 0);
};

/** Where a consumer's stream starts for its transcoder: ffmpeg's input start time, the earliest of its streams' first times. */
const originOf = (consumer: Consumer) => {
  const firsts = [consumer.firstPictureMs, consumer.firstSoundMs].filter((ms) => ms !== undefined);
  return firsts.length ? Math.min(...firsts) : undefined;
};

/**
 * Reads a live FLV stream continuously and lets consumers attach at any time: an attached consumer gets a
 * decodable FLV — the header, onMetaData and the codec configuration seen so far — from the latest video keyframe on
 * (the group of pictures under way is kept, so nothing is lost between a publish and the transcoder attaching), or,
 * once hold() was called, everything from then on until it attaches (while the transcoder before it finishes its own
 * input, after a reconnect). A consumer whose transcoder fell too far behind is dropped; when the run goes on from what
 * it recorded (recordedOfDropped), what it was given from there on is kept for the next consumer, which goes on from
 * there.
 */
export class FlvTap {
  private buffered: Buffer = Buffer.alloc(0);
  private header: Buffer | undefined;
  private metadata: Tag | undefined;
  private videoConfig: Tag | undefined;
  private audioConfig: Tag | undefined;
  private consumer: Consumer | undefined;
  /** The tags since the latest video keyframe. */
  private gop: Tag[] = [];
  private gopBytes = 0;
  readonly ended: Promise<void>;

  private sourceEnded = false;
  /** Where the media given to a held consumer that was dropped ends: what arrives after it is lost until the next consumer starts. */
  private heldLostFromMs: number | undefined;

  /**
   * onHeldDropped: what hold() kept grew past the bound before any consumer attached, and was dropped (ms of media,
   * told at the drop); and, once the next consumer starts, what arrived after the drop until its first keyframe, which
   * none kept.
   */
  constructor(
    source: Readable,
    private readonly onHeldDropped: (lostMs: number) => void = () => {},
    /** What a consumer may have waiting before it is dropped (MediaQueue's bound unless told). */
    private readonly maxQueuedBytes?: number,
    private readonly recordedOfDropped: RecordedOfDropped = () => undefined,
  ) {
    source.on("data", (chunk: Buffer) => this.push(chunk));
    this.ended = new Promise((resolve) => {
      const finish = () => {
        this.sourceEnded = true;
        this.consumer?.queue.stream.end();
        // What was held for a transcoder not attached yet stays for it: it reads it to the end.
        if (this.consumer?.queue.attached) this.consumer = undefined;
        resolve();
      };
      source.once("end", finish);
      source.once("close", finish);
      source.once("error", finish);
    });
  }

  /** Keeps everything from the latest keyframe on for the next consumer, however long it takes to attach. */
  hold(): void {
    if (!this.consumer) this.consumer = this.fromLatestKeyframe(false);
  }

  /**
   * An FLV stream for one consumer (a transcoder): what hold() kept, or from the latest keyframe on; the previous
   * consumer, if any, is ended. fedMs tells how much of the publisher's timeline it has been given.
   */
  attach(): Attached {
    if (this.consumer && !this.consumer.queue.attached) this.consumer.queue.attached = true;
    else {
      this.detach();
      this.consumer = this.fromLatestKeyframe(true);
      if (this.sourceEnded) this.consumer.queue.stream.end();
    }
    const consumer = this.consumer;
    const { queue } = consumer;
    return { stream: queue.stream, fedMs: () => queue.fedMs(), originMs: () => originOf(consumer), carried: consumer.carried, caughtUp: () => queue.caughtUp() };
  }

  /** A consumer (attached, or held for the next attach), with room beyond the bound for what it starts with. */
  private newConsumer(attached: boolean, startingBytes = 0): Consumer {
    const consumer: Consumer = { started: false, carried: false } as Consumer;
    // A transcoder far behind real time would make memory grow without end: its queue is dropped, the engine starts
    // another; a held queue that overflows is reported.
    consumer.queue = new MediaQueue({
      attached,
      highWaterMark: 4 * 1024 * 1024,
      maxBytes: this.maxQueuedBytes ?? MAX_QUEUED_BYTES,
      startingBytes,
      keepsMedia: true,
      onDropped: (dropped) => {
        if (this.consumer === consumer) this.consumer = undefined;
        if (dropped.attached) return this.carryOn(consumer);
        this.onHeldDropped(dropped.fedMs());
        if (consumer.lastMs !== undefined) this.heldLostFromMs ??= consumer.lastMs;
      },
    });
    return consumer;
  }

  /**
   * A dropped transcoder's media from where its recording ends (from a keyframe before it) is held for the next one,
   * with what arrives meanwhile: that one starts behind real time, at a faster preset (or the same, the fastest), and
   * catches up.
   */
  private carryOn(dropped: Consumer): void {
    const originMs = originOf(dropped);
    if (originMs === undefined || !this.header || this.consumer) return;
    const recordedMs = this.recordedOfDropped();
    if (recordedMs === undefined) return;
    const backlog = dropped.queue.backlogFrom(originMs + recordedMs - MAX_REORDER_MS);
    if (!backlog) return;
    const consumer = this.newConsumer(false, backlog.media.reduce((bytes, media) => bytes + media.bytes.length, 0));
    consumer.carried = true;
    this.start(consumer, asTag(backlog.keyframe));
    for (const media of backlog.media) this.write(consumer, asTag(media));
    this.consumer = consumer;
  }

  private fromLatestKeyframe(attached: boolean): Consumer {
    const consumer = this.newConsumer(attached);
    const keyframe = this.gop[0];
    if (keyframe && this.header) {
      this.start(consumer, keyframe);
      for (const tag of this.gop) this.write(consumer, tag);
    }
    return consumer;
  }

  /** Ends the attached consumer's stream; what is held for the next one stays. */
  detach(): void {
    if (!this.consumer?.queue.attached) return;
    this.consumer.queue.stream.end();
    this.consumer = undefined;
  }

  /** It holds a dropped consumer's media for the next one (carryOn). */
  carrying(): boolean {
    return this.consumer !== undefined && !this.consumer.queue.attached && this.consumer.carried;
  }

  /** What it holds of a dropped consumer's is let go: the run goes on without it. */
  letGoCarry(): void {
    if (!this.carrying()) return;
    this.consumer!.queue.stream.destroy();
    this.consumer = undefined;
  }

  private push(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (!this.header) {
      if (this.buffered.length < FLV_HEADER_SIZE) return;
      this.header = Buffer.from(this.buffered.subarray(0, FLV_HEADER_SIZE));
      this.buffered = this.buffered.subarray(FLV_HEADER_SIZE);
    }
    while (this.buffered.length >= TAG_HEADER_SIZE) {
      const dataSize = this.buffered.readUIntBE(1, 3);
      const total = TAG_HEADER_SIZE + dataSize + 4;
      if (this.buffered.length < total) break;
      const tag = { type: this.buffered[0]! & 0x1f, bytes: Buffer.from(this.buffered.subarray(0, total)) };
      this.buffered = this.buffered.subarray(total);
      this.onTag(tag);
    }
  }

  private onTag(tag: Tag): void {
    if (tag.type === SCRIPT) this.metadata = tag;
    if (isVideoConfig(tag)) this.videoConfig = tag;
    if (isAudioConfig(tag)) this.audioConfig = tag;
    const keyframe = isVideoKeyframe(tag);
    if (keyframe) {
      this.gop = [];
      this.gopBytes = 0;
    }
    if (!isConfig(tag) && tag.type !== SCRIPT && (keyframe || this.gop.length > 0) && this.gopBytes < MAX_GOP_BYTES) {
      this.gop.push(tag);
      this.gopBytes += tag.bytes.length;
    }

    const consumer = this.consumer;
    if (!consumer) return;
    if (!consumer.started) {
      if (!keyframe || !this.header) return;
      this.start(consumer, tag);
    }
    // The tag that overflowed a consumer goes to the one carrying on from it, if any.
    if (!this.write(consumer, tag) && this.consumer && this.consumer !== consumer) this.write(this.consumer, tag);
  }

  private write(consumer: Consumer, tag: Tag): boolean {
    const media = tag.type === AUDIO || tag.type === VIDEO;
    if (!consumer.queue.write(tag.bytes, media ? timestampOf(tag) : undefined, isVideoKeyframe(tag))) return false;
    if (media && !isConfig(tag)) {
      consumer.lastMs = timestampOf(tag);
      if (tag.type === VIDEO) consumer.firstPictureMs ??= presentationOf(tag);
      else consumer.firstSoundMs ??= timestampOf(tag);
    }
    return true;
  }

  private start(consumer: Consumer, keyframe: Tag): void {
    consumer.started = true;
    if (this.heldLostFromMs !== undefined) {
      // Its media starts with the keyframe's sound, about when the keyframe is decoded.
      const lostMs = timestampOf(keyframe) - this.heldLostFromMs;
      if (lostMs > 0) this.onHeldDropped(lostMs);
      this.heldLostFromMs = undefined;
    }
    const prelude = [this.header, this.metadata, this.videoConfig, this.audioConfig].filter((part) => part !== undefined);
    for (const part of prelude) consumer.queue.write(Buffer.isBuffer(part) ? part : this.retimed(part, keyframe));
  }

  /** Configuration tags are replayed with the timestamp of the keyframe they precede. */
  private retimed(config: Tag, at: Tag): Buffer {
    const copy = Buffer.from(config.bytes);
    at.bytes.copy(copy, 4, 4, 8);
    return copy;
  }
}
