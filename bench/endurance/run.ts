/**
 * Hours on air. `--minutes N`: `visionstream start` in a process of its own, one RTMP_PUSH channel on the default
 * (1080p) ladder pushed in real time by ffmpeg (bench/load's camera: a moving test picture with tone) for N minutes,
 * then stop → READY: assembly time, the MP4's duration against what was pushed, its decode errors. Soak mode
 * (`--hours H --viewers 50 --switcher`): the same channel with HLS viewers pulling it through the CDN with signed URLs,
 * and a switcher with two SRT ingests taking the other one every 30 s while ffmpeg decodes its live output. Every
 * minute one line: the runtime's and the CDN's RSS and descriptors, segments missed, switch decode errors; at the end
 * their growth from minute 10, then the stop → READY figures.
 */
import { fork } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { LocalLayout } from "@visionstream/local/account-infrastructure";
import { eventually } from "@visionstream/local/testing/runtime";
import { pushCamera } from "../load/camera.ts";
import { cameraSource, loadAverage } from "../common.ts";
import { mp4Figures, stopToReady } from "./recording.ts";
import { activeAccountOf, startRuntimeProcess } from "./runtime-process.ts";
import type { ProcessFigures } from "./proc.ts";
import { startSwitcherSoak, type SwitcherTally } from "./switcher.ts";
import type { ViewerTally } from "./viewers.ts";

const Args = z
  .object({
    minutes: z.coerce.number().positive().optional(),
    hours: z.coerce.number().positive().optional(),
    viewers: z.coerce.number().int().nonnegative().default(0),
    switcher: z.boolean().default(false),
  })
  .refine((args) => (args.minutes === undefined) !== (args.hours === undefined), { message: "give --minutes or --hours (one of them)", path: ["minutes"] });
const { values } = parseArgs({
  options: { minutes: { type: "string" }, hours: { type: "string" }, viewers: { type: "string" }, switcher: { type: "boolean" } },
  strict: true,
});
const args = Args.parse(values);
const pushSeconds = Math.round(args.minutes !== undefined ? args.minutes * 60 : args.hours! * 3600);

// Ports 30400-30499 are this benchmark's: below Linux's ephemeral range (32768-60999), which connections elsewhere take.
const PORTS = { apiPort: 30401, cdnPort: 30403, whipPort: 30405, rtmpPort: 30411, rtpPort: 30421, srtPort: 30441 };
const SWITCHER_PORTS = { ingests: [30461, 30463] as [number, number], outputs: [30471, 30473] as [number, number] };
const SWITCH_EVERY_MS = 30_000;
/** RSS and descriptors are compared from this minute on: what the first minutes fill (caches, pools) is not growth. */
const SETTLED_MINUTE = 10;
/** The channel's signed playback query lives an hour; viewers are given a new one well before. */
const QUERY_REFRESH_MS = 20 * 60_000;

/** A log entry's details on one line, an ffmpeg stderr tail reduced to its last line. */
function describe(details: Record<string, unknown>): string {
  const { stderrTail, ...rest } = details;
  const lastLine = typeof stderrTail === "string" ? stderrTail.trim().split("\n").at(-1) : undefined;
  return JSON.stringify({ ...rest, ...(lastLine ? { stderrTail: `…${lastLine}` } : {}) }).slice(0, 400);
}

const whole = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "-" : value.toFixed(0));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The camera's file is rendered (once, kept) before the runtime starts: rendering it blocks this process for a minute,
// and an API connection left idle that long is closed by the server while this process cannot see it ("other side
// closed" on the next request, which ended two runs in their first minute).
cameraSource();
const dataDir = await mkdtemp(join(tmpdir(), "visionstream-endurance-"));
let startedAt = performance.now();
const runtime = await startRuntimeProcess(dataDir, PORTS, (warning) =>
  console.log(`  runtime ${warning.level} at minute ${((performance.now() - startedAt) / 60_000).toFixed(1)}: ${warning.message} ${describe(warning.details)}`),
);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.log(`${signal}: stopping the runtime ...`);
    void runtime.stop().finally(() => rm(dataDir, { recursive: true, force: true }).finally(() => process.exit(130)));
  });

interface MinuteSample {
  minute: number;
  runtime?: ProcessFigures;
  cdn?: ProcessFigures;
}

const figures: string[] = [];
try {
  console.log(
    `visionstream start (pid ${runtime.pid}) answered in ${runtime.startSeconds.toFixed(1)} s: API ${runtime.apiUrl}; load average ${loadAverage()} on ${availableParallelism()} cores`,
  );
  const { accountId, apiKey, call } = await activeAccountOf(runtime, "endurance");

  const channel = (await call("POST", "/channels", { name: "endurance", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] })).body.channel;
  await call("POST", `/channels/${channel.id}/start`);
  await eventually(async () => ((await call("GET", `/channels/${channel.id}`)).body.channel.state === "RUNNING" ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
  const { url, streamKey } = channel.ingest[0];
  const pushStarted = performance.now();
  startedAt = pushStarted;
  const camera = pushCamera(`${url}/${streamKey}`, pushSeconds);
  const pushed = new Promise<number | null>((resolve) => camera.once("exit", (code) => resolve(code)));
  console.log(`pushing ${pushSeconds} s of 1080p30 (12 Mb/s, moving test picture with tone) in real time to channel ${channel.id}`);

  let viewerTally: ViewerTally | undefined;
  let viewers: ReturnType<typeof fork> | undefined;
  let viewersDone: Promise<void> | undefined;
  let refresher: NodeJS.Timeout | undefined;
  if (args.viewers > 0) {
    // The way in is live once a player could start: three segments listed.
    const playback = await eventually(
      async () => {
        const answer = (await call("GET", `/channels/${channel.id}/playback`)).body as { hlsUrl: string; query: string };
        const master = await fetch(`${answer.hlsUrl}?${answer.query}`).catch(() => undefined);
        const variant = master?.ok ? /^[^#\s].*$/m.exec(await master.text())?.[0] : undefined;
        if (!variant) return undefined;
        const media = await fetch(`${new URL(variant, answer.hlsUrl)}?${answer.query}`).catch(() => undefined);
        return media?.ok && ((await media.text()).match(/^#EXTINF/gm)?.length ?? 0) >= 3 ? answer : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    viewers = fork(join(import.meta.dirname, "viewers.ts"), [
      JSON.stringify({ hlsUrl: playback.hlsUrl, query: playback.query, viewers: args.viewers, joinSeconds: 10, requestTimeoutMs: 10_000, tallyEveryMs: 5_000 }),
    ], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    viewers.on("message", (message) => void (viewerTally = message as ViewerTally));
    viewersDone = new Promise((resolve) => viewers!.once("exit", () => resolve()));
    refresher = setInterval(() => {
      call("GET", `/channels/${channel.id}/playback`)
        .then((answer) => {
          if (answer.status !== 200) throw new Error(`answered ${answer.status}`);
          if (viewers?.connected) viewers.send({ query: answer.body.query });
        })
        .catch((error: Error) => console.log(`  a new signed query for the viewers was refused: ${error.message}`));
    }, QUERY_REFRESH_MS);
    console.log(`${args.viewers} HLS viewers joining within 10 s, through the CDN with signed URLs`);
  }

  const switcher = args.switcher
    ? await startSwitcherSoak({ api: runtime.api, apiKey, accountId, dataDir, ports: SWITCHER_PORTS, everyMs: SWITCH_EVERY_MS })
    : undefined;
  if (switcher) console.log(`switcher ${switcher.switcherId}: two SRT ingests, a clean switch to the other every ${SWITCH_EVERY_MS / 1000} s, its live output decoded by ffmpeg`);

  const samples: MinuteSample[] = [];
  const header = "minute  runtime RSS MB  CDN RSS MB  runtime fds  CDN fds  segments missed  switch decode errors  load";
  console.log(header);
  let ended = false;
  void pushed.then(() => (ended = true));
  for (let minute = 1; !ended; minute++) {
    const due = pushStarted + minute * 60_000;
    while (!ended && performance.now() < due) await sleep(Math.min(1_000, due - performance.now()));
    if (ended) break;
    const sample: MinuteSample = { minute, runtime: runtime.runtime(), cdn: runtime.cdn() };
    samples.push(sample);
    const switched = switcher?.tally();
    console.log(
      [
        String(minute).padStart(6),
        whole(sample.runtime?.rssMb).padStart(14),
        whole(sample.cdn?.rssMb).padStart(11),
        whole(sample.runtime?.fds).padStart(12),
        whole(sample.cdn?.fds).padStart(8),
        (viewerTally ? String(viewerTally.missed) : "-").padStart(16),
        (switched ? String(switched.decodeErrors) : "-").padStart(21),
        ` ${loadAverage().split(" ")[0]}`,
      ].join(" "),
    );
  }
  const pushCode = await pushed;
  const pushedWallSeconds = (performance.now() - pushStarted) / 1000;
  if (pushCode !== 0) console.log(`the camera's ffmpeg exited with ${pushCode} after ${pushedWallSeconds.toFixed(0)} s`);

  clearInterval(refresher);
  if (viewers?.connected) viewers.send({ stop: true });
  await viewersDone;
  const switched: SwitcherTally | undefined = switcher?.tally();
  await switcher?.stop();

  const ready = await stopToReady(call, channel.id);
  const mp4 = join(new LocalLayout(dataDir).bucketDir(`visionstream-local-${accountId}`), "vod", `${ready.recording.id}.mp4`);
  const size = (await stat(mp4)).size;
  console.log(`checking ${mp4} (${(size / 1e6).toFixed(0)} MB): ffprobe, then ffmpeg -v error decoding it whole ...`);
  const checked = await mp4Figures(mp4);
  console.log(`load average at the end: ${loadAverage()}`);

  if (samples.length > 0) {
    const last = samples.at(-1)!;
    const settled = samples.find((sample) => sample.minute === SETTLED_MINUTE) ?? samples[0]!;
    const growth = (pick: (sample: MinuteSample) => number | undefined) => {
      const from = pick(settled);
      const to = pick(last);
      return from === undefined || to === undefined ? "-" : `${from.toFixed(0)} -> ${to.toFixed(0)} (${(((to - from) / from) * 100).toFixed(1)} %)`;
    };
    figures.push(
      `growth from minute ${settled.minute} to the end (minute ${last.minute}; target <= 10 %): runtime RSS ${growth((s) => s.runtime?.rssMb)} MB, CDN RSS ${growth((s) => s.cdn?.rssMb)} MB, ` +
        `runtime fds ${growth((s) => s.runtime?.fds)}, CDN fds ${growth((s) => s.cdn?.fds)}` +
        (settled.minute !== SETTLED_MINUTE ? ` (a short run: compared from minute ${settled.minute}, not ${SETTLED_MINUTE})` : ""),
    );
  }
  if (viewerTally) {
    const watched = viewerTally;
    figures.push(
      `HLS viewers: ${args.viewers} for ${(pushedWallSeconds / 60).toFixed(1)} min, ${watched.segments} segments (${(watched.bytes / 1e9).toFixed(2)} GB), ` +
        `segments missed ${watched.missed} (target 0; ${watched.failedSegments} failed fetches), ${watched.playlistErrors} playlist errors, ${watched.retries} requests sent again on a new connection, signed query renewed ${watched.queriesRenewed} times` +
        (watched.errorSamples.length ? `; such as ${watched.errorSamples.join(", ")}` : ""),
    );
  }
  if (switched) {
    figures.push(
      `switcher: ${switched.switches} clean switches (${switched.failedSwitches} refused), live output decode errors ${switched.decodeErrors} (target 0; ` +
        `${switched.joinErrors} more before the receiver's first picture, ${switched.decoderRestarts} receiver reconnects)` +
        (switched.samples.length ? `; such as ${switched.samples.join(" | ")}` : ""),
    );
  }
  const warnings = runtime.warnings();
  const byMessage = new Map<string, number>();
  for (const warning of warnings) byMessage.set(`${warning.level} ${warning.message}`, (byMessage.get(`${warning.level} ${warning.message}`) ?? 0) + 1);
  figures.push(`runtime warnings and errors: ${warnings.length}${byMessage.size ? ` (${[...byMessage].map(([message, count]) => `${count} × ${message}`).join(", ")})` : ""}`);
  figures.push(
    `stop -> READY: STOPPED ${(ready.stoppedAfterMs / 1000).toFixed(1)} s after the stop call, READY ${(ready.readyAfterStoppedMs / 1000).toFixed(1)} s after STOPPED (assembly, target <= 10 s)`,
  );
  figures.push(
    `MP4: ${checked.durationSeconds.toFixed(2)} s for ${pushSeconds} s pushed (${(checked.durationSeconds - pushSeconds >= 0 ? "+" : "")}${(checked.durationSeconds - pushSeconds).toFixed(2)} s, target within 1 s; ` +
      `recording says ${((ready.recording.durationMs ?? 0) / 1000).toFixed(2)} s, gaps ${JSON.stringify(ready.recording.gaps)}), ${(size / 1e6).toFixed(0)} MB; ` +
      `decode errors ${checked.decodeErrors} (target 0), timestamp errors ${checked.timestampErrors} (DTS not increasing; video DTS steps ${checked.video.minMs.toFixed(1)}..${checked.video.maxMs.toFixed(1)} ms, median ${checked.video.medianMs.toFixed(1)} ms, ${checked.video.uneven} of ${checked.video.frames} frames off it by over 1 ms)${checked.samples.length ? `: ${checked.samples.join(" | ")}` : ""}`,
  );
} catch (error) {
  const { exited, lines } = runtime.lastWords();
  console.log(`the bench failed with the runtime ${exited === null ? "still running" : `gone (${exited})`}; its last lines:\n${lines}`);
  throw error;
} finally {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
}
for (const line of figures) console.log(line);
