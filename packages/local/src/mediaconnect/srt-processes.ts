import type { ChildProcess, StdioOptions } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { logger } from "../logger.ts";
import { spawnChild } from "../spawn-child.ts";

const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;
const STDERR_TAIL_LINES = 20;
const RESTART_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000];
/** After a run this long, the next exit is a new problem: restart quickly again. */
const STEADY_RUN_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
/** Seven TS packets per SRT packet, as encoders send and receivers expect; srt-live-transmit's default is 1456. */
const TS_PAYLOAD_BYTES = 1316;
/**
 * srt-live-transmit reads this many chunks before it sends any (10 by default): the output would hold up to nine
 * chunks until the next ones come, 5 ms at 20 Mb/s but 100 ms at 1 Mb/s. The relay already writes whole batches.
 */
const OUTPUT_CHUNKS_PER_SEND = 1;
const HLS_PLAYLIST = "index.m3u8";

export class InvalidSrtOptions extends Error {
  name = "InvalidSrtOptions";
}

function checkPort(port: number) {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidSrtOptions(`SRT port ${port} is not a port number`);
}

function checkPassphrase(port: number, passphrase: string) {
  const bytes = Buffer.byteLength(passphrase);
  if (bytes < 10 || bytes > 79) throw new InvalidSrtOptions(`SRT port ${port}: the passphrase must be 10 to 79 characters long`);
  // srt-live-transmit splits its URI query on "&" and does not percent-decode.
  if (passphrase.includes("&")) throw new InvalidSrtOptions(`SRT port ${port}: the passphrase may not contain "&"`);
}

interface ProcessSpec {
  label: string;
  command: string;
  args: string[];
  stdin?: boolean;
  /** Without stdio's buffer (stdbuf -i0): the bytes it holds would wait for the next write, however long that takes. */
  unbufferedStdin?: boolean;
  onStdout?: (chunk: Buffer) => void;
  /** Replaced in everything kept from stderr. */
  secret?: string;
  onExit?: (reason: string) => void;
}

/** One child process, restarted with a backoff whenever it exits until stop(); its stdin never blocks the caller. */
class SupervisedProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #running = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #stderrTail: string[] = [];
  bytesWritten = 0;
  chunksDropped = 0;

  constructor(private readonly spec: ProcessSpec) {}

  get running() {
    return this.#running;
  }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#failures = 0;
    this.#spawn();
  }

  write(chunk: Buffer) {
    const stdin = this.#child?.stdin;
    if (!stdin?.writable || stdin.writableLength > MAX_BUFFERED_BYTES) {
      this.chunksDropped++;
      return;
    }
    stdin.write(chunk);
    this.bytesWritten += chunk.length;
  }

  stderrTail(): string[] {
    return [...this.#stderrTail];
  }

  async stop() {
    this.#running = false;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child) return;
    // srt-live-transmit blocked on reading stdin ignores SIGTERM until stdin closes.
    child.stdin?.end();
    child.kill("SIGTERM");
    const kill = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(kill);
  }

  #remember(line: string) {
    const { secret } = this.spec;
    this.#stderrTail.push(secret ? line.replaceAll(secret, "<passphrase>") : line);
    if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift();
  }

  #spawn() {
    const { label, command, args, stdin, unbufferedStdin, onStdout } = this.spec;
    const startedAt = Date.now();
    const stdio: StdioOptions = [stdin ? "pipe" : "ignore", onStdout ? "pipe" : "ignore", "pipe"];
    const spawned = unbufferedStdin ? spawnChild("stdbuf", ["-i0", command, ...args], { stdio, runs: [command, ...args] }) : spawnChild(command, args, { stdio });
    const child = spawned.process;
    this.#child = child;
    child.stdin?.on("error", () => {});
    if (onStdout) child.stdout?.on("data", onStdout);
    if (child.stderr) createInterface({ input: child.stderr }).on("line", (line) => this.#remember(line));
    this.#exited = spawned.exited.then(({ code, signal, error }) => {
      if (this.#child === child) this.#child = undefined;
      if (!this.#running || this.#child) return;
      if (Date.now() - startedAt >= STEADY_RUN_MS) this.#failures = 0;
      const delay = RESTART_DELAYS_MS[Math.min(this.#failures++, RESTART_DELAYS_MS.length - 1)];
      this.#restartTimer = setTimeout(() => this.#spawn(), delay);
      const detail = error?.message || this.#stderrTail.at(-1) || "no output";
      const onExit = this.spec.onExit ?? ((reason: string) => logger.warn(reason));
      onExit(`${label} exited (${signal ?? `code ${code}`}: ${detail}); restarting in ${delay} ms`);
    });
  }
}

/** What the ingest, the output and the monitor share: one supervised process behind them. */
class Supervised {
  constructor(protected readonly process: SupervisedProcess) {}

  start(): void {
    this.process.start();
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  stderrTail(): string[] {
    return this.process.stderrTail();
  }
}

/** A supervised process fed through its stdin, never blocking the writer. */
class SupervisedWriter extends Supervised {
  write(chunk: Buffer): void {
    this.process.write(chunk);
  }

  stats(): WriterStats {
    return { bytesWritten: this.process.bytesWritten, chunksDropped: this.process.chunksDropped };
  }
}

export interface SrtIngestOptions {
  port: number;
  passphrase: string;
  latencyMs?: number;
  onData: (chunk: Buffer) => void;
  onExit?: (reason: string) => void;
}

/** An SRT listener on 127.0.0.1 that hands the publisher's TS bytes to onData, publisher after publisher. */
export class SrtIngest extends Supervised {
  constructor({ port, passphrase, latencyMs = 120, onData, onExit }: SrtIngestOptions) {
    checkPort(port);
    checkPassphrase(port, passphrase);
    super(
      new SupervisedProcess({
        label: `SRT ingest on port ${port}`,
        command: "srt-live-transmit",
        args: [`srt://127.0.0.1:${port}?mode=listener&passphrase=${passphrase}&latency=${latencyMs}`, "file://con"],
        onStdout: onData,
        secret: passphrase,
        ...(onExit ? { onExit } : {}),
      }),
    );
  }
}

export type SrtOutputOptions =
  | { mode: "listener"; port: number; passphrase?: string }
  | { mode: "caller"; host: string; port: number; passphrase?: string };

export interface WriterStats {
  bytesWritten: number;
  chunksDropped: number;
}

/** Sends the TS bytes written to it over SRT to one receiver at a time; receivers may come and go. */
export class SrtOutput extends SupervisedWriter {
  constructor(options: SrtOutputOptions) {
    checkPort(options.port);
    if (options.passphrase !== undefined) checkPassphrase(options.port, options.passphrase);
    const host = options.mode === "listener" ? "127.0.0.1" : options.host;
    const passphrase = options.passphrase === undefined ? "" : `&passphrase=${options.passphrase}`;
    super(
      new SupervisedProcess({
        label: `SRT output ${options.mode} ${host}:${options.port}`,
        command: "srt-live-transmit",
        args: [`-buffering:${OUTPUT_CHUNKS_PER_SEND}`, "-chunk", String(TS_PAYLOAD_BYTES), "file://con", `srt://${host}:${options.port}?mode=${options.mode}${passphrase}`],
        stdin: true,
        unbufferedStdin: true,
        ...(options.passphrase === undefined ? {} : { secret: options.passphrase }),
      }),
    );
  }
}

export interface HlsMonitorOptions {
  dir: string;
  segmentSeconds?: number;
  listSize?: number;
}

/** Live HLS of the TS bytes written to it, copied without re-encoding, to dir/index.m3u8. */
export class HlsMonitor extends SupervisedWriter {
  readonly #dir: string;

  constructor({ dir, segmentSeconds = 1, listSize = 6 }: HlsMonitorOptions) {
    super(
      new SupervisedProcess({
        label: `HLS monitor in ${dir}`,
        command: "ffmpeg",
        args: [
          "-hide_banner", "-nostats", "-loglevel", "level+warning",
          // A jump of more than a second between sources becomes an offset, not a long segment.
          "-dts_delta_threshold", "1",
          "-fflags", "+genpts+discardcorrupt",
          "-f", "mpegts", "-i", "pipe:0",
          "-c", "copy",
          "-f", "hls", "-hls_time", String(segmentSeconds), "-hls_list_size", String(listSize),
          // append_list continues the numbering after a restart, behind a discontinuity; no ENDLIST, or players stop.
          "-hls_flags", "delete_segments+independent_segments+temp_file+omit_endlist+append_list+program_date_time",
          join(dir, HLS_PLAYLIST),
        ],
        stdin: true,
      }),
    );
    this.#dir = dir;
  }

  override start(): void {
    if (this.process.running) return;
    mkdirSync(this.#dir, { recursive: true });
    for (const name of readdirSync(this.#dir)) {
      if (/^index(\d+\.ts|\.m3u8)(\.tmp)?$/.test(name)) rmSync(join(this.#dir, name), { force: true });
    }
    super.start();
  }
}
