import type { RecordingGapReason } from "@visionstream/events";
import type { z } from "zod";
import { SRT_LATENCY_MS } from "@visionstream/core";
import { logger } from "../logger.ts";
import { type PublishSession, startRtmpIngest } from "@visionstream/rtmp";
import { FlvTap } from "./flv-tap.ts";
import type { MediaClock } from "./media-clock.ts";
import { flvInput, type MediaInput } from "./ladder-args.ts";
import { type Attached, MediaQueue } from "./media-queue.ts";
import { startRtpIngest } from "./rtp-ingest.ts";
import { startSrtIngest } from "./srt-ingest.ts";
import { TsMediaClock } from "./ts-clock.ts";

/** One ingest endpoint of a running channel and what arrives on it. */
export interface Feed {
  index: number;
  lastMediaAt(): number | undefined;
  /** Keeps what arrives from now on for the next attach(), however long that takes (a transcoder draining first). */
  hold(): void;
  /** A decodable stream of this endpoint's media for a (new) transcoder, and how much media it was given (ms). */
  attach(): Attached | undefined;
  /** Ends the attached stream: its transcoder encodes what it was given, then ends. */
  detach(): void;
  /** It keeps what a dropped transcoder had not recorded for the next attach() (see FeedRun.recordedOfDropped). */
  carrying(): boolean;
  /** What it keeps of a dropped transcoder's is let go: the run goes on without it. */
  letGoCarry(): void;
  input: MediaInput;
}

/** What an endpoint needs of the run it feeds. */
export interface FeedRun {
  engineChannelId: string;
  host: string;
  streamKey: string | undefined;
  allowed: (address: string) => boolean;
  stopping(): boolean;
  /** The endpoint the switches asked for so far lead to. */
  target(): Feed | undefined;
  fresh(feed: Feed): boolean;
  switchTo(feed: Feed | undefined, restart: boolean): void;
  /** See ChannelRun.mediaArrived. */
  mediaArrived(feed: Feed, clock?: MediaClock | "untimed", advancedMs?: number): void;
  lastMediaOf(feed: Feed): number | undefined;
  gap(reason: z.infer<typeof RecordingGapReason>, to: number, lostMs: number): void;
  /** What an endpoint keeps waiting for a transcoder behind real time before it drops it (MediaQueue's bound unless told). */
  maxQueuedBytes: number | undefined;
  /**
   * The transcoder fell too far behind and its feed dropped it: how much of what it was given it recorded (ms), when
   * the next one is to go on from there (RTMP: FlvTap carries what waited over); undefined when it is let go.
   */
  recordedOfDropped(): number | undefined;
  others(feed: Feed): Feed[];
}

export interface OpenFeed {
  feed: Feed;
  close(): Promise<void>;
}

function refused(run: FeedRun, index: number, event: { remoteAddress: string; reason: string }) {
  logger.warn("ingest refused", { engineChannelId: run.engineChannelId, endpoint: index, remoteAddress: event.remoteAddress, reason: event.reason });
}

export async function openRtmpFeed(run: FeedRun, index: number, port: number): Promise<OpenFeed> {
  let session: { publish: PublishSession; tap: FlvTap } | undefined;
  // The publishes whose media is kept for the next transcoders, in order, and the one a transcoder reads: after a
  // reconnect (or several), each new publish is held while the transcoder of the one before finishes.
  const heldTaps: FlvTap[] = [];
  let attachedTap: FlvTap | undefined;
  const feed: Feed = {
    index,
    lastMediaAt: () => session?.publish.stats().lastMediaAt,
    hold: () => {
      const tap = session?.tap;
      if (!tap || tap === attachedTap || heldTaps.includes(tap)) return;
      tap.hold();
      heldTaps.push(tap);
    },
    attach: () => {
      // What a dropped transcoder left comes first: it is older than anything held since.
      if (attachedTap?.carrying()) return attachedTap.attach();
      const held = heldTaps.shift();
      // Once stopping, only what was held is still to be encoded: the live publish, if any, was cut off.
      if (!held && run.stopping()) return undefined;
      attachedTap = held ?? session?.tap;
      return attachedTap?.attach();
    },
    detach: () => {
      attachedTap?.detach();
      if (!attachedTap?.carrying()) attachedTap = undefined;
    },
    carrying: () => attachedTap?.carrying() ?? false,
    letGoCarry: () => {
      if (!attachedTap?.carrying()) return;
      attachedTap.letGoCarry();
      attachedTap = undefined;
    },
    input: flvInput(),
  };
  const server = await startRtmpIngest({
    host: run.host,
    port,
    allowConnection: run.allowed,
    authorize: ({ app, streamName }) =>
      app === "live" && streamName === run.streamKey ? { ok: true } : { ok: false, reason: "unknown stream key" },
    onRefused: (event) => refused(run, index, event),
    onPublish: (publish) => {
      session?.publish.close();
      const current = {
        publish,
        tap: new FlvTap(publish.flv, (lostMs) => run.gap("transcoder-behind", run.lastMediaOf(feed) ?? Date.now(), lostMs), run.maxQueuedBytes, () => run.recordedOfDropped()),
      };
      session = current;
      publish.flv.on("data", () => {
        const { mediaTime } = publish.stats();
        run.mediaArrived(feed, mediaTime === undefined ? undefined : { source: publish.id, ms: mediaTime });
      });
      logger.info("publisher connected", { engineChannelId: run.engineChannelId, endpoint: index, remoteAddress: publish.remoteAddress });
      void publish.closed.then(() => {
        logger.info("publisher gone", { engineChannelId: run.engineChannelId, endpoint: index });
        // A publisher that replaced this one already owns the feed: leave its transcoder alone.
        if (session !== current) return;
        session = undefined;
        if (run.target() === feed) run.switchTo(run.others(feed).find((other) => run.fresh(other)), true);
      });
      const target = run.target();
      if (!target || target === feed || !run.fresh(target)) run.switchTo(feed, true);
    },
  });
  return {
    feed,
    close: async () => {
      session?.publish.close();
      await server.close();
    },
  };
}

/** An ingest that hands over MPEG-TS bytes as they arrive, without times of its own. */
interface TsIngest {
  stats(): { lastPacketAt: number | undefined };
  close(): Promise<void>;
}

/**
 * MPEG-TS as it arrives (RTP, SRT) into a queue per transcoder, the same for every TS ingest. A silence is costed by
 * the publisher's decoding times, as RTMP's is by its timestamps: what waited in a socket's buffer while the runtime
 * could not read arrived whole, late, and what the buffer could not hold shows as timestamps that jump.
 * `clockSource` names the endpoint's count: an encoder that starts again shows as times that go back.
 */
async function openTsFeed(
  run: FeedRun,
  index: number,
  start: (onPayload: (payload: Buffer) => void) => Promise<TsIngest>,
  clockSource: string,
): Promise<OpenFeed> {
  let consumer: MediaQueue | undefined;
  let ingest: TsIngest | undefined;
  const publisherClock = new TsMediaClock();
  const feed: Feed = {
    index,
    lastMediaAt: () => ingest?.stats().lastPacketAt,
    hold: () => {
      consumer ??= new MediaQueue({
        attached: false,
        highWaterMark: 8 * 1024 * 1024,
        ...(run.maxQueuedBytes !== undefined ? { maxBytes: run.maxQueuedBytes } : {}),
        onDropped: (dropped) => {
          if (consumer === dropped) consumer = undefined;
          if (!dropped.attached) run.gap("transcoder-behind", Date.now(), dropped.fedMs());
        },
      });
    },
    attach: () => {
      if (consumer?.attached) feed.detach();
      if (!consumer && run.stopping()) return undefined;
      feed.hold();
      const current = consumer!;
      current.attached = true;
      return { stream: current.stream, fedMs: () => current.fedMs() };
    },
    detach: () => {
      consumer?.stream.end();
      consumer = undefined;
    },
    // A TS feed's transcoder that falls too far behind loses what waited for it: no keyframes are looked for in TS here.
    carrying: () => false,
    letGoCarry: () => {},
    input: { args: ["-analyzeduration", "1000000", "-f", "mpegts", "-i", "pipe:0"] },
  };
  ingest = await start((payload) => {
    const { timed, advancedMs } = publisherClock.read(payload);
    run.mediaArrived(feed, timed ? publisherClock.clock(clockSource) : "untimed", advancedMs);
    if (!consumer && !run.target() && !run.stopping()) run.switchTo(feed, false);
    consumer?.write(payload, Date.now());
  });
  return {
    feed,
    close: async () => {
      await ingest?.close();
      // What is held for a transcoder that has not attached yet stays for it: it reads it to the end.
      if (consumer && !consumer.attached) consumer.stream.end();
      else feed.detach();
    },
  };
}

/** RTP_PUSH: RTP has no session; an encoder that starts again shows as timestamps that go back. */
export function openRtpFeed(run: FeedRun, index: number, port: number): Promise<OpenFeed> {
  return openTsFeed(
    run,
    index,
    (onPayload) => startRtpIngest({ host: run.host, port, allow: run.allowed, onRefused: (event) => refused(run, index, event), onPayload }),
    `rtp-${index}`,
  );
}

/**
 * SRT_LISTENER: the encoder calls with the channel's passphrase; its MPEG-TS goes on as RTP's does. srt-live-transmit
 * takes caller after caller on its own: a new caller shows as times that go back, as an RTP encoder's restart does.
 */
export function openSrtFeed(run: FeedRun, index: number, port: number, passphrase: string): Promise<OpenFeed> {
  return openTsFeed(run, index, (onPayload) =>
    startSrtIngest({
      host: run.host,
      port,
      passphrase,
      latencyMs: SRT_LATENCY_MS,
      allow: run.allowed,
      onRefused: (event) => refused(run, index, event),
      onPayload,
      // srt-live-transmit ending (it takes caller after caller without ending) is started again at once: not a fault.
      onExit: (reason) => logger.info("SRT listener restarted", { engineChannelId: run.engineChannelId, endpoint: index, reason }),
    }),
    `srt-${index}`,
  );
}
