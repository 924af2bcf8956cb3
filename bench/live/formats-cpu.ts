/**
 * What packaging every format costs: the channel's one ffmpeg (the whole ladder) on the same pushed FLV, once with all
 * formats (HLS-TS, CMAF for HLS and DASH, MSS, from one encode) and once HLS-TS only, interleaved A B A B A B so that a
 * noisy shared machine weighs on both alike. The figure is ffmpeg's CPU seconds (user + system) per content second;
 * ffmpeg reads the file as fast as it can, so the run is short and its CPU is the same work as at real time.
 *
 *   npx tsx bench/live/formats-cpu.ts        # RUNS=3 (per ladder), CONTENT_SECONDS=20; LOW=1 adds all formats with
 *                                            # low-latency DASH (a CMAF chunk per frame) to the rotation
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { CMAF_DIR, flvInput, type LadderArgumentsOptions, ladderArguments, MSS_DIR } from "@visionstream/local/medialive/ladder-args";
import { cameraSource, clockTicks, keptMedia, loadAverage, median } from "../common.ts";

const RUNS = Number(process.env.RUNS ?? 3);
const CONTENT_SECONDS = Number(process.env.CONTENT_SECONDS ?? 20);
const ladder = DEFAULT_LADDER;
/** The ladders compared: every format (normal latency, as a default channel), HLS-TS only, and optionally low latency. */
const VARIANTS = {
  all: { formats: "all" },
  "hls-ts": { formats: "hls-ts" },
  "all-low": { formats: "all", latency: "low", utcTimingUrl: "http://127.0.0.1:9/time" },
} satisfies Record<string, Pick<LadderArgumentsOptions, "formats" | "latency" | "utcTimingUrl">>;
type Variant = keyof typeof VARIANTS;
const variants: Variant[] = process.env.LOW === "1" ? ["all", "hls-ts", "all-low"] : ["all", "hls-ts"];

/** bench/live's camera file (1080p30, 12 Mb/s) as FLV, what RTMP delivers to the channel's ffmpeg. */
function cameraFlv(): string {
  const source = cameraSource();
  return keptMedia(basename(source).replace(/\.mkv$/, ".flv"), (file) => ["-i", source, "-c", "copy", "-f", "flv", file]);
}

/** CPU seconds of the children this process has reaped (cutime + cstime of /proc/self/stat). */
async function reapedChildrenCpuSeconds(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / clockTicks;
}

async function ladderRun(source: string, variant: Variant) {
  const liveDir = await mkdtemp(join(tmpdir(), "visionstream-bench-formats-"));
  try {
    for (const dir of [...ladder.renditions.map((rendition) => rendition.name), CMAF_DIR, MSS_DIR]) mkdirSync(join(liveDir, dir), { recursive: true });
    const input = flvInput(source);
    const args = ladderArguments({ ladder, input: { ...input, args: ["-t", String(CONTENT_SECONDS), ...input.args] }, liveDir, startNumber: 1, discontinuity: false, ...VARIANTS[variant] });
    const cpuBefore = await reapedChildrenCpuSeconds();
    const started = performance.now();
    const ffmpeg = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "pipe", "pipe"] });
    (ffmpeg.stdio[3] as NodeJS.ReadableStream).resume();
    let stderr = "";
    ffmpeg.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
    const code = await new Promise<number | null>((resolve, reject) => ffmpeg.once("error", reject).once("close", resolve));
    const wallSeconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`ffmpeg (${variant}) exited with ${code}: ${stderr}`);
    const cpuSeconds = (await reapedChildrenCpuSeconds()) - cpuBefore;
    const written = (await readdir(liveDir, { recursive: true })).length;
    const perContentSecond = cpuSeconds / CONTENT_SECONDS;
    console.log(
      `  ${variant.padEnd(7)}: ${cpuSeconds.toFixed(1)} CPU s for ${CONTENT_SECONDS} s of content = ${perContentSecond.toFixed(3)} CPU s per content s ` +
        `(${wallSeconds.toFixed(1)} s wall, ${(CONTENT_SECONDS / wallSeconds).toFixed(2)}x real time, ${written} files); load ${loadAverage()}`,
    );
    return perContentSecond;
  } finally {
    await rm(liveDir, { recursive: true, force: true });
  }
}

const source = cameraFlv();
console.log(`load average before: ${loadAverage()} on ${availableParallelism()} cores; ${CONTENT_SECONDS} s of 1080p30 from ${source}, ${RUNS} runs each, interleaved`);
const figures: Record<Variant, number[]> = { all: [], "hls-ts": [], "all-low": [] };
for (let run = 0; run < RUNS; run++) for (const variant of variants) figures[variant].push(await ladderRun(source, variant));
const hlsTs = median(figures["hls-ts"]);
for (const variant of variants)
  console.log(`ladder CPU, ${variant}: median ${median(figures[variant]).toFixed(3)} CPU s per content s (${figures[variant].map((value) => value.toFixed(3)).join(", ")})`);
for (const variant of variants.filter((name) => name !== "hls-ts")) {
  const ratio = median(figures[variant]) / hlsTs;
  console.log(`${variant} / hls-ts: ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}%; target within 10%: ${Math.abs(ratio - 1) <= 0.1 ? "met" : "missed"})`);
}
