import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { type ChannelSpec, DEFAULT_LADDER, type IngestEndpoint, type Ladder, type LiveEngine } from "@visionstream/core";
import { z } from "zod";
import type { LocalLayout } from "../account-infrastructure.ts";
import type { LocalBus } from "../bus.ts";
import { flvInput, type MediaInput, type X264Preset } from "../engine/ladder-args.ts";
import { type SegmentWatcher, watchSegments } from "../engine/segment-watcher.ts";
import { startTranscoder, type Transcoder } from "../engine/transcoder.ts";
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
    const run = new ChannelRun(channel, sessionId, this.options, this.host, this.events);
    this.runs.set(engineChannelId, run);
    try {
      await run.start();
    } catch (error) {
      this.runs.delete(engineChannelId);
      await run.stop();
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
      this.runs.delete(engineChannelId);
    }
    this.events.stateChange(engineChannelId, "STOPPED", 0, "Channel has stopped");
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
  private readonly ladder: Ladder;
  private readonly startedAt = Date.now();

  constructor(
    private readonly channel: EngineChannel,
    private readonly sessionId: string,
    private readonly options: LocalLiveEngineOptions,
    private readonly host: string,
    private readonly events: ReturnType<typeof engineEvents>,
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
    });
    this.transcoder = transcoder;
    void transcoder.exited.then((exit) => {
      if (this.transcoder !== transcoder || this.stopping) return;
      logger.warn("transcoder ended", { engineChannelId: this.id, code: exit.code, signal: exit.signal });
      this.transcoder = undefined;
      this.active = undefined;
    });
  }

  async stop(): Promise<void> {
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
  }
}
