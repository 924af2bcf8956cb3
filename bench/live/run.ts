/**
 * The live ladder on this machine: (a) how much faster than real time one ffmpeg transcodes 1080p30 to the whole
 * ladder, and what share of the machine it takes; (b) glass-to-glass latency, from the moment a camera starts
 * pushing to the first segment listed in every live variant playlist, plus one segment (what a player needs buffered).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { flvInput } from "@visionstream/local/medialive/ladder-args";
import { parseMediaPlaylist } from "@visionstream/local/medialive/media-playlist";
import { pushFlv } from "@visionstream/local/testing/medialive";
import { startTranscoder } from "@visionstream/local/medialive/transcoder";
import { CAMERA_SECONDS, cameraSource, clockTicks, loadAverage, median } from "../common.ts";

const RUNS = 3;
const SOURCE_SECONDS = CAMERA_SECONDS;
const ladder = DEFAULT_LADDER;
const cores = availableParallelism();

/** CPU seconds of the children this process has reaped (cutime + cstime of /proc/self/stat). */
async function reapedChildrenCpuSeconds(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / clockTicks;
}

async function ladderSpeedRun(source: string) {
  const liveDir = await mkdtemp(join(tmpdir(), "visionstream-bench-live-"));
  try {
    const cpuBefore = await reapedChildrenCpuSeconds();
    const started = performance.now();
    const transcoder = startTranscoder({ ladder, input: { args: ["-i", source] }, liveDir, startNumber: 1, discontinuity: false });
    const exit = await transcoder.exited;
    const wallSeconds = (performance.now() - started) / 1000;
    if (exit.code !== 0) throw new Error(`ffmpeg exited with ${exit.code}: ${exit.stderrTail}`);
    const cpuSeconds = (await reapedChildrenCpuSeconds()) - cpuBefore;
    const run = {
      speed: SOURCE_SECONDS / wallSeconds,
      machineShare: cpuSeconds / wallSeconds / cores,
      realTimeShare: cpuSeconds / SOURCE_SECONDS / cores,
      ffmpegSpeed: transcoder.progress().speed,
    };
    console.log(
      `  run: ${wallSeconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU -> ${run.speed.toFixed(2)}x (ffmpeg says ${run.ffmpegSpeed}x), ` +
        `${(run.machineShare * 100).toFixed(0)}% of ${cores} cores`,
    );
    return run;
  } finally {
    await rm(liveDir, { recursive: true, force: true });
  }
}

async function glassToGlassRun() {
  const liveDir = await mkdtemp(join(tmpdir(), "visionstream-bench-live-"));
  const camera = pushFlv({ seconds: 30, realtime: true });
  const pushStarted = performance.now();
  const transcoder = startTranscoder({
    ladder,
    input: flvInput(),
    stdin: camera.stdout ?? undefined,
    liveDir,
    startNumber: 1,
    discontinuity: false,
  });
  try {
    const listed = new Set<string>();
    while (listed.size < ladder.renditions.length) {
      if (transcoder.process.exitCode !== null) throw new Error(`ffmpeg ended early: ${(await transcoder.exited).stderrTail}`);
      for (const { name } of ladder.renditions) {
        const text = await readFile(join(liveDir, name, "index.m3u8"), "utf8").catch(() => undefined);
        if (text && parseMediaPlaylist(text).segments.length > 0) listed.add(name);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const firstListedSeconds = (performance.now() - pushStarted) / 1000;
    const latency = firstListedSeconds + ladder.segmentSeconds;
    console.log(`  run: first segment listed on every rendition after ${firstListedSeconds.toFixed(2)} s -> ${latency.toFixed(2)} s`);
    return latency;
  } finally {
    camera.kill("SIGKILL");
    await transcoder.stop();
    await rm(liveDir, { recursive: true, force: true });
  }
}

const source = cameraSource();
console.log(`load average before: ${loadAverage()} on ${cores} cores`);
console.log(`(a) ladder speed, ${SOURCE_SECONDS} s of 1080p30 from ${source}, preset superfast:`);
const speedRuns = [];
for (let run = 0; run < RUNS; run++) speedRuns.push(await ladderSpeedRun(source));
console.log("(b) glass-to-glass, camera pushing FLV in real time:");
const latencies = [];
for (let run = 0; run < RUNS; run++) latencies.push(await glassToGlassRun());
console.log(`load average after: ${loadAverage()}`);

const speed = median(speedRuns.map((run) => run.speed));
const machineShare = median(speedRuns.map((run) => run.machineShare));
const realTimeShare = median(speedRuns.map((run) => run.realTimeShare));
console.log(`one live channel at real time needs ${(realTimeShare * 100).toFixed(0)}% of the machine (CPU seconds per media second / cores)`);
console.log(`ladder speed: ${speed.toFixed(2)}x real time (median of ${RUNS}), CPU ${(machineShare * 100).toFixed(0)}% of the machine`);
console.log(`glass-to-glass: ${median(latencies).toFixed(1)} s (median of ${RUNS})`);
