/**
 * The ladder's x264 preset, speed against quality. For the channel's preset and its neighbours, the channel's one
 * ffmpeg (ladderArguments() through startTranscoder, every format, as a channel runs it) transcodes a pre-rendered
 * 1080p30 scene with detail and motion, read as fast as it can from an FLV file, as RTMP delivers it. Speed: content
 * seconds per wall second (x real time) and ffmpeg's CPU seconds per content second, median of RUNS, the presets
 * interleaved so that a noisy machine weighs on each alike. Quality: each rung's HLS-TS segments of the first run,
 * against the source put through the ladder's own fps and bilinear scale to the rung (so the figure is what the encoder
 * lost at the ladder's bitrate), on the picture only (a 4:3 rung's letterbox bars are left out): ffmpeg's ssim and
 * psnr filters, luma (Y).
 *
 *   npx tsx bench/live/ladder-quality.ts     # CONTENT_SECONDS=20 RUNS=3 PRESETS=ultrafast,superfast,veryfast,faster;
 *                                            # KEEP=1 leaves the kept segments in the temporary folder
 *
 * The speeds mean something on a quiet machine only (load average below 0.5 before the run, printed): the bench waits
 * for the load it made itself, rendering the scene the first time, to die down.
 *
 * The scene (made once, kept in the temporary folder): a 2x2 mosaic, each quarter moving, under temporal grain:
 * testsrc2 panning (text, colour bars, moving shapes), a scrolling rule-110 automaton (fine texture), a Sierpinski
 * carpet in motion and a Mandelbrot zoom, at a contribution encoder's quality (x264 CRF 18, at most 20 Mb/s).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, linkSync, mkdirSync, readdirSync, watch } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { DEFAULT_LADDER, type Rendition } from "@visionstream/core/channels/ladder";
import { flvInput, ladderArguments, SEGMENT_PATTERN, X264_PRESETS, type X264Preset } from "@visionstream/local/medialive/ladder-args";
import { startTranscoder } from "@visionstream/local/medialive/transcoder";
import { z } from "zod";
import { clockTicks, keptMedia, loadAverage, median } from "../common.ts";

const Settings = z.object({
  CONTENT_SECONDS: z.coerce.number().int().min(2).default(20),
  RUNS: z.coerce.number().int().positive().default(3),
  PRESETS: z
    .string()
    .default("ultrafast,superfast,veryfast,faster")
    .transform((list) => list.split(","))
    .pipe(z.array(z.enum(X264_PRESETS)).min(1)),
});
const { CONTENT_SECONDS, RUNS, PRESETS } = Settings.parse(process.env);
const ladder = DEFAULT_LADDER;
/** The preset a channel runs (ladderArguments() unless told otherwise): the CPU ratios are against it. */
const CHANNEL_PRESET = (() => {
  const args = ladderArguments({ ladder, input: flvInput(), liveDir: tmpdir(), startNumber: 1, discontinuity: false });
  return args[args.indexOf("-preset") + 1] as X264Preset;
})();
const SOURCE = { width: 1920, height: 1080, fps: 30 };
const SEGMENT = new RegExp(`^${SEGMENT_PATTERN.replace("%05d", "(\\d{5})").replace(".", "\\.")}$`);

class QualityNotMeasured extends Error {
  override name = "QualityNotMeasured";
}

function sceneSource(): string {
  const half = { width: SOURCE.width / 2, height: SOURCE.height / 2 };
  const size = `${half.width}x${half.height}`;
  const rate = SOURCE.fps;
  const scene = [
    `testsrc2=size=${half.width * 1.5}x${half.height * 1.5}:rate=${rate},` +
      `crop=w=${half.width}:h=${half.height}:x='${half.width / 4}*(1+sin(t*0.9))':y='${half.height / 4}*(1+sin(t*0.6+1))'[pan]`,
    `cellauto=rule=110:size=${half.width / 3}x${half.height / 3}:rate=${rate}:random_fill_ratio=0.5:random_seed=7,scale=${size}:flags=bicubic[texture]`,
    `sierpinski=size=${size}:rate=${rate}:seed=3:jump=4[carpet]`,
    `mandelbrot=size=${size}:rate=${rate}:maxiter=256:end_scale=0.01:end_pts=600[zoom]`,
    `[pan][texture][carpet][zoom]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0,noise=alls=4:allf=t,format=yuv420p`,
  ].join(";");
  const name = `ladder-scene-${CONTENT_SECONDS}s-1080p30`;
  const mkv = keptMedia(`${name}.mkv`, (file) => [
    "-filter_complex", scene, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(CONTENT_SECONDS),
    "-c:v", "libx264", "-preset", "fast", "-crf", "18", "-maxrate", "20M", "-bufsize", "40M", "-g", String(rate * 2),
    "-c:a", "aac", "-b:a", "192k", file,
  ]);
  return keptMedia(`${name}.flv`, (file) => ["-i", mkv, "-c", "copy", "-f", "flv", file]);
}

/** CPU seconds of the children this process has reaped (cutime + cstime of /proc/self/stat). */
async function reapedChildrenCpuSeconds(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / clockTicks;
}

/**
 * Hard links to every segment the ladder writes, as soon as it is in place, so that the HLS muxer's delete_segments
 * (a live window of ten) takes none from the quality measurement.
 */
function keepSegments(liveDir: string, keptDir: string) {
  const folders = ladder.renditions.map(({ name }) => {
    const from = join(liveDir, name);
    const to = join(keptDir, name);
    mkdirSync(to, { recursive: true });
    const keep = (file: string) => {
      if (!SEGMENT.test(file)) return;
      try {
        linkSync(join(from, file), join(to, file));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "EEXIST") throw error;
      }
    };
    return { watcher: watch(from, (_event, file) => file && keep(file)), sweep: () => readdirSync(from).forEach(keep) };
  });
  return {
    close() {
      for (const { watcher, sweep } of folders) {
        watcher.close();
        sweep();
      }
    },
  };
}

interface SpeedRun {
  speed: number;
  cpuPerContentSecond: number;
}

async function ladderRun(source: string, preset: X264Preset, keptDir: string): Promise<SpeedRun> {
  const liveDir = await mkdtemp(join(tmpdir(), "visionstream-bench-ladder-"));
  try {
    for (const { name } of ladder.renditions) mkdirSync(join(liveDir, name), { recursive: true });
    const kept = keepSegments(liveDir, keptDir);
    const loadBefore = loadAverage();
    const cpuBefore = await reapedChildrenCpuSeconds();
    const started = performance.now();
    const transcoder = startTranscoder({ ladder, input: flvInput(source), liveDir, startNumber: 1, discontinuity: false, preset });
    const exit = await transcoder.exited;
    const wallSeconds = (performance.now() - started) / 1000;
    kept.close();
    if (exit.code !== 0) throw new Error(`ffmpeg (${preset}) exited with ${exit.code}: ${exit.stderrTail}`);
    const cpuSeconds = (await reapedChildrenCpuSeconds()) - cpuBefore;
    const run = { speed: CONTENT_SECONDS / wallSeconds, cpuPerContentSecond: cpuSeconds / CONTENT_SECONDS };
    console.log(
      `  ${preset.padEnd(9)}: ${wallSeconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU s -> ${run.speed.toFixed(2)}x real time ` +
        `(ffmpeg says ${transcoder.progress().speed}x), ${run.cpuPerContentSecond.toFixed(3)} CPU s per content s; load before ${loadBefore}`,
    );
    return run;
  } finally {
    await rm(liveDir, { recursive: true, force: true });
  }
}

/** The pictures of the file's first video stream: how many, and their bytes (an MPEG-TS packet's side data prints an empty line). */
function videoPackets(file: string) {
  const sizes = execFileSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=size", "-of", "csv=p=0", file], { maxBuffer: 64 * 1024 * 1024 })
    .toString()
    .split("\n")
    .filter((line) => /^\d+/.test(line))
    .map((line) => Number.parseInt(line, 10));
  return { frames: sizes.length, bytes: sizes.reduce((total, size) => total + size, 0) };
}

/** Where the picture sits in the rung, as the ladder's scale (force_original_aspect_ratio=decrease) and pad put it. */
function pictureArea({ width, height }: Rendition) {
  const pictureWidth = Math.min(width, Math.round((height * SOURCE.width) / SOURCE.height));
  const pictureHeight = Math.min(height, Math.round((width * SOURCE.height) / SOURCE.width));
  const even = (value: number) => Math.floor(value / 2) * 2;
  return { width: pictureWidth, height: pictureHeight, x: even((width - pictureWidth) / 2), y: even((height - pictureHeight) / 2) };
}

interface RungQuality {
  ssim: number;
  psnrDb: number;
  /** The rung's encoded picture, in kb/s of content. */
  videoKbps: number;
}

async function rungQuality(source: string, sourceFrames: number, keptDir: string, rendition: Rendition): Promise<RungQuality> {
  const folder = join(keptDir, rendition.name);
  const segments = readdirSync(folder).filter((file) => SEGMENT.test(file)).sort();
  const numbers = segments.map((file) => Number(SEGMENT.exec(file)?.[1]));
  if (numbers.some((number, i) => number !== i + 1)) throw new QualityNotMeasured(`${rendition.name}: segments missing (${numbers.join(",")})`);
  const rung = join(keptDir, `${rendition.name}.ts`);
  // One stream per segment: a pipeline into one long-lived stream (end: false) leaves its listeners on it, segment after segment.
  await writeFile(rung, "");
  for (const segment of segments) await pipeline(createReadStream(join(folder, segment)), createWriteStream(rung, { flags: "a" }));
  const { frames, bytes } = videoPackets(rung);
  // ffmpeg starts the picture with the sound, repeating the first picture (measured: the repeat is first, the rest pairs
  // one to one), so the encoded pictures pair with the source's by index once the repeats are left out.
  const repeats = frames - sourceFrames;
  if (repeats < 0 || repeats > 2) throw new QualityNotMeasured(`${rendition.name}: ${frames} pictures encoded for ${sourceFrames} in the source`);

  const area = pictureArea(rendition);
  const byIndex = `settb=1/${rendition.fps},setpts=N`;
  const graph = [
    `[0:v]trim=start_frame=${repeats},crop=${area.width}:${area.height}:${area.x}:${area.y},${byIndex}[encoded]`,
    `[1:v]fps=${rendition.fps},scale=${area.width}:${area.height}:flags=bilinear,format=yuv420p,${byIndex},split[reference1][reference2]`,
    `[encoded][reference1]ssim[checked]`,
    `[checked][reference2]psnr[out]`,
  ].join(";");
  const ffmpeg = spawnSync("ffmpeg", ["-hide_banner", "-nostdin", "-nostats", "-i", rung, ...flvInput(source).args, "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ssim = /SSIM Y:([\d.]+)/.exec(ffmpeg.stderr)?.[1];
  const psnr = /PSNR y:([\d.]+|inf)/.exec(ffmpeg.stderr)?.[1];
  if (ffmpeg.status !== 0 || !ssim || !psnr) throw new QualityNotMeasured(`${rendition.name}: ffmpeg exited with ${ffmpeg.status}: ${ffmpeg.stderr.slice(-2_000)}`);
  return { ssim: Number(ssim), psnrDb: Number(psnr), videoKbps: (bytes * 8) / 1000 / CONTENT_SECONDS };
}

const QUIET_LOAD = 0.5;
const oneMinuteLoad = () => loadavg()[0] ?? Number.POSITIVE_INFINITY;

/** Waits (3 minutes at most) for the load this process made, rendering the scene, to die down. */
async function settle() {
  const deadline = performance.now() + 180_000;
  if (oneMinuteLoad() >= QUIET_LOAD) console.log(`waiting for the load average to fall below ${QUIET_LOAD} again ...`);
  while (oneMinuteLoad() >= QUIET_LOAD && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5_000));
}

const quietBeforeScene = oneMinuteLoad() < QUIET_LOAD;
const source = sceneSource();
if (quietBeforeScene) await settle();
const sourceFrames = videoPackets(source).frames;
const keptRoot = await mkdtemp(join(tmpdir(), "visionstream-bench-ladder-kept-"));
const load = loadAverage();
const quiet = oneMinuteLoad() < QUIET_LOAD;
console.log(`load average before: ${load} on ${availableParallelism()} cores${quiet ? "" : ` (not a quiet machine, ${QUIET_LOAD} or more: the speeds are measured under load)`}`);
console.log(`${CONTENT_SECONDS} s of 1080p30 (${sourceFrames} pictures) from ${source}, ${RUNS} runs per preset, interleaved:`);
try {
  const speeds = new Map<X264Preset, SpeedRun[]>(PRESETS.map((preset) => [preset, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const preset of PRESETS) {
      const keptDir = join(keptRoot, `${preset}-${run}`);
      speeds.get(preset)?.push(await ladderRun(source, preset, keptDir));
      if (run > 0) await rm(keptDir, { recursive: true, force: true });
    }
  }
  console.log(`load average after the speed runs: ${loadAverage()}; quality of each preset's first run ...`);
  const qualities = new Map<X264Preset, RungQuality[]>();
  for (const preset of PRESETS) {
    const keptDir = join(keptRoot, `${preset}-0`);
    const rungs: RungQuality[] = [];
    for (const rendition of ladder.renditions) rungs.push(await rungQuality(source, sourceFrames, keptDir, rendition));
    qualities.set(preset, rungs);
    await rm(keptDir, { recursive: true, force: true });
  }

  const column = 26;
  const header = ladder.renditions.map((rendition) => `${rendition.name} at ${rendition.videoBitrateKbps}k`.padEnd(column));
  console.log(`quality at the ladder's bitrates: SSIM Y, PSNR Y, video kb/s as encoded (against the source scaled to the rung, picture only)`);
  console.log(`${"preset".padEnd(10)}| ${header.join(" | ")}`);
  for (const preset of PRESETS) {
    const cells = (qualities.get(preset) ?? []).map(({ ssim, psnrDb, videoKbps }) =>
      `${ssim.toFixed(4)} ${psnrDb.toFixed(2).padStart(5)} dB ${videoKbps.toFixed(0).padStart(5)}k`.padEnd(column),
    );
    console.log(`${preset.padEnd(10)}| ${cells.join(" | ")}`);
  }
  const reference = speeds.get(CHANNEL_PRESET);
  const referenceCpu = reference ? median(reference.map((run) => run.cpuPerContentSecond)) : Number.NaN;
  console.log(`ladder speed per preset, median of ${RUNS} (load average before: ${load}${quiet ? ", quiet" : ", NOT quiet"}):`);
  for (const preset of PRESETS) {
    const runs = speeds.get(preset) ?? [];
    const cpu = median(runs.map((run) => run.cpuPerContentSecond));
    const against = reference ? `, CPU ${(cpu / referenceCpu).toFixed(2)}x ${CHANNEL_PRESET}'s` : "";
    const label = preset === CHANNEL_PRESET ? `${preset} (channel's)` : preset;
    console.log(`  ${label.padEnd(21)}: ${median(runs.map((run) => run.speed)).toFixed(2)}x real time, ${cpu.toFixed(3)} CPU s per content s${against}`);
  }
} finally {
  if (!process.env.KEEP) await rm(keptRoot, { recursive: true, force: true });
}
