import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type Architecture,
  type Bus,
  Conflict,
  flowName,
  type IngestHealth,
  monitorPlaylistKey,
  NotFound,
  SLATE,
  type SwitcherEngine,
  type SwitcherSpec,
  type SwitchMode,
  type SwitchOutcome,
} from "@visionstream/core";
import type { LocalLayout } from "../account-infrastructure.ts";
import { LOCAL_AWS_ACCOUNT, LOCAL_REGION, type LocalBus } from "../bus.ts";
import { trackChild } from "../engine/child-processes.ts";
import { logger } from "../logger.ts";
import { IngestTap } from "./ingest-tap.ts";
import { resolveSecret } from "./secrets.ts";
import { HlsMonitor, SrtIngest, SrtOutput } from "./srt-processes.ts";
import { BusRelay } from "./ts-relay.ts";

const HEALTH_CHECK_MS = 250;
const CONNECTED_WITHIN_MS = 1_000;
const DEFAULT_LOSS_AFTER_MS = 2_000;
const BUSES: readonly Bus[] = ["live", "preview"];

export const flowArn = (switcherId: string, ingestId: string) =>
  `arn:aws:mediaconnect:${LOCAL_REGION}:${LOCAL_AWS_ACCOUNT}:flow:${switcherId}-${ingestId}:${flowName(switcherId, ingestId)}`;

interface Writer {
  start(): void;
  write(chunk: Buffer): void;
  stop(): Promise<void>;
}

interface Running {
  spec: SwitcherSpec;
  taps: Map<string, IngestTap>;
  buses: Record<Bus, BusRelay>;
  stops: (() => Promise<void>)[];
  healthy: Map<string, boolean>;
  timer: NodeJS.Timeout;
}

/** A slate: a generated picture and silence, encoded like an ingest, for the fallback to go to when the file says so. */
function slate(onData: (chunk: Buffer) => void): { stop: () => Promise<void> } {
  let child: ChildProcess | undefined;
  let stopped = false;
  const start = () => {
    child = spawn(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "smptebars=size=640x360:rate=30", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "500k", "-c:a", "aac", "-b:a", "64k", "-f", "mpegts", "pipe:1"],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    trackChild(child);
    child.stdout!.on("data", onData);
    child.stderr!.resume();
    child.once("exit", () => !stopped && setTimeout(start, 1_000));
  };
  start();
  return {
    stop: async () => {
      stopped = true;
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/**
 * The switcher on one machine: each ingest an SRT listener with its passphrase, each bus a TypeScript relay that
 * forwards the selected ingest to the bus's SRT output and HLS monitor. Ingest health changes are sent as
 * "MediaConnect Source Health" events, in MediaConnect's shape, so the same handler reacts in both runtimes.
 */
export class LocalSwitcherEngine implements SwitcherEngine {
  private readonly running = new Map<string, Running>();
  private readonly starting = new Map<string, Promise<void>>();

  constructor(
    private readonly options: { layout: LocalLayout; bus: Pick<LocalBus, "put">; dataDir: string; env?: NodeJS.ProcessEnv; keyframeTimeoutMs?: number },
  ) {}

  async apply(spec: SwitcherSpec): Promise<void> {
    const previous = this.starting.get(spec.switcherId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.rebuild(spec));
    this.starting.set(spec.switcherId, next);
    try {
      await next;
    } finally {
      if (this.starting.get(spec.switcherId) === next) this.starting.delete(spec.switcherId);
    }
  }

  private async rebuild(spec: SwitcherSpec) {
    const existing = this.running.get(spec.switcherId);
    if (existing && JSON.stringify(existing.spec.architecture) === JSON.stringify(spec.architecture)) return;
    const passphrases = await this.passphrases(spec.architecture);
    if (existing) await this.stopRunning(existing);
    const running = this.start(spec, passphrases);
    this.running.set(spec.switcherId, running);
  }

  private async passphrases(architecture: Architecture) {
    const resolve = (name: string) => resolveSecret(this.options.dataDir, name, this.options.env ?? process.env);
    const ingests = new Map(await Promise.all(architecture.ingests.map(async (ingest) => [ingest.id, await resolve(ingest.passphraseSecret)] as const)));
    const outputs: Partial<Record<Bus, string>> = {};
    for (const bus of BUSES) {
      const secret = architecture.outputs[bus].passphraseSecret;
      if (secret) outputs[bus] = await resolve(secret);
    }
    return { ingests, outputs };
  }

  private start(spec: SwitcherSpec, passphrases: { ingests: Map<string, string>; outputs: Partial<Record<Bus, string>> }): Running {
    const { architecture, switcherId } = spec;
    const stops: (() => Promise<void>)[] = [];
    const taps = new Map<string, IngestTap>();
    const writers: Record<Bus, Writer[]> = { live: [], preview: [] };
    const buses = Object.fromEntries(
      BUSES.map((bus) => [bus, new BusRelay((chunk) => writers[bus].forEach((writer) => writer.write(chunk)), { keyframeTimeoutMs: this.options.keyframeTimeoutMs ?? 4_000 })]),
    ) as Record<Bus, BusRelay>;
    const feed = (tap: IngestTap) => (chunk: Buffer) => {
      const packets = tap.push(chunk);
      for (const bus of BUSES) buses[bus].accept(tap, packets);
    };
    try {
      for (const bus of BUSES) {
        const output = architecture.outputs[bus];
        const passphrase = passphrases.outputs[bus];
        const [host, port] = output.protocol === "srt-caller" ? output.destination.split(":") : ["127.0.0.1", String(output.port)];
        const srt = new SrtOutput({
          ...(output.protocol === "srt-listener" ? { mode: "listener" as const, port: output.port } : { mode: "caller" as const, host: host!, port: Number(port) }),
          ...(passphrase ? { passphrase } : {}),
        });
        writers[bus].push(srt);
        if (output.hlsMonitor) {
          const dir = join(this.options.layout.bucketDir(spec.bucketName), monitorPlaylistKey(switcherId, bus), "..");
          writers[bus].push(new HlsMonitor({ dir }));
        }
      }
      for (const ingest of architecture.ingests) {
        const tap = new IngestTap(ingest.id);
        taps.set(ingest.id, tap);
        const srt = new SrtIngest({
          port: ingest.port,
          passphrase: passphrases.ingests.get(ingest.id)!,
          onData: feed(tap),
          onExit: (reason) => logger.warn("switcher ingest restarted", { switcherId, ingestId: ingest.id, reason }),
        });
        srt.start();
        stops.push(() => srt.stop());
      }
      if (architecture.fallback?.to === SLATE) {
        const tap = new IngestTap(SLATE);
        taps.set(SLATE, tap);
        stops.push(slate(feed(tap)).stop);
      }
      for (const bus of BUSES) {
        for (const writer of writers[bus]) {
          writer.start();
          stops.push(() => writer.stop());
        }
        const selected = spec[bus];
        buses[bus].select(selected ? taps.get(selected) : undefined);
        stops.push(async () => buses[bus].close());
      }
    } catch (error) {
      void Promise.all(stops.map((stop) => stop().catch(() => undefined)));
      throw error;
    }
    const running: Running = { spec, taps, buses, stops, healthy: new Map(), timer: setInterval(() => this.watch(running), HEALTH_CHECK_MS) };
    return running;
  }

  /** An ingest silent for the fallback's delay is reported unhealthy; one sending again, healthy. */
  private watch(running: Running) {
    const { switcherId, architecture } = running.spec;
    const lossAfterMs = architecture.fallback?.afterMs ?? DEFAULT_LOSS_AFTER_MS;
    const now = performance.now();
    for (const ingest of architecture.ingests) {
      const tap = running.taps.get(ingest.id)!;
      const was = running.healthy.get(ingest.id);
      const sending = tap.lastDataAt > 0 && now - tap.lastDataAt < lossAfterMs;
      if (was === undefined && !sending) continue;
      if (was === sending) continue;
      running.healthy.set(ingest.id, sending);
      const state = (healthy: boolean | undefined) => ({ state: healthy === false ? "DISCONNECTED" : "CONNECTED" });
      const arn = flowArn(switcherId, ingest.id);
      this.options.bus.put({
        source: "aws.mediaconnect",
        "detail-type": "MediaConnect Source Health",
        resources: [arn, `arn:aws:mediaconnect:${LOCAL_REGION}:${LOCAL_AWS_ACCOUNT}:source:${switcherId}-${ingest.id}:${ingest.id}`],
        detail: { unhealthy: !sending, current: state(sending), previous: state(was ?? !sending) },
      });
    }
  }

  async switch(switcherId: string, bus: Bus, ingestId: string, mode: SwitchMode): Promise<SwitchOutcome> {
    await this.starting.get(switcherId)?.catch(() => undefined);
    const running = this.running.get(switcherId);
    if (!running) throw new NotFound("running switcher", switcherId);
    const tap = running.taps.get(ingestId);
    if (!tap) throw new NotFound("ingest", ingestId);
    if (performance.now() - tap.lastDataAt > CONNECTED_WITHIN_MS || !tap.ready)
      throw new Conflict(`ingest ${ingestId} is not sending: nothing to put on ${bus}`, { ingestId, bus });
    running.spec = { ...running.spec, [bus]: ingestId };
    const outcome = await running.buses[bus].switchTo(tap, mode);
    return { mode: outcome.mode, landedAfterMs: outcome.landedAfterMs, ...(outcome.note ? { note: outcome.note } : {}) };
  }

  async health(switcherId: string): Promise<IngestHealth[]> {
    const running = this.running.get(switcherId);
    if (!running) return [];
    const now = performance.now();
    return running.spec.architecture.ingests.map((ingest) => {
      const tap = running.taps.get(ingest.id)!;
      return {
        ingestId: ingest.id,
        connected: tap.lastDataAt > 0 && now - tap.lastDataAt < CONNECTED_WITHIN_MS,
        bitrateKbps: tap.bitrateKbps(),
        lastKeyframeAgeMs: tap.lastKeyframeAt > 0 ? Math.round(now - tap.lastKeyframeAt) : null,
      };
    });
  }

  async remove(switcherId: string): Promise<void> {
    await this.starting.get(switcherId)?.catch(() => undefined);
    const running = this.running.get(switcherId);
    if (!running) return;
    this.running.delete(switcherId);
    await this.stopRunning(running);
    for (const bus of BUSES) await rm(join(this.options.layout.bucketDir(running.spec.bucketName), monitorPlaylistKey(switcherId, bus), ".."), { recursive: true, force: true });
  }

  private async stopRunning(running: Running) {
    clearInterval(running.timer);
    await Promise.all(running.stops.map((stop) => stop().catch((error) => logger.warn("switcher part did not stop cleanly", { error: (error as Error).message }))));
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((switcherId) => this.remove(switcherId)));
  }
}
