import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type ChannelResources,
  type ChannelSpec,
  Conflict,
  DEFAULT_LADDER,
  type IngestEndpoint,
  type InputType,
  InvalidInput,
  type LiveEngine,
  type LivePlayback,
  localLivePlayback,
  type StepResult,
} from "@visionstream/core";
import { z } from "zod";
import { etagOf, watchSegments } from "./segment-watcher.ts";
import { logger } from "../logger.ts";
import { ChannelRun, EngineChannel, type RunOptions, srtPassphraseSecretOf } from "./channel-run.ts";
import { removeSecret, resolveSecret, SecretMissing, writeSecret } from "../secrets/secrets.ts";
import { engineEvents } from "./events.ts";

/** A run under way, kept on disk until its channel has reported STOPPED, so a run cut short by a crash is found. */
const RunMarker = z.object({ sessionId: z.string() });

/** A run the table shows on air: its engine channel and, once started, its session. */
export interface RunOnAir {
  engineChannelId: string;
  sessionId?: string;
}

export interface LocalLiveEngineOptions extends RunOptions {
  host?: string;
  rtmpBasePort: number;
  rtpBasePort: number;
  /** SRT listener ports are taken from here on (UDP, one per endpoint). */
  srtBasePort: number;
}

/** Each input type's ports, from its base: RTP takes two (RTP and RTCP), as MediaLive's RTP inputs do. */
const PORT_STEP: Record<InputType, number> = { RTMP_PUSH: 1, RTP_PUSH: 2, SRT_LISTENER: 1 };

/** The local MediaLive: ffmpeg transcodes, our RTMP front, RTP relay and SRT listener take the pushes, files play S3. */
export class LocalLiveEngine implements LiveEngine {
  private readonly runs = new Map<string, ChannelRun>();
  /** Runs that are stopping: their transcoders encode what they still hold; STOPPED once they have. */
  private readonly stopping = new Map<string, Promise<void>>();
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

  private async endpoints(channel: EngineChannel): Promise<IngestEndpoint[]> {
    const { spec } = channel;
    const passphrase = spec.inputType === "SRT_LISTENER" ? await resolveSecret(this.options.layout.dataDir, srtPassphraseSecretOf(spec)) : undefined;
    return channel.ports.map((port) => {
      if (spec.inputType === "RTMP_PUSH") return { url: `rtmp://${this.host}:${port}/live`, streamKey: spec.streamKey };
      if (spec.inputType === "SRT_LISTENER") return { url: `srt://${this.host}:${port}`, passphrase };
      return { url: `rtp://${this.host}:${port}` };
    });
  }

  /** As the AWS engine keeps it in Secrets Manager: among the account's secrets, the first one kept staying the channel's. */
  private async keepPassphrase({ srtPassphrase, ...spec }: ChannelSpec): Promise<void> {
    if (spec.inputType !== "SRT_LISTENER") return;
    if (!srtPassphrase) throw new InvalidInput("srtPassphrase", "an SRT channel needs a passphrase");
    const name = srtPassphraseSecretOf(spec);
    const kept = await resolveSecret(this.options.layout.dataDir, name).catch((error: unknown) => {
      if (error instanceof SecretMissing) return undefined;
      throw error;
    });
    if (kept === undefined) await writeSecret(this.options.layout.dataDir, name, srtPassphrase);
  }

  async createChannel(spec: ChannelSpec) {
    await this.keepPassphrase(spec);
    // Like MediaLive's RequestId: the same channel id never makes a second engine channel.
    let engineChannelId = String((parseInt(createHash("sha256").update(spec.channelId).digest("hex").slice(0, 8), 16) % 9_000_000) + 1_000_000);
    for (;;) {
      const existing = await this.load(engineChannelId).catch(() => undefined);
      if (!existing) break;
      if (existing.spec.channelId === spec.channelId) return { engineChannelId, ingest: await this.endpoints(existing) };
      engineChannelId = String(Number(engineChannelId) + 1);
    }
    const taken = new Set((await this.all()).flatMap((channel) => channel.ports));
    const base = { RTMP_PUSH: this.options.rtmpBasePort, RTP_PUSH: this.options.rtpBasePort, SRT_LISTENER: this.options.srtBasePort }[spec.inputType];
    const ports: number[] = [];
    for (let port = base; ports.length < (spec.redundancy === "STANDARD" ? 2 : 1); port += PORT_STEP[spec.inputType]) if (!taken.has(port)) ports.push(port);
    // The passphrase stays in the account's secrets only.
    const { srtPassphrase: _kept, ...stored } = spec;
    const channel: EngineChannel = { engineChannelId, spec: stored, ports };
    await mkdir(join(this.file(engineChannelId), ".."), { recursive: true });
    await writeFile(this.file(engineChannelId), JSON.stringify(channel, null, 2), { mode: 0o600 });
    return { engineChannelId, ingest: await this.endpoints(channel) };
  }

  async startChannel(engineChannelId: string, sessionId: string): Promise<StepResult> {
    if (this.runs.has(engineChannelId)) return "done";
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
      // As MediaLive refuses a start it cannot make: final for this command, with the reason on the channel.
      throw new Conflict(`the channel could not start: ${(error as Error).message}`, { engineChannelId });
    }
    this.events.stateChange(engineChannelId, "RUNNING", channel.ports.length, "Channel is running");
    return "done";
  }

  /**
   * Answers once the ingest is closed (nothing more is taken in), as MediaLive answers StopChannel with STOPPING; the
   * transcoder then encodes what it still holds, and STOPPED follows when it has (or at the drain bound).
   */
  async stopChannel(engineChannelId: string): Promise<StepResult> {
    const run = this.runs.get(engineChannelId);
    if (!run) {
      this.events.stateChange(engineChannelId, "STOPPING", 0, "Channel is stopping");
      await rm(this.runFile(engineChannelId), { force: true });
      this.events.stateChange(engineChannelId, "STOPPED", 0, "Channel has stopped");
      return "done";
    }
    this.end(engineChannelId, run, { pipelinesRunning: 1, stopping: "Channel is stopping", stopped: "Channel has stopped" });
    await run.closeIngest();
    return "done";
  }

  /** Once per run: STOPPING, the run stopped (drained), STOPPED. */
  private end(engineChannelId: string, run: ChannelRun, report: { pipelinesRunning: number; stopping: string; stopped: string }): Promise<void> {
    const known = this.stopping.get(engineChannelId);
    if (known) return known;
    this.events.stateChange(engineChannelId, "STOPPING", report.pipelinesRunning, report.stopping);
    const ended = (async () => {
      await run.stop();
      if (this.runs.get(engineChannelId) === run) this.runs.delete(engineChannelId);
      await rm(this.runFile(engineChannelId), { force: true });
      this.events.stateChange(engineChannelId, "STOPPED", 0, report.stopped);
    })().finally(() => this.stopping.delete(engineChannelId));
    this.stopping.set(engineChannelId, ended);
    return ended;
  }

  /** A run that cannot go on (its transcoder keeps failing) ends as MediaLive ends a failed channel: STOPPED. */
  private async fail(engineChannelId: string, run: ChannelRun, reason: string): Promise<void> {
    if (this.runs.get(engineChannelId) !== run) return;
    logger.error("channel failed", { engineChannelId, reason });
    // Its pipeline has failed: none runs while it stops.
    await this.end(engineChannelId, run, { pipelinesRunning: 0, stopping: `Channel is stopping: ${reason}`, stopped: `Channel failed: ${reason}` });
  }

  /**
   * Runs that an earlier process left without stopping them (it was killed): those it wrote down, and those the table
   * shows on air (`onAir`) that it kept no trace of (cut short before the run was written down, or after its record
   * went). Whatever the live playlists list is recorded, every segment of the session is announced again (the
   * announcements of its last moments may have gone with the process; indexing is idempotent), and the channel
   * reports STOPPED, which assembles its recording.
   */
  async recoverInterruptedRuns(onAir: readonly RunOnAir[] = []): Promise<void> {
    const directory = join(this.options.layout.dataDir, "engine", "runs");
    const interrupted = new Map<string, string | undefined>();
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      if (!name.endsWith(".json")) continue;
      const marker = await readFile(join(directory, name), "utf8").then((text) => RunMarker.parse(JSON.parse(text)), () => undefined);
      interrupted.set(name.slice(0, -5), marker?.sessionId);
    }
    for (const run of onAir) if (!interrupted.get(run.engineChannelId)) interrupted.set(run.engineChannelId, run.sessionId);
    for (const [engineChannelId, sessionId] of interrupted) {
      if (this.runs.has(engineChannelId)) continue;
      let indexed = true;
      try {
        if (sessionId) await this.announceRecording(await this.load(engineChannelId), sessionId);
        // Indexed first: a session whose recording no delivery had created yet gets it before STOPPED looks for it.
        await this.options.bus.idle();
      } catch (error) {
        // Its run file stays, so the next start indexes the session again; the channel is stopped all the same.
        indexed = false;
        logger.error("interrupted run could not be indexed", { engineChannelId, error: error as Error });
      }
      logger.warn("interrupted run stopped", { engineChannelId, sessionId });
      this.events.stateChange(engineChannelId, "STOPPED", 0, "Channel has stopped: the local runtime ended while it was running");
      if (indexed) await rm(this.runFile(engineChannelId), { force: true });
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

  /** Runs in the deletion's step, not in a request: a run still draining is waited for, as MediaLive deletes only an idle channel. */
  async deleteChannel({ accountId, channelId, engineChannelId, inputType }: ChannelResources): Promise<StepResult> {
    const removePassphrase = () =>
      inputType === "SRT_LISTENER" ? removeSecret(this.options.layout.dataDir, srtPassphraseSecretOf({ accountId, channelId })) : Promise.resolve();
    if (!engineChannelId) {
      await removePassphrase();
      return "done";
    }
    if (this.runs.has(engineChannelId)) await this.stopChannel(engineChannelId);
    await this.stopping.get(engineChannelId);
    await rm(this.file(engineChannelId), { force: true });
    // Last, as in AWS once no input names it.
    await removePassphrase();
    this.events.stateChange(engineChannelId, "DELETED", 0, "Channel has been deleted");
    return "done";
  }

  livePlayback(channelId: string): LivePlayback {
    return localLivePlayback(channelId);
  }

  isRunning(engineChannelId: string): boolean {
    return this.runs.has(engineChannelId);
  }

  /** Stops every run (the runtime is shutting down): no ffmpeg is left behind. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.stopChannel(id)));
    await Promise.all(this.stopping.values());
  }
}
