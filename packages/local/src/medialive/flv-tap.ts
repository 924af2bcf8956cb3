import type { Readable } from "node:stream";
import { MAX_QUEUED_BYTES, MediaQueue, type QueuedMedia } from "./media-queue.ts";

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
  /** It starts with what a dropped consumer's transcoder had not recorded, from this keyframe's time (ms). */
  carriedFromMs?: number;
}

/** What a consumer's stream gives its transcoder (see FlvTap.attach). */
export interface TapStream {
  stream: Readable;
  fedMs: () => number;
  /** The publisher's time of the first media given. */
  startMs: () => number | undefined;
  /** The media of a dropped transcoder it starts with: from this time of the publisher's (ms). */
  carriedFromMs?: number;
}

/**
 * A consumer's transcoder fell too far behind and was dropped: how much of what it was given was recorded (ms from
 * the start of its stream), when the next transcoder is to go on from there; undefined when what waited is let go.
 */
export type RecordedOfDropped = () => number | undefined;

/** An FLV tag's timestamp: 24 bits and an extension byte for the top 8. */
const timestampOf = (tag: Tag) => ((tag.bytes[7]! << 24) | tag.bytes.readUIntBE(4, 3)) >>> 0;

const asTag = (media: QueuedMedia): Tag => ({ type: media.bytes[0]! & 0x1f, bytes: media.bytes });

const isVideoKeyframe = (tag: Tag) => {
  const body = tag.bytes.subarray(TAG_HEADER_SIZE);
  return tag.type === VIDEO && body[0]! >> 4 === 1 && !(((body[0]! & 0x0f) === 7) && body[1] === 0);
};

/**
 * Reads a live FLV stream continuously and lets consumers attach at any time: an attached consumer gets a
 * decodable FLV — the header, onMetaData and the codec configuration seen so far — from the latest video keyframe on
 * (the group of pictures under way is kept, so nothing is lost between a publish and the transcoder attaching), or,
 * once hold() was called, everything from then on until it attaches (while the transcoder before it finishes its own
 * input, after a reconnect). A consumer whose transcoder fell too far behind is dropped; when the run goes on from what
 * it recorded (recordedOfDropped), what it was given from there on is kept for the next consumer, so that a slow
 * transcoder costs the show nothing.
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

  /** onHeldDropped: what hold() kept grew past the bound before any consumer attached, and was dropped (ms of media). */
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
  attach(): TapStream {
    if (this.consumer && !this.consumer.queue.attached) this.consumer.queue.attached = true;
    else {
      this.detach();
      this.consumer = this.fromLatestKeyframe(true);
      if (this.sourceEnded) this.consumer.queue.stream.end();
    }
    const { queue, carriedFromMs } = this.consumer;
    return { stream: queue.stream, fedMs: () => queue.fedMs(), startMs: () => queue.startMs(), ...(carriedFromMs !== undefined ? { carriedFromMs } : {}) };
  }

  /** A consumer (attached, or held for the next attach), with room for `extraBytes` more than the bound. */
  private newConsumer(attached: boolean, extraBytes = 0): Consumer {
    // A transcoder far behind real time would make memory grow without end: its queue is dropped, the engine starts
    // another; a held queue that overflows is reported.
    const queue = new MediaQueue({
      attached,
      highWaterMark: 4 * 1024 * 1024,
      maxBytes: (this.maxQueuedBytes ?? MAX_QUEUED_BYTES) + extraBytes,
      onDropped: (dropped) => {
        if (this.consumer?.queue === dropped) this.consumer = undefined;
        if (!dropped.attached) this.onHeldDropped(dropped.fedMs());
        else this.carryOn(dropped);
      },
    });
    return { queue, started: false };
  }

  /**
   * A dropped transcoder's media from where its recording stands (the keyframe at or before it) is held for the next
   * one, with what arrives meanwhile: that one starts behind real time, at a faster preset, and catches up.
   */
  private carryOn(dropped: MediaQueue): void {
    const startMs = dropped.startMs();
    if (startMs === undefined || !this.header || this.consumer) return;
    const recordedMs = this.recordedOfDropped();
    if (recordedMs === undefined) return;
    const backlog = dropped.backlogFrom(startMs + recordedMs);
    const keyframe = backlog[0];
    if (!keyframe) return;
    const consumer = this.newConsumer(false, backlog.reduce((bytes, media) => bytes + media.bytes.length, 0));
    consumer.carriedFromMs = keyframe.atMs!;
    this.start(consumer, asTag(keyframe));
    for (const media of backlog) consumer.queue.write(media.bytes, media.atMs, media.keyframe);
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
    return this.consumer !== undefined && !this.consumer.queue.attached && this.consumer.carriedFromMs !== undefined;
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
    const body = tag.bytes.subarray(TAG_HEADER_SIZE);
    const isVideoConfig = tag.type === VIDEO && (body[0]! & 0x0f) === 7 && body[1] === 0;
    const isAudioConfig = tag.type === AUDIO && body[0]! >> 4 === 10 && body[1] === 0;
    if (tag.type === SCRIPT) this.metadata = tag;
    if (isVideoConfig) this.videoConfig = tag;
    if (isAudioConfig) this.audioConfig = tag;
    const keyframe = isVideoKeyframe(tag);
    if (keyframe) {
      this.gop = [];
      this.gopBytes = 0;
    }
    if (!isVideoConfig && !isAudioConfig && tag.type !== SCRIPT && (keyframe || this.gop.length > 0) && this.gopBytes < MAX_GOP_BYTES) {
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
    return consumer.queue.write(tag.bytes, tag.type === AUDIO || tag.type === VIDEO ? timestampOf(tag) : undefined, isVideoKeyframe(tag));
  }

  private start(consumer: Consumer, keyframe: Tag): void {
    consumer.started = true;
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
