/**
 * Recordings on this machine: how long the local VOD assembler takes to join a 10-minute recording's highest
 * rendition (1080p30 H.264 ~5 Mb/s + AAC 192 kb/s, 300 segments of 2 s) into one MP4, from assemble() to the
 * COMPLETE event on the bus, the part of STOPPED → READY that grows with the recording. `--segments <dir>`: the
 * segments of a real recording instead (a rendition's folder kept from a bench/endurance channel, say), linked in. Signing their playback URLs
 * is measured by bench/signing/run.ts, on distinct URLs and expiries against the machine's own sign rates.
 */
import { existsSync } from "node:fs";
import { copyFile, link, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { AssemblyRequest } from "@visionstream/core";
import { MediaConvertJobStateChange, MediaConvertJobStateChangePattern } from "@visionstream/events";
import { loadAverage, median } from "../common.ts";

// The bus logs every event it routes; the figures are what this prints.
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
const { LocalLayout } = await import("@visionstream/local/account-infrastructure");
const { LocalBus } = await import("@visionstream/local/eventbridge/bus");
const { LocalVodAssembler } = await import("@visionstream/local/mediaconvert/assembler");
const { LocalObjectStore } = await import("@visionstream/local/s3/object-store");
const { recordSegments } = await import("@visionstream/local/testing/mediaconvert");

const RUNS = Number(process.env.RUNS ?? 3);
const given = parseArgs({ options: { segments: { type: "string" } } }).values.segments;
const BUCKET = "visionstream-local-bench";
const SOURCE_PREFIX = given ? "recordings/ch-benchrecording01/session-given/1080p/" : "recordings/ch-benchrecording01/session-1/1080p/";
/** Generated segments are 2 s each; a given recording's length is its MP4's. */
let recordingSeconds = 600;
const cache = join(tmpdir(), "visionstream-bench-recording");
const layout = new LocalLayout(join(cache, "data"));


/** The recording's 1080p segments, encoded once (ultrafast: only the remux is measured) and kept for the next run. */
async function recording(): Promise<string> {
  const dir = join(layout.bucketDir(BUCKET), SOURCE_PREFIX).replace(/\/$/, "");
  if (given) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // Linked where they are on the same file system, copied where not.
    for (const name of await readdir(given)) {
      if (!name.endsWith(".ts")) continue;
      await link(join(resolve(given), name), join(dir, name)).catch((error: NodeJS.ErrnoException) =>
        error.code === "EXDEV" ? copyFile(join(resolve(given), name), join(dir, name)) : Promise.reject(error),
      );
    }
    return dir;
  }
  if (existsSync(dir)) return dir;
  const partial = `${dir}.part`;
  await rm(partial, { recursive: true, force: true });
  console.log(`generating ${recordingSeconds / 60} min of 1080p30 segments under ${dir} ...`);
  const started = performance.now();
  await recordSegments({ dir: partial, seconds: recordingSeconds, startNumber: 1, width: 1920, height: 1080, videoKbps: 5_000, audioKbps: 192 });
  await mkdir(dirname(partial), { recursive: true });
  await rename(partial, dir);
  console.log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

async function assemblyRun(run: number): Promise<number> {
  const bus = new LocalBus();
  const assembler = new LocalVodAssembler({ layout, bus });
  const store = new LocalObjectStore(layout);
  const request: AssemblyRequest = {
    recordingId: `rec-benchassembly00${run}`,
    accountId: "acc-bench",
    bucketName: BUCKET,
    sourcePrefix: SOURCE_PREFIX,
    outputKey: `vod/rec-benchassembly00${run}.mp4`,
    attempt: 1,
  };
  await store.delete(BUCKET, request.outputKey);
  const ended = new Promise<MediaConvertJobStateChange>((resolve) =>
    bus.subscribe("bench", MediaConvertJobStateChangePattern, async (event) => {
      const parsed = MediaConvertJobStateChange.parse(event);
      if (parsed.detail.status === "COMPLETE" || parsed.detail.status === "ERROR") resolve(parsed);
    }),
  );
  try {
    const started = performance.now();
    await assembler.assemble(request);
    const end = await ended;
    const seconds = (performance.now() - started) / 1000;
    if (end.detail.status !== "COMPLETE") throw new Error(`assembly failed: ${JSON.stringify(end.detail)}`);
    const output = end.detail.outputGroupDetails[0]?.outputDetails[0];
    if (given && output?.durationInMs) recordingSeconds = output.durationInMs / 1000;
    const size = (await store.size(BUCKET, request.outputKey)) ?? 0;
    console.log(
      `  run: ${seconds.toFixed(2)} s -> ${(recordingSeconds / seconds).toFixed(0)}x real time; MP4 ${((output?.durationInMs ?? 0) / 1000).toFixed(1)} s, ` +
        `${output?.videoDetails?.widthInPx}x${output?.videoDetails?.heightInPx}, ${(size / 1e6).toFixed(0)} MB`,
    );
    return seconds;
  } finally {
    await assembler.close();
    await bus.close();
    await store.delete(BUCKET, request.outputKey);
  }
}

const dir = await recording();
const segments = (await readdir(dir)).filter((name) => name.endsWith(".ts"));
let bytes = 0;
for (const name of segments) bytes += (await stat(join(dir, name))).size;
console.log(`load average before: ${loadAverage()} on ${availableParallelism()} cores`);
console.log(`assembly of ${segments.length} segments, ${(bytes / 1e6).toFixed(0)} MB${given ? ` (given: ${given})` : ""}, into one MP4:`);
const assemblySeconds: number[] = [];
for (let run = 1; run <= RUNS; run++) assemblySeconds.push(await assemblyRun(run));

console.log(`load average after: ${loadAverage()}`);

const assembly = median(assemblySeconds);
if (given) await rm(dir, { recursive: true, force: true });
console.log(
  `STOPPED → READY (assembly) for ${(recordingSeconds / 60).toFixed(1)} min of 1080p: ${assembly.toFixed(1)} s (median of ${RUNS}), ${(recordingSeconds / assembly).toFixed(0)}x real time`,
);
