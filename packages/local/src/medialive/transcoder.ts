import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PassThrough, type Readable } from "node:stream";
import { spawnChild } from "../spawn-child.ts";
import { CMAF_DIR, type LadderArgumentsOptions, ladderArguments, PROGRESS_FD } from "./ladder-args.ts";
import { MASTER_PLAYLIST, masterPlaylist } from "./master-playlist.ts";
import { FellBehind } from "./media-queue.ts";

export interface TranscoderOptions extends LadderArgumentsOptions {
  /** The media itself, when input reads pipe:0. */
  stdin?: Readable;
  ffmpegPath?: string;
  /** How long stop() lets ffmpeg encode what it was given before interrupting it (then 8 s more to close, or SIGKILL). */
  stopTimeoutMs?: number;
  /**
   * CPU priority below the runtime's (nice(1), 0–19): serving (API, CDN) comes first, so a machine short of CPU shows
   * it as a ladder below real time, which the channel reports, rather than as an API and CDN that stop answering.
   */
  niceness?: number;
  /**
   * One of the tee muxer's outputs (HLS-TS, CMAF, MSS) failed and ffmpeg went on without it (a write error, a folder
   * removed): called with ffmpeg's line, so the run can restart the transcoder rather than serve fewer formats.
   */
  onOutputFailed?: (line: string) => void;
}

/** ffmpeg's tee muxer drops a failed output and carries on: "Slave muxer #1 failed: ..., continuing with 2/3 slaves." */
const OUTPUT_FAILED = /Slave muxer #\d+ failed/;

export interface TranscoderProgress {
  /** Encoding speed as a multiple of real time; null until ffmpeg has reported it. */
  speed: number | null;
  outTimeSeconds: number;
  frames: number;
  updatedAt: Date | null;
}

export interface TranscoderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
  /** Its feed dropped it for falling too far behind the live input (FellBehind). */
  fellBehind?: boolean;
}

export interface Transcoder {
  process: ChildProcess;
  progress(): TranscoderProgress;
  exited: Promise<TranscoderExit>;
  /**
   * Ends the run once ffmpeg has encoded everything it was given (segments closed, playlists finalised); interrupted
   * when it makes no more progress or after timeoutMs (stopTimeoutMs unless told; a later call may only shorten it),
   * whatever it had not encoded then being lost, or killed.
   */
  stop(timeoutMs?: number): Promise<TranscoderStop>;
}

export interface TranscoderStop {
  /** ffmpeg had to be interrupted (or killed) rather than ending by itself at the end of its input. */
  interrupted: boolean;
}

const STDERR_TAIL_CHARS = 8_192;
/** A stopping ffmpeg that reports no new frame and uses no CPU for this long is interrupted. */
const INTERRUPT_AFTER_MS = 5_000;
/** An interrupted ffmpeg closes its segments and playlists within this long, or is killed. */
const KILL_AFTER_INTERRUPT_MS = 8_000;

function writeMasterPlaylist(options: TranscoderOptions) {
  mkdirSync(options.liveDir, { recursive: true });
  for (const rendition of options.ladder.renditions) mkdirSync(join(options.liveDir, rendition.name), { recursive: true });
  if (options.formats !== "hls-ts") mkdirSync(join(options.liveDir, CMAF_DIR), { recursive: true });
  const path = join(options.liveDir, MASTER_PLAYLIST);
  writeFileSync(`${path}.tmp`, masterPlaylist(options.ladder));
  renameSync(`${path}.tmp`, path);
}

/** One ffmpeg that transcodes the channel's input to the whole ladder as live HLS under liveDir. */
export function startTranscoder(options: TranscoderOptions): Transcoder {
  const { stdin, ffmpegPath = "ffmpeg", stopTimeoutMs = 20_000, niceness = 0 } = options;
  writeMasterPlaylist(options);
  // nice(1) execs ffmpeg in place: same pid, and every thread ffmpeg starts inherits the priority.
  const runs = [ffmpegPath, ...ladderArguments(options)];
  const spawned = spawnChild(niceness > 0 ? "nice" : ffmpegPath, niceness > 0 ? ["-n", String(niceness), ...runs] : runs.slice(1), {
    stdio: ["pipe", "ignore", "pipe", "pipe"],
    runs,
    stderrTailChars: STDERR_TAIL_CHARS,
  });
  const child = spawned.process;
  let inputError = "";
  let fellBehind = false;

  let current: TranscoderProgress = { speed: null, outTimeSeconds: 0, frames: 0, updatedAt: null };
  const report: Record<string, string> = {};
  const progressStream = child.stdio[PROGRESS_FD] as Readable | null;
  if (progressStream) {
    createInterface({ input: progressStream }).on("line", (line) => {
      const separator = line.indexOf("=");
      if (separator < 0) return;
      const key = line.slice(0, separator).trim();
      report[key] = line.slice(separator + 1).trim();
      if (key !== "progress") return;
      const speed = Number.parseFloat(report.speed ?? "");
      const outTimeMicroseconds = Number(report.out_time_us);
      current = {
        speed: Number.isFinite(speed) ? speed : current.speed,
        outTimeSeconds: Number.isFinite(outTimeMicroseconds) && outTimeMicroseconds > 0 ? outTimeMicroseconds / 1e6 : current.outTimeSeconds,
        frames: Number(report.frame) || current.frames,
        updatedAt: new Date(),
      };
    });
  }

  if (options.onOutputFailed && child.stderr) {
    const onOutputFailed = options.onOutputFailed;
    createInterface({ input: child.stderr }).on("line", (line) => {
      if (OUTPUT_FAILED.test(line)) onOutputFailed(line);
    });
  }

  child.stdin?.on("error", () => {});
  if (stdin && child.stdin) stdin.pipe(child.stdin);
  // The feed drops a transcoder that falls too far behind (its stream ends with an error): that is this transcoder's
  // failure, reported and restarted by the engine, never an unhandled error of the whole runtime.
  stdin?.once("error", (error) => {
    inputError = `input: ${error.message}\n`;
    fellBehind = error instanceof FellBehind;
    child.kill("SIGKILL");
  });

  const exited = spawned.exited
    .then(({ code, signal, error }): TranscoderExit => {
      const stderrTail = `${spawned.stderrTail()}${inputError}`;
      return error ? { code: null, signal: null, stderrTail: `${stderrTail}${error.message}` } : { code, signal, stderrTail, ...(fellBehind ? { fellBehind } : {}) };
    })
    .finally(() => {
      if (stdin && child.stdin) stdin.unpipe(child.stdin);
    });

  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;

  /** CPU time ffmpeg has used, in clock ticks; a starved ffmpeg still encodes, a stuck one does not. */
  const cpuTicks = () => {
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };

  let stopping: Promise<TranscoderStop> | undefined;
  let capAt = Infinity;
  let cap: NodeJS.Timeout | undefined;
  let interrupt = () => {};
  /** The interrupt comes at the earliest deadline any stop() asked for. */
  const capWithin = (timeoutMs: number) => {
    const at = performance.now() + timeoutMs;
    if (at >= capAt || !running()) return;
    capAt = at;
    clearTimeout(cap);
    cap = setTimeout(() => interrupt(), timeoutMs);
  };

  async function stopNow(): Promise<TranscoderStop> {
    if (!running()) {
      clearTimeout(cap);
      await exited;
      return { interrupted: false };
    }
    if (stdin instanceof PassThrough) {
      // A stream this process writes into (an ingest's): ended, everything it still buffers goes on to ffmpeg
      // through the pipe. Another source (a socket, a child's stdout) is cut off where it is.
      if (!stdin.writableEnded) stdin.end();
    } else if (stdin) {
      if (child.stdin) stdin.unpipe(child.stdin);
      child.stdin?.end();
    } else {
      child.stdin?.end("q");
    }
    // Its input ends: ffmpeg encodes what it still holds (it may run behind real time on a busy machine) and ends by
    // itself. It is interrupted (once: ffmpeg quits uncleanly at a fourth signal) when it makes no more progress or
    // at stopTimeoutMs, and killed only if that does not end it either.
    let interrupted = false;
    let progress = "";
    let progressedAt = performance.now();
    let kill: NodeJS.Timeout | undefined;
    interrupt = () => {
      if (kill) return;
      interrupted = true;
      child.kill("SIGINT");
      kill = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_INTERRUPT_MS);
    };
    const watchdog = setInterval(() => {
      const now = `${current.frames}/${current.outTimeSeconds}/${cpuTicks()}`;
      if (now !== progress) {
        progress = now;
        progressedAt = performance.now();
      } else if (performance.now() - progressedAt >= INTERRUPT_AFTER_MS) interrupt();
    }, 250);
    try {
      await exited;
    } finally {
      clearInterval(watchdog);
      clearTimeout(cap);
      clearTimeout(kill);
    }
    return { interrupted };
  }

  const stop = (timeoutMs = stopTimeoutMs) => {
    capWithin(timeoutMs);
    return (stopping ??= stopNow());
  };

  return { process: child, progress: () => current, exited, stop };
}
