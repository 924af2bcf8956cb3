import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { loadavg, setPriority, tmpdir } from "node:os";
import { join } from "node:path";

/** The 1, 5 and 15 minute load averages, as uptime prints them. */
export const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(" ");

/**
 * Runs a benchmark script in a node process of its own (same tsx loader, at the given nice value), so that a load
 * generator never shares the event loop of what it measures; resolves with the JSON of its last stdout line.
 */
export function childFigures<T>(script: string, options: unknown, niceness = 0): Promise<T> {
  const child = spawn(process.execPath, [...process.execArgv, script, JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] });
  if (niceness > 0 && child.pid) setPriority(child.pid, niceness);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${stdout.slice(-2_000)}`));
      resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as T);
    });
  });
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** The kernel's clock ticks per second, the unit of the CPU times in /proc/<pid>/stat. */
export const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * A media file the benchmarks make once with ffmpeg and keep in the temporary folder: `outputArgs` are ffmpeg's
 * arguments after its global ones, ending with the file it writes (aside, renamed into place when complete).
 */
export function keptMedia(name: string, outputArgs: (file: string) => string[]): string {
  const dir = join(tmpdir(), "visionstream-bench");
  const path = join(dir, name);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  console.log(`generating ${path} ...`);
  const partial = join(dir, `part-${name}`);
  execFileSync("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...outputArgs(partial)]);
  renameSync(partial, path);
  return path;
}

export const CAMERA_SECONDS = 60;

/** 60 s of 1080p30 test picture and tone, at a camera-like high bitrate (CABAC, 12 Mb/s, 2 s GOPs), made once and kept. */
export function cameraSource(): string {
  return keptMedia(`source-${CAMERA_SECONDS}s-1080p30.mkv`, (file) => [
    "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", String(CAMERA_SECONDS),
    "-c:v", "libx264", "-preset", "superfast", "-b:v", "12M", "-maxrate", "12M", "-bufsize", "24M", "-g", "60", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "192k", file,
  ]);
}

/** This process's children: pid, command name and command line, read from /proc. */
export function children(): { pid: number; name: string; commandLine: string }[] {
  const found: { pid: number; name: string; commandLine: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent !== process.pid) continue;
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      found.push({ pid: Number(entry), name, commandLine: readFileSync(`/proc/${entry}/cmdline`, "utf8") });
    } catch {
      // gone in between
    }
  }
  return found;
}
