/**
 * Glass-to-glass latency as a viewer sees it. A camera (ffmpeg -re; 1080p30 testsrc2 and a tone, encoded once and kept)
 * pushes RTMP into a real local channel, its frame number burnt into the picture (bench/live/frame-counter.ts); the web
 * player plays the channel in headless Chromium with its default settings, and a page script reads the number of every
 * presented frame. Frame n was captured at t0 + n/30 s, t0 the wall clock just before the camera was spawned (ffmpeg's
 * start-up counts as latency: the figures err high). One channel per mode, one after the other.
 *
 *   npx tsx bench/live/viewer-latency.ts     # MODES=normal,low (normal: HLS-TS, low: low-latency DASH), ROUNDS=1,
 *                                            # SKIP_SECONDS=10, MEASURE_SECONDS=30, VISIONSTREAM_MEDIA_NICENESS=0
 */
import "../load/quiet-logs.ts";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { CMAF_DIR, DASH_MANIFEST } from "@visionstream/local/medialive/ladder-args";
import { parseMediaPlaylist } from "@visionstream/local/medialive/media-playlist";
import { availableParallelism } from "node:os";
import { trackChild } from "@visionstream/local/child-processes";
import { DEFAULT_MEDIA_NICENESS } from "@visionstream/local/config";
import { launchChromium } from "@visionstream/local/testing/browser";
import { syntheticInputArgs } from "@visionstream/local/testing/medialive";
import { activeAccount, eventually, startTestRuntime } from "@visionstream/local/testing/runtime";
import { clockTicks, keptMedia, loadAverage, median } from "../common.ts";
import { COUNTER, type CounterSample, counterFilter, sampleCounter } from "./frame-counter.ts";

const FPS = 30;
/** The player has played this long before the measure starts (start-up, catch-up, ABR settling). */
const SKIP_SECONDS = Number(process.env.SKIP_SECONDS ?? 10);
const MEASURE_SECONDS = Number(process.env.MEASURE_SECONDS ?? 30);
/** Each mode this many times, the modes taking turns; the figures pool every frame of every round. */
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const MEDIA_NICENESS = process.env.VISIONSTREAM_MEDIA_NICENESS ? Number(process.env.VISIONSTREAM_MEDIA_NICENESS) : 0;
const MODES = {
  normal: { latency: "normal", format: "hls", target: 8 },
  low: { latency: "low", format: "dash", target: 3 },
} as const;
type ModeName = keyof typeof MODES;
const modeNames = (process.env.MODES ?? "normal,low").split(",").map((name) => name.trim()) as ModeName[];
for (const name of modeNames) if (!(name in MODES)) throw new Error(`unknown mode ${name}: one of ${Object.keys(MODES).join(", ")}`);

const percentile = (values: number[], share: number) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * share)] ?? Number.NaN;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

const CAMERA_FILE_SECONDS = 120;

/**
 * 1080p30 testsrc2 and a tone with the counter burnt in, encoded once as a camera would (x264 zerolatency, 2 s GOPs,
 * 6 Mb/s) and kept: pushed with -c copy, the camera costs no CPU beside the ladder and the browser on 2 cores.
 */
function countingCameraFile(): string {
  return keptMedia(`counting-${CAMERA_FILE_SECONDS}s-1080p30.flv`, (file) => [
    ...syntheticInputArgs({ seconds: CAMERA_FILE_SECONDS }),
    "-map", "0:v", "-map", "1:a", "-vf", counterFilter(),
    "-c:v", "libx264", "-preset", "superfast", "-tune", "zerolatency", "-g", String(2 * FPS), "-pix_fmt", "yuv420p", "-b:v", "6000k",
    "-c:a", "aac", "-b:a", "128k", "-f", "flv", file,
  ]);
}

/** The camera pushing RTMP at its own pace (-re): frame n leaves about n/30 s after ffmpeg starts reading. */
function pushCountingCamera(file: string, target: string) {
  const camera = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", file, "-c", "copy", "-f", "flv", target], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  trackChild(camera);
  return camera;
}

/** CPU ticks of this process and all its descendants (the CDN process, ffmpeg, Chromium's processes), by pid. */
function processTree(): Map<number, { name: string; ticks: number }> {
  const all = new Map<number, { parent: number; name: string; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      all.set(Number(entry), { parent: Number(fields[1]), name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone in between
    }
  }
  const tree = new Map<number, { name: string; ticks: number }>();
  const visit = (pid: number) => {
    const found = all.get(pid);
    if (!found) return;
    tree.set(pid, { name: pid === process.pid ? "bench+runtime" : found.name, ticks: found.ticks });
    for (const [child, { parent }] of all) if (parent === pid) visit(child);
  };
  visit(process.pid);
  return tree;
}

/** Cores used by each kind of process between two snapshots of the tree. */
function coresByName(before: Map<number, { name: string; ticks: number }>, after: Map<number, { name: string; ticks: number }>, wallSeconds: number) {
  const byName = new Map<string, number>();
  for (const [pid, { name, ticks }] of after) byName.set(name, (byName.get(name) ?? 0) + ticks - (before.get(pid)?.ticks ?? 0));
  return [...byName].sort((a, b) => b[1] - a[1]).map(([name, ticks]) => `${name} ${(ticks / clockTicks / wallSeconds).toFixed(2)}`).join(", ");
}

/** How much media the last rendition has listed so far (sequence numbers times segment length), and when. */
async function listed(liveDir: string) {
  const rendition = DEFAULT_LADDER.renditions.at(-1)!.name;
  const { segments } = parseMediaPlaylist(await readFile(join(liveDir, rendition, "index.m3u8"), "utf8"));
  const last = segments.at(-1);
  return { at: Date.now(), seconds: last ? (last.mediaSequence + 1) * DEFAULT_LADDER.segmentSeconds : 0 };
}

/** One channel of the mode, watched for MEASURE_SECONDS: the latency of every frame read (ms), and the ladder's pace. */
async function measureMode(name: ModeName): Promise<{ latencies: number[]; ladderPace: number }> {
  const mode = MODES[name];
  const runtime = await startTestRuntime({ mediaNiceness: MEDIA_NICENESS });
  const browser = await launchChromium();
  let camera: ReturnType<typeof pushCountingCamera> | undefined;
  try {
    const { accountId, apiKey } = await activeAccount(runtime, `latency-${name}`);
    const body = { name: `latency ${name}`, inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"], ...(mode.latency === "low" ? { latency: "low" } : {}) };
    const created = await runtime.api("POST", "/channels", { token: apiKey, json: body });
    if (created.status !== 201) throw new Error(`channel not created: ${created.status} ${JSON.stringify(created.body)}`);
    const channel = created.body.channel;
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await eventually(async () => ((await runtime.api("GET", `/channels/${channel.id}`, { token: apiKey })).body.channel.state === "RUNNING" ? true : undefined), {
      timeoutMs: 30_000,
    });
    const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: apiKey })).body;
    const playerUrl: string = mode.format === "hls" ? playback.playerUrl : playback.players?.[mode.format];
    if (!playerUrl) throw new Error(`the playback answer has no ${mode.format} player: ${JSON.stringify(playback)}`);

    const { url, streamKey } = channel.ingest[0];
    const t0 = Date.now();
    camera = pushCountingCamera(cameraFile, `${url}/${streamKey}`);
    // A viewer opens the player once the channel is on air: every rendition lists 2 segments (and DASH has its manifest).
    const account = await runtime.accounts.get(accountId);
    const liveDir = join(runtime.layout.bucketDir(account.bucketName!), "live", channel.id);
    await eventually(
      async () => {
        const counts = await Promise.all(
          DEFAULT_LADDER.renditions.map(async ({ name: rendition }) => parseMediaPlaylist(await readFile(join(liveDir, rendition, "index.m3u8"), "utf8").catch(() => "#EXTM3U")).segments.length),
        );
        const manifest = mode.format !== "dash" || existsSync(join(liveDir, CMAF_DIR, DASH_MANIFEST));
        return manifest && counts.every((count) => count >= 2) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    console.log(`  ${name}: on air ${seconds(Date.now() - t0)} s after the camera started`);
    const page = await browser.newPage();
    // As source text: tsx names functions with an __name helper that the page does not have.
    await page.addInitScript({ content: `globalThis.__name ??= (f) => f; (${sampleCounter.toString()})(${JSON.stringify(COUNTER)});` });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(playerUrl, { waitUntil: "load" });
    const playing = await page
      .waitForFunction(() => (window.counterSamples ?? []).some((sample) => sample.frame !== null), undefined, { timeout: 60_000, polling: 200 })
      .then(() => true)
      .catch(() => false);
    const state = async () =>
      page.evaluate(() => {
        const player = (window as unknown as { visionstreamPlayer?: { fatalError: string | null; format?: string; events: { type: string; detail?: string }[] } })
          .visionstreamPlayer;
        const events = player?.events ?? [];
        return {
          fatalError: player?.fatalError ?? null,
          format: player?.format,
          events: events.map((event) => event.type),
          errors: events.filter((event) => event.type === "error").map((event) => event.detail ?? ""),
        };
      });
    if (!playing) throw new Error(`the player did not show a readable frame within 60 s: ${JSON.stringify(await state())} ${pageErrors.join("; ")}`);
    const firstFrameAt = Date.now();
    console.log(`  ${name}: first readable frame ${seconds(firstFrameAt - t0)} s after the camera started; skipping ${SKIP_SECONDS} s`);
    await page.waitForTimeout(SKIP_SECONDS * 1000);
    const from = await page.evaluate(() => window.counterSamples!.length);
    const paceFrom = await listed(liveDir);
    const treeFrom = processTree();
    await page.waitForTimeout(MEASURE_SECONDS * 1000);
    const samples: CounterSample[] = await page.evaluate((start) => window.counterSamples!.slice(start), from);
    const paceTo = await listed(liveDir);
    const cores = coresByName(treeFrom, processTree(), (paceTo.at - paceFrom.at) / 1000);
    // The ladder's pace meanwhile: below 1x the machine, not the design, sets the latency.
    const ladderPace = (paceTo.seconds - paceFrom.seconds) / ((paceTo.at - paceFrom.at) / 1000);
    const { format, events, errors } = await state();

    // Reads finish asynchronously: in the order of presentation again.
    samples.sort((a, b) => a.presentedFrames - b.presentedFrames);
    const read = samples.filter((sample): sample is CounterSample & { frame: number } => sample.frame !== null);
    if (read.length < 2) throw new Error(`${name}: ${samples.length} frames presented, ${read.length} read`);
    const latencies = read.map((sample) => sample.wall - (t0 + (sample.frame / FPS) * 1000));
    const first = read[0]!;
    const last = read.at(-1)!;
    // Sanity: the number read advances 30 per second of playback (media time) and per wall second, and never goes back.
    const perMediaSecond = (last.frame - first.frame) / (last.mediaTime - first.mediaTime);
    const perWallSecond = (last.frame - first.frame) / ((last.wall - first.wall) / 1000);
    const backwards = read.slice(1).filter((sample, i) => sample.frame < read[i]!.frame).length;
    const sizes = [...new Set(read.map((sample) => `${sample.width}x${sample.height}`))];
    console.log(
      `  ${name}: player format ${format ?? "?"}, ${samples.at(-1)!.presentedFrames - samples[0]!.presentedFrames + 1} frames presented in ` +
        `${MEASURE_SECONDS} s, ${samples.length} seen, ${read.length} read ` +
        `(${samples.length - read.length} unreadable; reading took ${median(samples.map((sample) => sample.readMs)).toFixed(1)} ms a frame), pictures ${sizes.join(" ")}; frame number +${perMediaSecond.toFixed(1)} per media second, ` +
        `+${perWallSecond.toFixed(1)} per wall second, ${backwards} steps back; ladder at ${ladderPace.toFixed(2)}x real time; latency min ${seconds(Math.min(...latencies))} s, ` +
        `max ${seconds(Math.max(...latencies))} s; player events ${[...new Set(events)].join(" ")}` +
        (errors.length ? `; ${errors.length} player errors such as ${[...new Set(errors)].slice(0, 3).join(", ")}` : "") +
        `; cores used meanwhile: ${cores}`,
    );
    console.log(`  ${name}: median ${seconds(median(latencies))} s, p90 ${seconds(percentile(latencies, 0.9))} s`);
    return { latencies, ladderPace };
  } finally {
    if (camera && camera.exitCode === null) camera.kill("SIGKILL");
    await browser.close();
    await runtime.cleanup();
  }
}

console.log(
  `load average before: ${loadAverage()} on ${availableParallelism()} cores; transcoder at nice ${MEDIA_NICENESS} (visionstream start: ${DEFAULT_MEDIA_NICENESS}); ` +
    `skip ${SKIP_SECONDS} s, measure ${MEASURE_SECONDS} s`,
);
const cameraFile = countingCameraFile();
const rounds = new Map<ModeName, { latencies: number[]; ladderPace: number }[]>(modeNames.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) for (const name of modeNames) rounds.get(name)!.push(await measureMode(name));
console.log(`load average after: ${loadAverage()}`);
// A ladder below real time (a busy machine) makes the latency grow while it is measured: each round says its pace.
for (const [name, measured] of rounds) {
  const { format, target } = MODES[name];
  const pooled = measured.flatMap((round) => round.latencies);
  const perRound = measured.map((round) => `${seconds(median(round.latencies))} s at ${round.ladderPace.toFixed(2)}x`).join(", ");
  console.log(
    `glass-to-glass ${name} (${format}): median ${(median(pooled) / 1000).toFixed(1)} s, p90 ${(percentile(pooled, 0.9) / 1000).toFixed(1)} s ` +
      `(target <= ${target} s: ${median(pooled) / 1000 <= target ? "met" : "missed"}; round medians and ladder pace: ${perRound})`,
  );
}
