import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_LADDER, ipv4AllowList, type Ladder, srtPassphraseSecret } from "@visionstream/core";
import type { RecordingGapReason } from "@visionstream/events";
import { z } from "zod";
import type { LocalLayout } from "../account-infrastructure.ts";
import type { LocalBus } from "../eventbridge/bus.ts";
import { CMAF_DIR, DEFAULT_X264_PRESET, fasterPreset, MSS_DIR, type X264Preset } from "./ladder-args.ts";
import { publishDashManifest } from "../mediapackage/dash-manifest.ts";
import { type EncryptingPackager, startEncryptingPackager } from "../mediapackage/packager.ts";
import { keyServerSecret } from "../secrets/key-server-secret.ts";
import { type SegmentWatcher, watchSegments } from "./segment-watcher.ts";
import { startTranscoder, type Transcoder, type TranscoderExit } from "./transcoder.ts";
import { logger } from "../logger.ts";
import type { engineEvents } from "./events.ts";
import { type Feed, type FeedRun, openRtmpFeed, openRtpFeed, openSrtFeed } from "./feeds.ts";
import { lostToSilence, type MediaClock } from "./media-clock.ts";
import { accountSecret, resolveSecret } from "../secrets/secrets.ts";
import { freeBytes, isNoSpaceLeft, saysNoSpaceLeft, spaceToResume } from "./disk-space.ts";

export const EngineChannel = z.object({
  engineChannelId: z.string(),
  spec: z.object({
    channelId: z.string(),
    accountId: z.string(),
    name: z.string(),
    bucketName: z.string(),
    inputType: z.enum(["RTMP_PUSH", "RTP_PUSH", "SRT_LISTENER"]),
    redundancy: z.enum(["SINGLE", "STANDARD"]),
    allowCidrs: z.array(z.string()),
    streamKey: z.string().optional(),
    latency: z.enum(["normal", "low"]).optional(),
    encryption: z.object({ keyRotationSeconds: z.number().int().positive() }).optional(),
  }),
  ports: z.array(z.number().int()),
});
export type EngineChannel = z.infer<typeof EngineChannel>;

/** Where an SRT channel's passphrase is kept: <data dir>/secrets/accounts/<accountId>/channels/<channelId>/srt-passphrase. */
export const srtPassphraseSecretOf = (spec: { accountId: string; channelId: string }) => accountSecret(spec.accountId, srtPassphraseSecret(spec.channelId));

export interface RunOptions {
  layout: LocalLayout;
  bus: LocalBus;
  ladder?: Ladder;
  /** How long an input may be silent before the other endpoint takes over (STANDARD). */
  failoverAfterMs?: number;
  /** How long an input may be silent before input loss is reported. */
  inputLossAfterMs?: number;
  preset?: X264Preset;
  /** The transcoders' CPU priority below the runtime's (see TranscoderOptions.niceness). */
  mediaNiceness?: number;
  /**
   * How long a transcoder whose input has ended (a stop, a reconnect, a failover) may take to encode what it was
   * still given; past it, what it has not encoded is lost and listed as a transcoder-behind gap of the recording.
   */
  drainTimeoutMs?: number;
  /** The CDN's origin (http://host:port), where DASH players read the time; known once the CDN has started. */
  cdnOrigin?: () => string;
  /** What an endpoint keeps waiting for a transcoder behind real time before it drops it (MediaQueue's bound unless told). */
  maxQueuedBytes?: number;
}

/** See RunOptions.drainTimeoutMs. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 300_000;
/** Media resuming after this long without any is a no-input gap of the recording. */
const NO_INPUT_GAP_MS = 1_000;
/** How long a silence's cost waits for a timestamp of the media after it, before it is counted by our clock. */
const PENDING_SILENCE_MS = 1_000;
/** How long after such a silence a jump of the publisher's clock is taken for what a socket's buffer could not hold of it. */
const UNCOUNTED_SILENCE_MS = 30_000;

/** A silence of every endpoint, ended by media from `feed`: the publisher's clock before it, and our clock's count. */
interface Silence {
  feed: Feed;
  before: MediaClock | undefined;
  silentMs: number;
  endedAt: number;
}
/** Media lost below this is not listed (a frame or two of rounding between the input's and the output's timelines). */
const LOST_MEDIA_LISTED_MS = 500;
/** A transcoder that fails more often than this within FAULT_WINDOW_MS is not restarted again: the run ends. */
const MAX_TRANSCODER_RESTARTS = 3;
const FAULT_WINDOW_MS = 60_000;
const ENCODER_ALERT = "Encoder Pipeline Failure";
/** MediaLive's alert for an output it cannot write. */
const OUTPUT_ALERT = "Failed to Create Output File or Socket";
/** How often a channel whose disk is full looks for space again. */
const SPACE_POLL_MS = 1_000;

/** A transcoder, the endpoint it reads and how much media it was given. */
interface Encoding {
  transcoder: Transcoder;
  feed: Feed;
  fedMs: () => number;
  /** How far into its input its output starts (ms): a transcoder that took on a dropped one's media. */
  trimMs: number;
  /** Where its output's time 0 stands on the publisher's timeline (ms), once known (RTMP). */
  outputStartMs: () => number | undefined;
  /** Its first segment's number, and the media of its segments recorded so far (ms). */
  startNumber: number;
  recordedMs: number;
  /** Whether it has caught up with its input once (see Attached.caughtUp); a transcoder that started live has. */
  caughtUp: () => boolean;
}

/** The output's disk is full: no transcoder runs until space returns. */
interface OutOfSpace {
  since: number;
  /** What the failed transcoder was given and is not in a recorded segment (ms). */
  lostBeforeMs: number;
}

/** One run of a channel: its ingest endpoints, the transcoder of the active one, the segments it records. */
export class ChannelRun {
  private readonly feeds: Feed[] = [];
  /** The x264 preset of the next transcoder: one step faster after each that fell too far behind its input. */
  private preset: X264Preset;
  /** Where, on the publisher's timeline (ms), the recording of a dropped transcoder ended: where the next one goes on. */
  private resumeAtMs: number | undefined;
  private readonly closers: (() => Promise<void>)[] = [];
  private encoding: Encoding | undefined;
  /** The transcoder of the endpoint a switch left, finishing its input. */
  private draining: Encoding | undefined;
  /** The endpoint the transcoder reads, and the one the switches asked for so far lead to (the same once they ran). */
  private active: Feed | undefined;
  private target: Feed | undefined;
  /** When each endpoint last delivered, for the gaps, and its publisher's clock then (where it has one). */
  private readonly lastMediaOf = new Map<Feed, number>();
  private readonly lastClockOf = new Map<Feed, MediaClock>();
  /** A silence of every endpoint whose end carried no timestamp yet: what it cost waits for one (at most a second). */
  private pendingSilence: Silence | undefined;
  /** The last silence the publisher's clock said cost less than it lasted: how much less, and when it ended. */
  private uncountedSilence: { endedAt: number; uncountedMs: number } | undefined;
  private watcher: SegmentWatcher | undefined;
  private packager: EncryptingPackager | undefined;
  private dashManifest: ReturnType<typeof publishDashManifest> | undefined;
  private monitor: NodeJS.Timeout | undefined;
  private inputLost = false;
  private lastMediaAt: number | undefined;
  private stopping = false;
  private switching: Promise<void> = Promise.resolve();
  private ingestClosed: Promise<void> | undefined;
  /** Set when the stop begins: every drain from then on ends by it. */
  private drainDeadline: number | undefined;
  private stopped: Promise<void> | undefined;
  private faults: number[] = [];
  private recovering = false;
  private recoveringSince = 0;
  /** The alerts set and not cleared yet, each with the message that clears it once output resumes. */
  private readonly openAlerts = new Map<string, string>();
  private outOfSpace: OutOfSpace | undefined;
  private waitingForSpace: Promise<void> | undefined;
  private readonly ladder: Ladder;
  private readonly startedAt = Date.now();

  constructor(
    private readonly channel: EngineChannel,
    private readonly sessionId: string,
    private readonly options: RunOptions,
    private readonly host: string,
    private readonly events: ReturnType<typeof engineEvents>,
    private readonly onFailed: (reason: string) => void,
  ) {
    this.ladder = options.ladder ?? DEFAULT_LADDER;
    this.preset = options.preset ?? DEFAULT_X264_PRESET;
  }

  private get id() {
    return this.channel.engineChannelId;
  }

  private get inputLossAlert() {
    return this.channel.spec.inputType === "RTMP_PUSH" ? "RTMP Has No Audio/Video" : "Input Loss Detected";
  }

  private get bucketDir() {
    return this.options.layout.bucketDir(this.channel.spec.bucketName);
  }

  private get liveDir() {
    return join(this.bucketDir, "live", this.channel.spec.channelId);
  }

  /**
   * Where the transcoder writes: the live folder of the bucket for a channel in the clear; for an encrypted one a
   * folder outside every bucket, which the encrypting packager publishes from (the recording reads its clear MPEG-TS).
   */
  private get outputDir() {
    return this.channel.spec.encryption ? join(this.options.layout.dataDir, "mediapackage", this.channel.spec.channelId) : this.liveDir;
  }

  async start(): Promise<void> {
    const { spec } = this.channel;
    for (const directory of new Set([this.liveDir, this.outputDir])) {
      await rm(directory, { recursive: true, force: true });
      await mkdir(directory, { recursive: true });
    }
    if (spec.encryption) {
      this.packager = startEncryptingPackager({
        sourceDir: this.outputDir,
        liveDir: this.liveDir,
        channelId: spec.channelId,
        secret: await keyServerSecret(this.options.layout),
        keyRotationSeconds: spec.encryption.keyRotationSeconds,
        renditions: this.ladder.renditions.map((rendition) => rendition.name),
      });
    } else {
      this.dashManifest = publishDashManifest(join(this.liveDir, CMAF_DIR), {
        onError: (error) => logger.warn("DASH manifest not published", { engineChannelId: this.id, error: error as Error }),
      });
    }
    this.watcher = watchSegments({
      liveDir: this.outputDir,
      bucketDir: this.bucketDir,
      channelId: spec.channelId,
      sessionId: this.sessionId,
      renditions: this.ladder.renditions.map((rendition) => rendition.name),
      keepPlaylists: true,
      onSegment: (segment) => {
        this.events.objectCreated(spec.bucketName, {
          key: segment.key,
          size: segment.size,
          etag: segment.etag,
          sequencer: `${Date.now().toString(16).toUpperCase()}${String(segment.sequence).padStart(8, "0")}`,
        });
        if (segment.rendition === this.ladder.renditions[0]?.name && this.encoding && segment.sequence >= this.encoding.startNumber) {
          this.encoding.recordedMs += segment.durationSeconds * 1000;
        }
        if (this.recovering && !this.outOfSpace) this.recovered();
      },
    });
    const run = this.feedRun();
    // Read at each start, as MediaLive reads the secret: a passphrase changed in the account's secrets applies to the next run.
    const passphrase = spec.inputType === "SRT_LISTENER" ? await resolveSecret(this.options.layout.dataDir, srtPassphraseSecretOf(spec)) : undefined;
    for (const [index, port] of this.channel.ports.entries()) {
      const { feed, close } = await (passphrase !== undefined
        ? openSrtFeed(run, index, port, passphrase)
        : (spec.inputType === "RTMP_PUSH" ? openRtmpFeed : openRtpFeed)(run, index, port));
      this.feeds.push(feed);
      this.closers.push(close);
    }
    this.monitor = setInterval(() => void this.watch(), 500);
  }

  private feedRun(): FeedRun {
    return {
      engineChannelId: this.id,
      host: this.host,
      streamKey: this.channel.spec.streamKey,
      allowed: ipv4AllowList(this.channel.spec.allowCidrs),
      stopping: () => this.stopping,
      target: () => this.target,
      fresh: (feed) => this.fresh(feed),
      switchTo: (feed, restart) => void this.switchTo(feed, restart),
      mediaArrived: (feed, clock, advancedMs) => this.mediaArrived(feed, clock, advancedMs),
      lastMediaOf: (feed) => this.lastMediaOf.get(feed),
      gap: (reason, to, lostMs) => this.gap(reason, to, lostMs),
      others: (feed) => this.feeds.filter((other) => other !== feed),
      maxQueuedBytes: this.options.maxQueuedBytes,
      recordedOfDropped: () => {
        // The next transcoder takes on what waited when it runs a faster preset, or at the fastest when this one had
        // caught up once (it fell behind for a while: the next may catch up again). One that took on a dropped one's
        // media and never caught up says the machine cannot keep even this preset: carrying again would only take the
        // live output further behind, drop after drop, so what waited is let go.
        const encoding = this.encoding;
        if (!encoding || this.stopping) return undefined;
        if (!fasterPreset(this.preset) && !encoding.caughtUp()) {
          logger.warn("the transcoder was dropped at the fastest preset before it caught up with its input: what waited for it is let go", { engineChannelId: this.id, preset: this.preset });
          return undefined;
        }
        return encoding.trimMs + encoding.recordedMs;
      },
    };
  }

  /** A stretch of the session that will not be in the recording: lostMs of media up to the time `to`. */
  private gap(reason: z.infer<typeof RecordingGapReason>, to: number, lostMs: number) {
    const { accountId, channelId } = this.channel.spec;
    const lost = Math.round(lostMs);
    const from = to - lost;
    logger.warn("recording gap", { engineChannelId: this.id, reason, lostMs: lost });
    this.events.recordingGap({
      accountId,
      channelId,
      sessionId: this.sessionId,
      reason,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      lostMs: lost,
    });
  }

  /**
   * Media from an endpoint: after a silence of every endpoint, the media the silence cost is a gap of the recording.
   * `clock` is the publisher's clock after this media; "untimed" when the endpoint has one but this media carried no
   * timestamp (an MPEG-TS chunk within a frame): the cost of a silence then waits for the first that does.
   * `advancedMs`: how far the publisher's clock moved on over this media. Soon after a silence that cost less than it
   * lasted (the runtime could not read, the publisher's media waited in a socket's buffer), a jump of the clock on the
   * recorded endpoint is the rest of the silence, which that buffer could not hold: datagrams lost before we read them.
   */
  private mediaArrived(feed: Feed, clock?: MediaClock | "untimed", advancedMs = 0): void {
    const now = Date.now();
    if (this.lastMediaAt !== undefined && now - this.lastMediaAt > NO_INPUT_GAP_MS) {
      // What the timestamps skipped over a silence is what the silence cost: counted there, once.
      this.settlePendingSilence();
      const silence: Silence = { feed, before: this.lastClockOf.get(feed), silentMs: now - this.lastMediaAt, endedAt: now };
      if (clock === "untimed") this.pendingSilence = silence;
      else this.silenceCost(silence, clock);
    } else if (this.pendingSilence?.feed === feed && clock !== "untimed") {
      this.settlePendingSilence(clock);
    } else if (advancedMs > NO_INPUT_GAP_MS && feed === this.target && this.uncountedSilence && now - this.uncountedSilence.endedAt < UNCOUNTED_SILENCE_MS) {
      const lostMs = Math.min(advancedMs, this.uncountedSilence.uncountedMs);
      this.uncountedSilence = undefined;
      this.gap("no-input", now, lostMs);
    }
    this.lastMediaAt = now;
    this.lastMediaOf.set(feed, now);
    if (clock === undefined) this.lastClockOf.delete(feed);
    else if (clock !== "untimed") this.lastClockOf.set(feed, clock);
  }

  /** Records what a silence cost: by the publisher's clock after it when given, else all of it. */
  private silenceCost(silence: Silence, after?: MediaClock): void {
    const lostMs = lostToSilence(silence.before, after, silence.silentMs);
    if (lostMs > NO_INPUT_GAP_MS) this.gap("no-input", silence.endedAt, lostMs);
    const uncountedMs = silence.silentMs - lostMs;
    this.uncountedSilence = uncountedMs > NO_INPUT_GAP_MS ? { endedAt: silence.endedAt, uncountedMs } : undefined;
  }

  /** The silence still waiting for a timestamp, recorded now: by `after` (from its endpoint) when given, else all of it. */
  private settlePendingSilence(after?: MediaClock): void {
    const pending = this.pendingSilence;
    this.pendingSilence = undefined;
    if (pending) this.silenceCost(pending, after);
  }

  private fresh(feed: Feed): boolean {
    const last = feed.lastMediaAt();
    return last !== undefined && Date.now() - last < (this.options.failoverAfterMs ?? 3_000);
  }

  /** Every half second: fail over to a delivering endpoint, and report input loss and its end. */
  private async watch(): Promise<void> {
    if (this.stopping) return;
    if (this.pendingSilence && Date.now() - this.pendingSilence.endedAt > PENDING_SILENCE_MS) this.settlePendingSilence();
    if (this.outOfSpace) {
      // Space is looked for by waitForSpace, which starts the transcoder again.
    } else if (!this.target) {
      const waiting = this.feeds.find((feed) => this.fresh(feed));
      if (waiting) void this.switchTo(waiting, true);
    } else if (!this.fresh(this.target)) {
      const from = this.target;
      const other = this.feeds.find((feed) => feed !== from && this.fresh(feed));
      if (other) {
        logger.warn("input failover", { engineChannelId: this.id, from: from.index, to: other.index });
        // The other endpoint is taken from its latest keyframe on: its media since the active one went silent is not.
        const silentSince = this.lastMediaOf.get(from);
        if (silentSince !== undefined) this.gap("no-input", Date.now(), Date.now() - silentSince);
        void this.switchTo(other, true);
      }
    }
    // Counted from the last media of any publisher, also one that has left since (not from the start of the run).
    const lastMedia = this.lastMediaAt ?? this.startedAt;
    const lost = Date.now() - lastMedia > (this.options.inputLossAfterMs ?? 5_000);
    if (lost !== this.inputLost) {
      this.inputLost = lost;
      this.events.alert(this.id, {
        set: lost,
        type: this.inputLossAlert,
        message: lost ? "No input received on any ingest endpoint" : "Input received again",
        pipeline: 0,
      });
    }
  }

  /**
   * Moves the transcoder to another endpoint's media (or to none): the outputs continue, marked discontinuous. What
   * arrives on the new endpoint meanwhile is kept, and the transcoder of the old one first encodes what it was given.
   */
  private switchTo(feed: Feed | undefined, restart = true): Promise<void> {
    if (this.outOfSpace && !this.stopping) {
      // Nothing can be written: what arrives is not kept (waitForSpace lists it as lost), the endpoint is remembered.
      this.target = feed;
      return this.switching;
    }
    if (feed && !this.stopping) feed.hold();
    this.target = feed;
    this.switching = this.switching.then(() => this.switchNow(feed, restart)).catch((error: unknown) => {
      if (isNoSpaceLeft(error) && !this.stopping) {
        this.spaceRanOut(undefined);
        return;
      }
      logger.error("switching the transcoder failed", { engineChannelId: this.id, error: error as Error });
      this.active = undefined;
      this.target = undefined;
      this.encoding = undefined;
    });
    return this.switching;
  }

  private async switchNow(feed: Feed | undefined, restart: boolean): Promise<void> {
    if (feed === this.active && this.encoding && !restart) return;
    const previous = this.encoding;
    this.active?.detach();
    this.active = feed;
    this.encoding = undefined;
    if (previous) {
      this.draining = previous;
      await this.drain(previous);
      this.draining = undefined;
    }
    if (!feed) return;
    // A dropped transcoder's media kept by its feed goes only to the restart it was kept for (transcoderFailed): any
    // other switch lets it go, and the dead transcoder's drain, or its failure, lists what it had not encoded.
    const resumeAtMs = this.resumeAtMs;
    this.resumeAtMs = undefined;
    for (const other of this.feeds) if (other !== feed || resumeAtMs === undefined) other.letGoCarry();
    const attached = feed.attach();
    if (!attached) {
      this.active = undefined;
      return;
    }
    // It goes on from where the dropped transcoder's recording ended, to the frame.
    let trimMs = 0;
    const carriedOriginMs = attached.carried ? attached.originMs?.() : undefined;
    if (carriedOriginMs !== undefined && resumeAtMs !== undefined) {
      // Half a picture early: the first picture kept is the one the recording's last segment ended before, wherever
      // the rounding of times put it; its sound starts with it, within a picture.
      const halfPictureMs = 500 / (this.ladder.renditions[0]?.fps ?? 30);
      trimMs = Math.max(0, resumeAtMs - halfPictureMs - carriedOriginMs);
      const lostMs = carriedOriginMs - resumeAtMs;
      if (lostMs >= LOST_MEDIA_LISTED_MS) this.gap("engine-restart", Date.now(), lostMs);
    }
    // What the transcoder before wrote up to its end (a drain's last segments) is recorded first: numbered before it
    // is, the new one's first segment would take the number of that one's last, and one of the two would be lost.
    await this.watcher?.scan();
    const startNumber = (this.watcher?.lastSequence() ?? 0) + 1;
    const { latency = "normal", encryption } = this.channel.spec;
    // The DASH and MSS muxers cannot continue an earlier run's numbering: a new transcoder starts them afresh.
    if (startNumber > 1) await Promise.all([CMAF_DIR, MSS_DIR].map((name) => rm(join(this.outputDir, name), { recursive: true, force: true })));
    const cdnOrigin = this.options.cdnOrigin?.();
    const transcoder = startTranscoder({
      ladder: this.ladder,
      input: feed.input,
      stdin: attached.stream,
      liveDir: this.outputDir,
      startNumber,
      discontinuity: startNumber > 1,
      latency,
      // Smooth Streaming's encryption is PlayReady's: an encrypted channel has none rather than a clear one.
      mss: !encryption,
      ...(cdnOrigin ? { utcTimingUrl: `${cdnOrigin}/time` } : {}),
      // A format lost mid-run comes back with a new transcoder: it ends (what it holds is written), and is restarted.
      onOutputFailed: (line) => {
        logger.error("transcoder lost an output", { engineChannelId: this.id, line });
        transcoder.process.kill("SIGTERM");
      },
      stopTimeoutMs: this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      preset: this.preset,
      ...(trimMs > 0 ? { startAtSeconds: trimMs / 1000 } : {}),
      ...(this.options.mediaNiceness !== undefined ? { niceness: this.options.mediaNiceness } : {}),
    });
    const outputStartMs = () => {
      const originMs = attached.originMs?.();
      return originMs === undefined ? undefined : originMs + trimMs;
    };
    const encoding: Encoding = { transcoder, feed, fedMs: attached.fedMs, trimMs, outputStartMs, startNumber, recordedMs: 0, caughtUp: attached.caughtUp ?? (() => true) };
    this.encoding = encoding;
    void transcoder.exited.then(async (exit) => {
      if (this.encoding !== encoding || this.stopping) return;
      // Exit code 0: its input ended (the publisher left) and it encoded all of it; the ingest's business.
      if (exit.code === 0) {
        logger.info("transcoder ended with its input", { engineChannelId: this.id });
        this.encoding = undefined;
        this.active = undefined;
        if (this.target === feed) this.target = undefined;
        return;
      }
      const noSpace = saysNoSpaceLeft(exit.stderrTail) || (await freeBytes(this.outputDir)) < spaceToResume(this.ladder);
      // What it wrote before the disk filled is recorded first: the rest is what was lost. So is what a dropped
      // transcoder wrote: the next one goes on from there.
      if (noSpace || (exit.fellBehind && feed.carrying())) await this.watcher?.scan();
      if (noSpace) {
        await this.watcher?.restorePlaylists();
      }
      if (this.encoding !== encoding || this.stopping) return;
      if (noSpace) this.spaceRanOut(encoding);
      else this.transcoderFailed(encoding, exit);
    });
  }

  /** Media the transcoder was given and did not encode, in ms (its output starts trimMs into what it was given). */
  private unencodedMs(encoding: Encoding): number {
    return Math.max(0, encoding.fedMs() - encoding.trimMs - encoding.transcoder.progress().outTimeSeconds * 1000);
  }

  /**
   * Its input has ended: the transcoder encodes what it was given, within the drain bound (one bound for a whole
   * stop). What it had not encoded when the bound cut it short is a transcoder-behind gap (an engine-restart gap if it
   * died meanwhile), placed at the end of the input it was given.
   */
  private async drain(encoding: Encoding): Promise<void> {
    const bound = this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const { interrupted } = await encoding.transcoder.stop(this.drainDeadline === undefined ? bound : Math.max(0, this.drainDeadline - Date.now()));
    const exit = await encoding.transcoder.exited;
    const lostMs = this.unencodedMs(encoding);
    if ((!interrupted && exit.code === 0) || lostMs < LOST_MEDIA_LISTED_MS) return;
    this.gap(interrupted ? "transcoder-behind" : "engine-restart", this.lastMediaOf.get(encoding.feed) ?? Date.now(), lostMs);
  }

  /**
   * The restarted transcoder delivers: the pipeline runs again. Events carry whole seconds and RUNNING ranks with
   * RECOVERING, so RUNNING waits for the next second (a restart can deliver within the same one) to be seen as newer.
   */
  private recovered(): void {
    const wait = Math.floor(Date.now() / 1000) === Math.floor(this.recoveringSince / 1000) ? 1_050 - (Date.now() % 1000) : 0;
    this.recovering = false;
    setTimeout(() => {
      if (this.stopping || this.recovering || this.outOfSpace) return;
      this.clearAlerts();
      this.events.stateChange(this.id, "RUNNING", this.channel.ports.length, "Channel is running");
    }, wait).unref();
  }

  /**
   * MediaLive's way: the channel reports RECOVERING and an alert while the pipeline restarts, and RUNNING once it
   * delivers. What the dead transcoder had been given and not encoded is an engine-restart gap of the recording.
   */
  private transcoderFailed(encoding: Encoding, exit: TranscoderExit): void {
    const at = Date.now();
    this.faults = [...this.faults.filter((time) => at - time < FAULT_WINDOW_MS), at];
    const how = exit.fellBehind ? `fell too far behind its input at the x264 preset ${this.preset}` : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    logger.error("transcoder failed", { engineChannelId: this.id, code: exit.code, signal: exit.signal, stderrTail: exit.stderrTail.slice(-1_000) });
    const restarts = this.faults.length <= MAX_TRANSCODER_RESTARTS;
    // Carried over, what it had not recorded goes to the next transcoder, from where its recording ends (switchNow).
    const outputStartMs = encoding.outputStartMs();
    const carried = restarts && exit.fellBehind === true && outputStartMs !== undefined && encoding.feed.carrying();
    if (carried) this.resumeAtMs = outputStartMs + encoding.recordedMs;
    else encoding.feed.letGoCarry();
    const lostMs = this.unencodedMs(encoding);
    if (!carried && lostMs >= LOST_MEDIA_LISTED_MS) this.gap("engine-restart", at, lostMs);
    const feed = this.active;
    this.active?.detach();
    this.active = undefined;
    this.target = undefined;
    this.encoding = undefined;
    if (!restarts) {
      this.onFailed(`the transcoder failed ${this.faults.length} times within ${FAULT_WINDOW_MS / 1000} s (last: it ${how})`);
      return;
    }
    // A machine that cannot keep this preset at real time would drop the next transcoder too, and lose as much again:
    // the run trades picture quality for keeping all of the show, one preset faster for each drop.
    const faster = exit.fellBehind ? fasterPreset(this.preset) : undefined;
    if (faster) {
      logger.warn("the transcoder fell too far behind its input: the run goes on one x264 preset faster", { engineChannelId: this.id, from: this.preset, to: faster });
      this.preset = faster;
    }
    const restarting = `${faster ? `restarting it at ${faster}` : "restarting it"}${carried ? " with what it had not recorded" : ""}`;
    if (!this.recovering) {
      this.recovering = true;
      this.raiseAlert(ENCODER_ALERT, `The transcoder ${how}; ${restarting}`, "The transcoder was restarted; output resumed");
      this.events.stateChange(this.id, "RECOVERING", 0, `Pipeline 0 failed: the transcoder ${how}; ${restarting}`);
      this.recoveringSince = Date.now();
    }
    void this.switchTo(feed, true);
  }

  private raiseAlert(type: string, message: string, clearedBy: string): void {
    if (this.openAlerts.has(type)) return;
    this.openAlerts.set(type, clearedBy);
    this.events.alert(this.id, { set: true, type, message, pipeline: 0 });
  }

  /** Every alert still set is cleared, with its own message or the one given. */
  private clearAlerts(message?: string): void {
    for (const [type, clearedBy] of this.openAlerts) this.events.alert(this.id, { set: false, type, message: message ?? clearedBy, pipeline: 0 });
    this.openAlerts.clear();
  }

  /**
   * The disk of the outputs is full (ENOSPC): what was written stays, the transcoder is not restarted into the same
   * failure (nor counted as failing), the channel reports RECOVERING with an output alert, and waits for space.
   */
  private spaceRanOut(encoding: Encoding | undefined): void {
    const lostBeforeMs = encoding ? Math.max(0, encoding.fedMs() - encoding.trimMs - encoding.recordedMs) : 0;
    logger.error("no space left on device for the channel's outputs", { engineChannelId: this.id, outputDir: this.outputDir });
    this.active?.detach();
    this.active = undefined;
    this.encoding = undefined;
    if (this.outOfSpace) this.outOfSpace.lostBeforeMs += lostBeforeMs;
    else this.outOfSpace = { since: Date.now(), lostBeforeMs };
    this.raiseAlert(OUTPUT_ALERT, "No space left on device for the channel's outputs: output stopped until space returns", "Space available again; output resumed");
    if (!this.recovering) {
      this.recovering = true;
      this.recoveringSince = Date.now();
      this.events.stateChange(this.id, "RECOVERING", 0, "Pipeline 0 failed: no space left on device for its outputs; waiting for space");
    }
    void this.waitForSpace();
  }

  /** Once there is room for a few segments again, a transcoder takes the live input on; the time without one is a gap. */
  private waitForSpace(): Promise<void> {
    this.waitingForSpace ??= (async () => {
      const needed = spaceToResume(this.ladder);
      while (!this.stopping && (await freeBytes(this.outputDir)) < needed) await new Promise((resolve) => setTimeout(resolve, SPACE_POLL_MS));
      const outage = this.outOfSpace;
      if (this.stopping || !outage) return;
      this.outOfSpace = undefined;
      logger.info("space for the channel's outputs again", { engineChannelId: this.id });
      const feed = this.target ?? this.feeds.find((candidate) => this.fresh(candidate));
      const resumedAt = Date.now();
      await this.switchTo(feed, true);
      // A new transcoder starts at the live input's latest keyframe: that much of the outage is in its output.
      const replayedMs = this.encoding?.fedMs() ?? 0;
      this.lostToOutage(outage, this.encoding ? resumedAt : (this.lastMediaAt ?? resumedAt), replayedMs);
      if (!this.encoding && !this.outOfSpace) this.recovered();
    })().finally(() => {
      this.waitingForSpace = undefined;
      if (this.outOfSpace && !this.stopping) void this.waitForSpace();
    });
    return this.waitingForSpace;
  }

  private lostToOutage(outage: OutOfSpace, to: number, replayedMs = 0): void {
    const lostMs = outage.lostBeforeMs + Math.max(0, to - outage.since) - replayedMs;
    if (lostMs >= LOST_MEDIA_LISTED_MS) this.gap("engine-restart", to, lostMs);
  }

  /** Nothing more is taken in: the publishers are cut off and the endpoints closed. Once, however many ask. */
  closeIngest(): Promise<void> {
    this.ingestClosed ??= (async () => {
      this.stopping = true;
      this.drainDeadline = Date.now() + (this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      if (this.monitor) clearInterval(this.monitor);
      for (const close of this.closers.splice(0)) await close().catch(() => undefined);
      // After the endpoints closed: the media they delivered meanwhile may have settled it.
      this.settlePendingSilence();
    })();
    return this.ingestClosed;
  }

  /**
   * The ingest closed, then the transcoder encodes everything it was given (also when it runs behind real time),
   * within the drain bound. Once, however many ask (a failed run may be stopped by its failure and by the user).
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    await this.closeIngest();
    // A switch under way (a reconnect) may still be draining one transcoder and starting the next on what was held:
    // the bound of the stop applies to it from now on.
    for (const encoding of [this.draining, this.encoding]) void encoding?.transcoder.stop(Math.max(0, this.drainDeadline! - Date.now()));
    await this.switching.catch(() => undefined);
    const encoding = this.encoding;
    this.encoding = undefined;
    this.active?.detach();
    // A stop lets go what a feed kept of a dropped transcoder's: the drain lists what that one had not encoded.
    for (const feed of this.feeds) feed.letGoCarry();
    if (encoding) await this.drain(encoding);
    if (this.outOfSpace) {
      this.lostToOutage(this.outOfSpace, this.lastMediaAt ?? Date.now());
      this.outOfSpace = undefined;
    }
    await this.watcher?.close();
    await this.packager?.close();
    await this.dashManifest?.close();
    if (this.inputLost) this.events.alert(this.id, { set: false, type: this.inputLossAlert, message: "Channel stopped", pipeline: 0 });
    this.clearAlerts("Channel stopped");
  }
}
