import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { type ChannelSpec, DEFAULT_LADDER, type IngestEndpoint, type Ladder, type LiveEngine } from "@visionstream/core";
import { z } from "zod";
import type { LocalLayout } from "../account-infrastructure.ts";
import type { LocalBus } from "../bus.ts";
import { flvInput, type MediaInput, type X264Preset } from "../engine/ladder-args.ts";
import { etagOf, type SegmentWatcher, watchSegments } from "../engine/segment-watcher.ts";
import { startTranscoder, type Transcoder, type TranscoderExit } from "../engine/transcoder.ts";
import { logger } from "../logger.ts";
import { type PublishSession, startRtmpIngest } from "../rtmp/server.ts";
import { allowList } from "./allow-list.ts";
import { engineEvents } from "./events.ts";
import { FlvTap } from "./flv-tap.ts";
import { type RtpIngest, startRtpIngest } from "./rtp-ingest.ts";

const EngineChannel = z.object({
  engineChannelId: z.string(),
  spec: z.object({
    channelId: z.string(),
    accountId: z.string(),
    name: z.string(),
    bucketName: z.string(),
    inputType: z.enum(["RTMP_PUSH", "RTP_PUSH"]),
    redundancy: z.enum(["SINGLE", "STANDARD"]),
    allowCidrs: z.array(z.string()),
    streamKey: z.string().optional(),
  }),
  ports: z.array(z.number().int()),
});
type EngineChannel = z.infer<typeof EngineChannel>;

/** A run under way, kept on disk until its channel has reported STOPPED, so a run cut short by a crash is found. */
const RunMarker = z.object({ sessionId: z.string() });

export interface LocalLiveEngineOptions {
  layout: LocalLayout;
  bus: LocalBus;
  host?: string;
  rtmpBasePort: number;
  rtpBasePort: number;
  ladder?: Ladder;
  /** How long an input may be silent before the other endpoint takes over (STANDARD). */
  failoverAfterMs?: number;
  /** How long an input may be silent before input loss is reported. */
  inputLossAfterMs?: number;
  preset?: X264Preset;
  /** The transcoders' CPU priority below the runtime's (see TranscoderOptions.niceness). */
  mediaNiceness?: number;
}

/** One ingest endpoint of a running channel and what arrives on it. */
interface Feed {
  index: number;
  lastMediaAt(): number | undefined;
  /** A fresh, decodable stream of this endpoint's media, for a (new) transcoder. */
  attach(): Readable | undefined;
  detach(): void;
  input: MediaInput;
}

/** The local MediaLive: ffmpeg transcodes, our RTMP front and RTP relay take the pushes, files play S3. */
export class LocalLiveEngine implements LiveEngine {
  private readonly runs = new Map<string, ChannelRun>();
  private readonly host: string;
  private readonly events: ReturnType<typeof engineEvents>;

  constructor(private readonly options: LocalLiveEngineOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.events = engineEvents(options.bus);
  }

  private file(engineChannelId: string) {
    return join(this.options.layout.dataDir, "engine", "channels", `${engineChannelId}.json`);
  }

  private async load(engineChannelId: string): Promise<EngineChannel> {
    return EngineChannel.parse(JSON.parse(await readFile(this.file(engineChannelId), "utf8")));
  }

  private runFile(engineChannelId: string) {
    return join(this.options.layout.dataDir, "engine", "runs", `${engineChannelId}.json`);
  }

  private async all(): Promise<EngineChannel[]> {
    const directory = join(this.options.layout.dataDir, "engine", "channels");
    const names = await readdir(directory).catch(() => [] as string[]);
    return Promise.all(names.filter((name) => name.endsWith(".json")).map((name) => this.load(name.slice(0, -5))));
  }

  private endpoints(channel: EngineChannel): IngestEndpoint[] {
    return channel.ports.map((port) =>
      channel.spec.inputType === "RTMP_PUSH"
        ? { url: `rtmp://${this.host}:${port}/live`, streamKey: channel.spec.streamKey }
        : { url: `rtp://${this.host}:${port}` },
    );
  }

  async createChannel(spec: ChannelSpec) {
    // Like MediaLive's RequestId: the same channel id never makes a second engine channel.
    let engineChannelId = String((parseInt(createHash("sha256").update(spec.channelId).digest("hex").slice(0, 8), 16) % 9_000_000) + 1_000_000);
    for (;;) {
      const existing = await this.load(engineChannelId).catch(() => undefined);
      if (!existing) break;
      if (existing.spec.channelId === spec.channelId) return { engineChannelId, ingest: this.endpoints(existing) };
      engineChannelId = String(Number(engineChannelId) + 1);
    }
    const taken = new Set((await this.all()).flatMap((channel) => channel.ports));
    const base = spec.inputType === "RTMP_PUSH" ? this.options.rtmpBasePort : this.options.rtpBasePort;
    const step = spec.inputType === "RTMP_PUSH" ? 1 : 2;
    const ports: number[] = [];
    for (let port = base; ports.length < (spec.redundancy === "STANDARD" ? 2 : 1); port += step) if (!taken.has(port)) ports.push(port);
    const channel: EngineChannel = { engineChannelId, spec: { ...spec }, ports };
    await mkdir(join(this.file(engineChannelId), ".."), { recursive: true });
    await writeFile(this.file(engineChannelId), JSON.stringify(channel, null, 2), { mode: 0o600 });
    return { engineChannelId, ingest: this.endpoints(channel) };
  }

  async startChannel(engineChannelId: string, sessionId: string): Promise<void> {
    if (this.runs.has(engineChannelId)) return;
    const channel = await this.load(engineChannelId);
    this.events.stateChange(engineChannelId, "STARTING", 0, "Channel is starting");
    const run: ChannelRun = new ChannelRun(channel, sessionId, this.options, this.host, this.events, (reason) => void this.fail(engineChannelId, run, reason));
    this.runs.set(engineChannelId, run);
    try {
      await mkdir(join(this.runFile(engineChannelId), ".."), { recursive: true });
      await writeFile(this.runFile(engineChannelId), JSON.stringify({ sessionId } satisfies z.infer<typeof RunMarker>));
      await run.start();
    } catch (error) {
      this.runs.delete(engineChannelId);
      await run.stop();
      await rm(this.runFile(engineChannelId), { force: true });
      this.events.stateChange(engineChannelId, "STOPPED", 0, `Channel could not start: ${(error as Error).message}`);
      throw error;
    }
    this.events.stateChange(engineChannelId, "RUNNING", channel.ports.length, "Channel is running");
  }

  async stopChannel(engineChannelId: string): Promise<void> {
    const run = this.runs.get(engineChannelId);
    this.events.stateChange(engineChannelId, "STOPPING", run ? 1 : 0, "Channel is stopping");
    if (run) {
      await run.stop();
      if (this.runs.get(engineChannelId) === run) this.runs.delete(engineChannelId);
    }
    await rm(this.runFile(engineChannelId), { force: true });
    this.events.stateChange(engineChannelId, "STOPPED", 0, "Channel has stopped");
  }

  /** A run that cannot go on (its transcoder keeps failing) ends as MediaLive ends a failed channel: STOPPED. */
  private async fail(engineChannelId: string, run: ChannelRun, reason: string): Promise<void> {
    if (this.runs.get(engineChannelId) !== run) return;
    logger.error("channel failed", { engineChannelId, reason });
    this.events.stateChange(engineChannelId, "STOPPING", 0, `Channel is stopping: ${reason}`);
    await run.stop();
    if (this.runs.get(engineChannelId) === run) this.runs.delete(engineChannelId);
    await rm(this.runFile(engineChannelId), { force: true });
    this.events.stateChange(engineChannelId, "STOPPED", 0, `Channel failed: ${reason}`);
  }

  /**
   * Runs that an earlier process left without stopping them (it was killed): whatever the live playlists list is
   * recorded, every segment of the session is announced again (the announcements of its last moments may have gone
   * with the process; indexing is idempotent), and the channel reports STOPPED, which assembles its recording.
   */
  async recoverInterruptedRuns(): Promise<void> {
    const directory = join(this.options.layout.dataDir, "engine", "runs");
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      const engineChannelId = name.replace(/\.json$/, "");
      if (!name.endsWith(".json") || this.runs.has(engineChannelId)) continue;
      try {
        const { sessionId } = RunMarker.parse(JSON.parse(await readFile(join(directory, name), "utf8")));
        const channel = await this.load(engineChannelId);
        await this.announceRecording(channel, sessionId);
        // Indexed first: a session whose recording no delivery had created yet gets it before STOPPED looks for it.
        await this.options.bus.idle();
        logger.warn("interrupted run stopped", { engineChannelId, sessionId });
        this.events.stateChange(engineChannelId, "STOPPED", 0, "Channel has stopped: the local runtime ended while it was running");
      } catch (error) {
        logger.error("interrupted run could not be recovered", { engineChannelId, error: error as Error });
      }
      await rm(join(directory, name), { force: true });
    }
  }

  private async announceRecording(channel: EngineChannel, sessionId: string): Promise<void> {
    const { spec } = channel;
    const bucketDir = this.options.layout.bucketDir(spec.bucketName);
    const renditions = (this.options.ladder ?? DEFAULT_LADDER).renditions.map((rendition) => rendition.name);
    const watcher = watchSegments({
      liveDir: join(bucketDir, "live", spec.channelId),
      bucketDir,
      channelId: spec.channelId,
      sessionId,
      renditions,
      onSegment: () => undefined,
    });
    await watcher.close();
    for (const rendition of renditions) {
      const directory = join(watcher.recordingDir, rendition);
      for (const name of (await readdir(directory).catch(() => [] as string[])).filter((file) => file.endsWith(".ts")).sort()) {
        const file = join(directory, name);
        const [{ size, mtime }, etag] = await Promise.all([stat(file), etagOf(file)]);
        const sequence = Number(/(\d+)\.ts$/.exec(name)?.[1] ?? 0);
        this.events.objectCreated(
          spec.bucketName,
          { key: `recordings/${spec.channelId}/${sessionId}/${rendition}/${name}`, size, etag, sequencer: `${mtime.getTime().toString(16).toUpperCase()}${String(sequence).padStart(8, "0")}` },
          mtime,
        );
      }
    }
  }

  async deleteChannel(engineChannelId: string): Promise<void> {
    if (this.runs.has(engineChannelId)) await this.stopChannel(engineChannelId);
    await rm(this.file(engineChannelId), { force: true });
    this.events.stateChange(engineChannelId, "DELETED", 0, "Channel has been deleted");
  }

  isRunning(engineChannelId: string): boolean {
    return this.runs.has(engineChannelId);
  }

  /** Stops every run (the runtime is shutting down): no ffmpeg is left behind. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.stopChannel(id)));
  }
}

const DRAIN_MS = 30_000;
/** A transcoder that fails more often than this within FAULT_WINDOW_MS is not restarted again: the run ends. */
const MAX_TRANSCODER_RESTARTS = 3;
const FAULT_WINDOW_MS = 60_000;
const ENCODER_ALERT = "Encoder Pipeline Failure";

class ChannelRun {
  private readonly feeds: Feed[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  private transcoder: Transcoder | undefined;
  private active: Feed | undefined;
  private watcher: SegmentWatcher | undefined;
  private monitor: NodeJS.Timeout | undefined;
  private inputLost = false;
  private segments = 0;
  private stopping = false;
  private switching: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;
  private faults: number[] = [];
  private recovering = false;
  private recoveringSince = 0;
  private encoderAlert = false;
  private readonly ladder: Ladder;
  private readonly startedAt = Date.now();

  constructor(
    private readonly channel: EngineChannel,
    private readonly sessionId: string,
    private readonly options: LocalLiveEngineOptions,
    private readonly host: string,
    private readonly events: ReturnType<typeof engineEvents>,
    private readonly onFailed: (reason: string) => void,
  ) {
    this.ladder = options.ladder ?? DEFAULT_LADDER;
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

  async start(): Promise<void> {
    const { spec } = this.channel;
    const liveDir = join(this.bucketDir, "live", spec.channelId);
    await rm(liveDir, { recursive: true, force: true });
    await mkdir(liveDir, { recursive: true });
    this.watcher = watchSegments({
      liveDir,
      bucketDir: this.bucketDir,
      channelId: spec.channelId,
      sessionId: this.sessionId,
      renditions: this.ladder.renditions.map((rendition) => rendition.name),
      onSegment: (segment) => {
        this.segments++;
        this.events.objectCreated(spec.bucketName, {
          key: segment.key,
          size: segment.size,
          etag: segment.etag,
          sequencer: `${Date.now().toString(16).toUpperCase()}${String(segment.sequence).padStart(8, "0")}`,
        });
        if (this.recovering) this.recovered();
      },
    });
    const allowed = allowList(spec.allowCidrs);
    for (const [index, port] of this.channel.ports.entries()) {
      if (spec.inputType === "RTMP_PUSH") await this.openRtmp(index, port, allowed);
      else await this.openRtp(index, port, allowed);
    }
    this.monitor = setInterval(() => void this.watch(), 500);
  }

  private refused(index: number, event: { remoteAddress: string; reason: string }) {
    logger.warn("ingest refused", { engineChannelId: this.id, endpoint: index, remoteAddress: event.remoteAddress, reason: event.reason });
  }

  private async openRtmp(index: number, port: number, allowed: (address: string) => boolean) {
    let session: { publish: PublishSession; tap: FlvTap } | undefined;
    const feed: Feed = {
      index,
      lastMediaAt: () => session?.publish.stats().lastMediaAt,
      attach: () => session?.tap.attach(),
      detach: () => session?.tap.detach(),
      input: flvInput(),
    };
    const server = await startRtmpIngest({
      host: this.host,
      port,
      allowConnection: allowed,
      authorize: ({ app, streamName }) =>
        app === "live" && streamName === this.channel.spec.streamKey ? { ok: true } : { ok: false, reason: "unknown stream key" },
      onRefused: (event) => this.refused(index, event),
      onPublish: (publish) => {
        session?.publish.close();
        const current = { publish, tap: new FlvTap(publish.flv) };
        session = current;
        logger.info("publisher connected", { engineChannelId: this.id, endpoint: index, remoteAddress: publish.remoteAddress });
        void publish.closed.then(() => {
          logger.info("publisher gone", { engineChannelId: this.id, endpoint: index });
          // A publisher that replaced this one already owns the feed: leave its transcoder alone.
          if (session !== current) return;
          session = undefined;
          if (this.active === feed) void this.switchTo(this.feeds.find((other) => other !== feed && this.fresh(other)));
        });
        if (!this.active || this.active === feed || !this.fresh(this.active)) void this.switchTo(feed, true);
      },
    });
    this.feeds.push(feed);
    this.closers.push(async () => {
      session?.publish.close();
      await server.close();
    });
  }

  private async openRtp(index: number, port: number, allowed: (address: string) => boolean) {
    let consumer: PassThrough | undefined;
    let ingest: RtpIngest | undefined;
    const feed: Feed = {
      index,
      lastMediaAt: () => ingest?.stats().lastPacketAt,
      attach: () => {
        consumer?.end();
        consumer = new PassThrough({ highWaterMark: 8 * 1024 * 1024 });
        return consumer;
      },
      detach: () => {
        consumer?.end();
        consumer = undefined;
      },
      input: { args: ["-analyzeduration", "1000000", "-f", "mpegts", "-i", "pipe:0"] },
    };
    ingest = await startRtpIngest({
      host: this.host,
      port,
      allow: allowed,
      onRefused: (event) => this.refused(index, event),
      onPayload: (payload) => {
        if (consumer && !consumer.write(payload) && consumer.writableLength > 64 * 1024 * 1024) feed.detach();
        if (!this.active && !this.stopping) void this.switchTo(feed, false);
      },
    });
    this.feeds.push(feed);
    this.closers.push(async () => {
      feed.detach();
      await ingest?.close();
    });
  }

  private fresh(feed: Feed): boolean {
    const last = feed.lastMediaAt();
    return last !== undefined && Date.now() - last < (this.options.failoverAfterMs ?? 3_000);
  }

  /** Every half second: fail over to a delivering endpoint, and report input loss and its end. */
  private async watch(): Promise<void> {
    if (this.stopping) return;
    if (!this.active) {
      const waiting = this.feeds.find((feed) => this.fresh(feed));
      if (waiting) void this.switchTo(waiting, true);
    } else if (!this.fresh(this.active)) {
      const other = this.feeds.find((feed) => feed !== this.active && this.fresh(feed));
      if (other) {
        logger.warn("input failover", { engineChannelId: this.id, from: this.active.index, to: other.index });
        void this.switchTo(other, true);
      }
    }
    const lastMedia = Math.max(0, ...this.feeds.map((feed) => feed.lastMediaAt() ?? 0)) || this.startedAt;
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

  /** Moves the transcoder to another endpoint's media (or to none): the outputs continue, marked discontinuous. */
  private switchTo(feed: Feed | undefined, restart = true): Promise<void> {
    this.switching = this.switching.then(() => this.switchNow(feed, restart)).catch((error: unknown) => {
      logger.error("switching the transcoder failed", { engineChannelId: this.id, error: error as Error });
      this.active = undefined;
      this.transcoder = undefined;
    });
    return this.switching;
  }

  private async switchNow(feed: Feed | undefined, restart: boolean): Promise<void> {
    if (this.stopping) return;
    if (feed === this.active && this.transcoder && !restart) return;
    const previous = this.transcoder;
    this.active?.detach();
    this.active = feed;
    this.transcoder = undefined;
    if (previous) await previous.stop();
    if (!feed) return;
    const input = feed.attach();
    if (!input) {
      this.active = undefined;
      return;
    }
    const startNumber = (this.watcher?.lastSequence() ?? 0) + 1;
    const transcoder = startTranscoder({
      ladder: this.ladder,
      input: feed.input,
      stdin: input,
      liveDir: join(this.bucketDir, "live", this.channel.spec.channelId),
      startNumber,
      discontinuity: startNumber > 1,
      ...(this.options.preset ? { preset: this.options.preset } : {}),
      ...(this.options.mediaNiceness !== undefined ? { niceness: this.options.mediaNiceness } : {}),
    });
    this.transcoder = transcoder;
    void transcoder.exited.then((exit) => {
      if (this.transcoder !== transcoder || this.stopping) return;
      this.transcoder = undefined;
      // Exit code 0: its input ended, the ingest's business. Anything else (a crash, a kill) is a pipeline failure.
      if (exit.code === 0) {
        logger.warn("transcoder ended", { engineChannelId: this.id, code: exit.code, signal: exit.signal });
        this.active = undefined;
        return;
      }
      this.transcoderFailed(exit);
    });
  }

  /**
   * The restarted transcoder delivers: the pipeline runs again. Events carry whole seconds and RUNNING ranks with
   * RECOVERING, so RUNNING waits for the next second (a restart can deliver within the same one) to be seen as newer.
   */
  private recovered(): void {
    const wait = Math.floor(Date.now() / 1000) === Math.floor(this.recoveringSince / 1000) ? 1_050 - (Date.now() % 1000) : 0;
    this.recovering = false;
    setTimeout(() => {
      if (this.stopping || this.recovering) return;
      this.encoderAlert = false;
      this.events.alert(this.id, { set: false, type: ENCODER_ALERT, message: "The transcoder was restarted; output resumed", pipeline: 0 });
      this.events.stateChange(this.id, "RUNNING", this.channel.ports.length, "Channel is running");
    }, wait).unref();
  }

  /** MediaLive's way: the channel reports RECOVERING and an alert while the pipeline restarts, and RUNNING once it delivers. */
  private transcoderFailed(exit: TranscoderExit): void {
    const at = Date.now();
    this.faults = [...this.faults.filter((time) => at - time < FAULT_WINDOW_MS), at];
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    logger.error("transcoder failed", { engineChannelId: this.id, code: exit.code, signal: exit.signal, stderrTail: exit.stderrTail.slice(-1_000) });
    const feed = this.active;
    this.active?.detach();
    this.active = undefined;
    if (this.faults.length > MAX_TRANSCODER_RESTARTS) {
      this.onFailed(`the transcoder failed ${this.faults.length} times within ${FAULT_WINDOW_MS / 1000} s (last: it ${how})`);
      return;
    }
    if (!this.recovering) {
      this.recovering = true;
      this.encoderAlert = true;
      this.events.alert(this.id, { set: true, type: ENCODER_ALERT, message: `The transcoder ${how}; restarting it`, pipeline: 0 });
      this.events.stateChange(this.id, "RECOVERING", 0, `Pipeline 0 failed: the transcoder ${how}; restarting it`);
      this.recoveringSince = Date.now();
    }
    void this.switchTo(feed, true);
  }

  /** Once, however many ask (a failed run may be stopped by its failure and by the user at the same time). */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    this.stopping = true;
    if (this.monitor) clearInterval(this.monitor);
    await this.switching.catch(() => undefined);
    for (const close of this.closers.splice(0)) await close().catch(() => undefined);
    const transcoder = this.transcoder;
    this.transcoder = undefined;
    if (transcoder) {
      // The ingest is closed, so its input has ended: let the transcoder finish what it has queued (it may run
      // behind real time on a busy machine) rather than cut the recording's tail, within a bound.
      await Promise.race([transcoder.exited, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
      await transcoder.stop();
    }
    await this.watcher?.close();
    if (this.inputLost) this.events.alert(this.id, { set: false, type: this.inputLossAlert, message: "Channel stopped", pipeline: 0 });
    if (this.encoderAlert) this.events.alert(this.id, { set: false, type: ENCODER_ALERT, message: "Channel stopped", pipeline: 0 });
  }
}
