import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type Architecture,
  type Bus,
  Conflict,
  flowName,
  InvalidInput,
  type IngestHealth,
  monitorPlaylistKey,
  NotFound,
  SLATE,
  type SwitcherEngine,
  type SwitcherSpec,
  type SwitchMode,
  type SwitchOutcome,
} from "@visionstream/core";
import { BusRelay, IngestTap } from "@visionstream/mpegts";
import type { LocalLayout } from "../account-infrastructure.ts";
import { LOCAL_AWS_ACCOUNT, LOCAL_REGION, type LocalBus } from "../eventbridge/bus.ts";
import { trackChild } from "../child-processes.ts";
import { logger } from "../logger.ts";
import { accountSecret, resolveSecret } from "../secrets/secrets.ts";
import { HlsMonitor, SrtIngest, SrtOutput } from "./srt-processes.ts";

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

interface RunningIngest {
  tap: IngestTap;
  /** What the process was started with: a config change that keeps it keeps the contributor connected. */
  key: string;
  stop: () => Promise<void>;
}

interface RunningOutput {
  key: string;
  writers: Writer[];
}

interface Running {
  spec: SwitcherSpec;
  ingests: Map<string, RunningIngest>;
  outputs: Partial<Record<Bus, RunningOutput>>;
  buses: Record<Bus, BusRelay>;
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

  async check(spec: SwitcherSpec): Promise<void> {
    this.checkPorts(spec);
    await this.passphrases(spec.accountId, spec.architecture);
  }

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

  /** Ports of the other running switchers: two listeners can't share one. */
  private checkPorts(spec: SwitcherSpec) {
    const mine = [
      ...spec.architecture.ingests.map((ingest, index) => ({ port: ingest.port, field: `ingests[${index}].port` })),
      ...BUSES.flatMap((bus) => {
        const output = spec.architecture.outputs[bus];
        return output.protocol === "srt-listener" ? [{ port: output.port, field: `outputs.${bus}.port` }] : [];
      }),
    ];
    for (const [switcherId, running] of this.running) {
      if (switcherId === spec.switcherId) continue;
      const theirs = new Set([...running.spec.architecture.ingests.map((ingest) => ingest.port), ...BUSES.map((bus) => (running.spec.architecture.outputs[bus] as { port?: number }).port)]);
      const taken = mine.find(({ port }) => theirs.has(port));
      // Another account's switcher is not named: its id is that account's business.
      const owner = running.spec.accountId === spec.accountId ? `switcher ${switcherId}` : "another switcher";
      if (taken) throw new InvalidInput(taken.field, `port ${taken.port} is used by ${owner} on this machine`);
    }
  }

  private async rebuild(spec: SwitcherSpec) {
    this.checkPorts(spec);
    const passphrases = await this.passphrases(spec.accountId, spec.architecture);
    const running = this.running.get(spec.switcherId) ?? this.create(spec);
    this.running.set(spec.switcherId, running);
    const feed = (tap: IngestTap) => (chunk: Buffer) => {
      const packets = tap.push(chunk);
      for (const bus of BUSES) running.buses[bus].accept(tap, packets);
    };
    const wanted = new Map<string, { key: string; start: () => Omit<RunningIngest, "key"> }>();
    for (const ingest of spec.architecture.ingests) {
      const passphrase = passphrases.ingests.get(ingest.id)!;
      wanted.set(ingest.id, {
        key: JSON.stringify([ingest.port, passphrase]),
        start: () => {
          const tap = new IngestTap(ingest.id);
          const srt = new SrtIngest({
            port: ingest.port,
            passphrase,
            onData: feed(tap),
            onExit: (reason) => logger.warn("switcher ingest restarted", { switcherId: spec.switcherId, ingestId: ingest.id, reason }),
          });
          srt.start();
          return { tap, stop: () => srt.stop() };
        },
      });
    }
    if (spec.architecture.fallback?.to === SLATE)
      wanted.set(SLATE, {
        key: SLATE,
        start: () => {
          const tap = new IngestTap(SLATE);
          return { tap, stop: slate(feed(tap)).stop };
        },
      });
    const stopping: Promise<void>[] = [];
    for (const [id, ingest] of running.ingests) {
      if (wanted.get(id)?.key === ingest.key) continue;
      running.ingests.delete(id);
      stopping.push(ingest.stop());
    }
    await Promise.all(stopping);
    for (const [id, want] of wanted) {
      if (running.ingests.has(id)) continue;
      running.ingests.set(id, { ...want.start(), key: want.key });
    }
    for (const bus of BUSES) await this.rebuildOutput(running, spec, bus, passphrases.outputs[bus]);
    for (const bus of BUSES) {
      const selected = spec[bus] ?? running.buses[bus].ingestId;
      const tap = selected ? running.ingests.get(selected)?.tap : undefined;
      if (running.buses[bus].ingestId !== selected || !tap || running.buses[bus].tap !== tap) running.buses[bus].select(tap);
    }
    running.spec = spec;
  }

  private create(spec: SwitcherSpec): Running {
    const running = {
      spec,
      ingests: new Map(),
      outputs: {},
      healthy: new Map(),
    } as unknown as Running;
    running.buses = Object.fromEntries(
      BUSES.map((bus) => [
        bus,
        new BusRelay((chunk) => running.outputs[bus]?.writers.forEach((writer) => writer.write(chunk)), { keyframeTimeoutMs: this.options.keyframeTimeoutMs ?? 4_000 }),
      ]),
    ) as Record<Bus, BusRelay>;
    running.timer = setInterval(() => this.watch(running), HEALTH_CHECK_MS);
    return running;
  }

  private async rebuildOutput(running: Running, spec: SwitcherSpec, bus: Bus, passphrase: string | undefined) {
    const output = spec.architecture.outputs[bus];
    const key = JSON.stringify([output, passphrase]);
    if (running.outputs[bus]?.key === key) return;
    const old = running.outputs[bus];
    delete running.outputs[bus];
    await Promise.all(old?.writers.map((writer) => writer.stop()) ?? []);
    const writers: Writer[] = [];
    const [host, port] = output.protocol === "srt-caller" ? output.destination.split(":") : ["127.0.0.1", String(output.port)];
    writers.push(
      new SrtOutput({
        ...(output.protocol === "srt-listener" ? { mode: "listener" as const, port: output.port } : { mode: "caller" as const, host: host!, port: Number(port) }),
        ...(passphrase ? { passphrase } : {}),
      }),
    );
    if (output.hlsMonitor) writers.push(new HlsMonitor({ dir: join(this.options.layout.bucketDir(spec.bucketName), monitorPlaylistKey(spec.switcherId, bus), "..") }));
    for (const writer of writers) writer.start();
    running.outputs[bus] = { key, writers };
  }

  private async passphrases(accountId: string, architecture: Architecture) {
    const resolve = async (name: string, field: string) => {
      try {
        const passphrase = await resolveSecret(this.options.dataDir, accountSecret(accountId, name), this.options.env ?? process.env);
        if (passphrase.length < 10 || passphrase.length > 79 || passphrase.includes("&"))
          throw new Error(`the passphrase in secret ${name} must be 10 to 79 characters long, without "&"`);
        return passphrase;
      } catch (error) {
        throw new InvalidInput(field, (error as Error).message);
      }
    };
    const ingests = new Map(
      await Promise.all(architecture.ingests.map(async (ingest, index) => [ingest.id, await resolve(ingest.passphraseSecret, `ingests[${index}].passphraseSecret`)] as const)),
    );
    const outputs: Partial<Record<Bus, string>> = {};
    for (const bus of BUSES) {
      const secret = architecture.outputs[bus].passphraseSecret;
      if (secret) outputs[bus] = await resolve(secret, `outputs.${bus}.passphraseSecret`);
    }
    return { ingests, outputs };
  }

  /** An ingest silent for the fallback's delay is reported unhealthy; one sending again, healthy. */
  private watch(running: Running) {
    const { switcherId, architecture } = running.spec;
    const lossAfterMs = architecture.fallback?.afterMs ?? DEFAULT_LOSS_AFTER_MS;
    const now = performance.now();
    for (const ingest of architecture.ingests) {
      const tap = running.ingests.get(ingest.id)!.tap;
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
    const tap = running.ingests.get(ingestId)?.tap;
    if (!tap) throw new NotFound("ingest", ingestId);
    if (performance.now() - tap.lastDataAt > CONNECTED_WITHIN_MS || !tap.ready)
      throw new Conflict(`ingest ${ingestId} is not sending: nothing to put on ${bus}`, { ingestId, bus });
    running.spec = { ...running.spec, [bus]: ingestId };
    const outcome = await running.buses[bus].switchTo(tap, mode);
    return { mode: outcome.mode, landedAfterMs: outcome.landedAfterMs, ...(outcome.superseded ? { superseded: true } : {}), ...(outcome.note ? { note: outcome.note } : {}) };
  }

  async health(switcherId: string): Promise<IngestHealth[]> {
    const running = this.running.get(switcherId);
    if (!running) return [];
    const now = performance.now();
    return running.spec.architecture.ingests.map((ingest) => {
      const tap = running.ingests.get(ingest.id)!.tap;
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
    clearInterval(running.timer);
    for (const bus of BUSES) running.buses[bus].close();
    const parts = [...[...running.ingests.values()].map((ingest) => ingest.stop), ...BUSES.flatMap((bus) => running.outputs[bus]?.writers.map((writer) => () => writer.stop()) ?? [])];
    await Promise.all(parts.map((stop) => stop().catch((error) => logger.warn("switcher part did not stop cleanly", { switcherId, error: (error as Error).message }))));
    for (const bus of BUSES) await rm(join(this.options.layout.bucketDir(running.spec.bucketName), monitorPlaylistKey(switcherId, bus), ".."), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((switcherId) => this.remove(switcherId)));
  }
}
