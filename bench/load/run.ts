/**
 * Load on 127.0.0.1, bounded in count and time, while one channel is live: (a) the API at a fixed 200 requests/s,
 * sent open loop at an even pace (bench/load/api-paced.ts): mixed playback-URL requests and reads of one account, or
 * with API_MIX=recordings recording playback URLs alone, spread over 1,000 recordings of 50 accounts; (b) 200 HLS viewers
 * pulling the channel through the signature-checking CDN; (c) the ladder's pace meanwhile, from the segments it
 * lists per wall second. The runtime runs in this process; the load comes from two child processes.
 */
import "./quiet-logs.ts";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { join } from "node:path";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { parseMediaPlaylist } from "@visionstream/local/medialive/media-playlist";
import { DEFAULT_MEDIA_NICENESS } from "@visionstream/local/config";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "@visionstream/local/testing/runtime";
import type { ApiKindFigures, Caller } from "./api-paced.ts";
import { pushCamera } from "./camera.ts";
import { watchCpu } from "./cpu-wait.ts";
import { recordingCallers } from "./recordings.ts";
import type { ViewerFigures } from "./viewers.ts";
import { childFigures, loadAverage, median } from "../common.ts";

// LOAD_SECONDS and VIEWERS may be set in the environment, to look at one part of the load alone.
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const VIEWERS = Number(process.env.VIEWERS ?? 200);
/** API requests per second, spread over the kinds below as 100:40:30:30 (or all recording playback URLs); 0 runs no API load. */
const API_RATE = Number(process.env.API_RATE ?? 200);
/** "mixed": playback URLs and reads of one account; "recordings": playback URLs of RECORDINGS recordings of ACCOUNTS accounts, each asked for in turn. */
const API_MIX = process.env.API_MIX ?? "mixed";
if (API_MIX !== "mixed" && API_MIX !== "recordings") throw new Error(`API_MIX must be mixed or recordings, not ${API_MIX}`);
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 50);
const RECORDINGS = Number(process.env.RECORDINGS ?? 1_000);
// Below Linux's ephemeral range (32768-60999), which outgoing connections take.
const PORTS = { rtmpPort: 24_601, rtpPort: 24_701, apiPort: 24_681, cdnPort: 24_683 };
/** Segments per pace window: 5 × 2 s of media. */
const PACE_WINDOW = 5;
// The load stands for viewers and apps on other machines; at nice 0 its own delays do not pass for the API's.
const CLIENT_NICENESS = Number(process.env.CLIENT_NICENESS ?? 0);
/** The transcoder's nice(1) value, as `visionstream start` reads it; `visionstream start`'s default when unset. */
const MEDIA_NICENESS = process.env.VISIONSTREAM_MEDIA_NICENESS ? Number(process.env.VISIONSTREAM_MEDIA_NICENESS) : DEFAULT_MEDIA_NICENESS;
const JOIN_SECONDS = 2;
/** The API load starts this long after the viewers, once they all watch. */
const API_AFTER_SECONDS = 5;
/** Time for the API client's process to start and warm up (its first second is not counted). */
const API_STARTUP_SECONDS = 3;
const ladder = DEFAULT_LADDER;

/** A figure in whole units, or "-" where there was nothing to measure (JSON turns NaN into null). */
const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
const whole = (value: number | null) => (value === null || Number.isNaN(value) ? "-" : value.toFixed(0));


/** When each new segment of a rendition is first listed, and how much media it holds: the ladder's pace. */
function watchPace(playlistFile: string) {
  const listed: { at: number; seconds: number }[] = [];
  let last = -1;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const text = await readFile(playlistFile, "utf8").catch(() => "");
      const at = performance.now();
      if (text.startsWith("#EXTM3U")) {
        for (const segment of parseMediaPlaylist(text).segments) {
          if (segment.mediaSequence <= last) continue;
          if (last >= 0) listed.push({ at, seconds: segment.durationSeconds });
          last = segment.mediaSequence;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      // Speed over each run of PACE_WINDOW segments: media seconds listed per wall second.
      const speeds: number[] = [];
      for (let end = PACE_WINDOW; end < listed.length; end++) {
        const media = listed.slice(end - PACE_WINDOW + 1, end + 1).reduce((sum, segment) => sum + segment.seconds, 0);
        speeds.push(media / ((listed[end]!.at - listed[end - PACE_WINDOW]!.at) / 1000));
      }
      const first = listed[0];
      const final = listed.at(-1);
      const overall =
        first && final && final !== first ? listed.slice(1).reduce((sum, segment) => sum + segment.seconds, 0) / ((final.at - first.at) / 1000) : Number.NaN;
      return { segments: listed.length, speeds, overall };
    },
  };
}

/** Our ports lie in the kernel's ephemeral range, so a connection may hold one for a moment: retry. */
async function startRuntime(attempts = 5): Promise<Awaited<ReturnType<typeof startTestRuntime>>> {
  try {
    return await startTestRuntime({ ...PORTS, mediaNiceness: MEDIA_NICENESS });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempts <= 1) throw error;
    console.log(`${(error as Error).message}; trying again in 3 s`);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    return startRuntime(attempts - 1);
  }
}

const runtime = await startRuntime();
const pushes: ReturnType<typeof pushCamera>[] = [];
const figures: string[] = [];
try {
  console.log(`runtime: API ${runtime.apiUrl}, CDN ${runtime.cdnUrl}; load average ${loadAverage()} on ${availableParallelism()} cores`);
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name: "load" } });
  const apiKey: string = created.body.apiKey;
  await eventually(async () => {
    const { body } = await runtime.api("GET", `/accounts/${created.body.account.id}`, { token: apiKey });
    return body.account.status === "ACTIVE" ? true : undefined;
  });

  const media = (await runtime.api("POST", "/media", { token: apiKey, json: { name: "clip.mp4", contentType: "video/mp4" } })).body;
  const uploaded = await fetch(media.upload.url, { method: "PUT", headers: media.upload.headers, body: new Uint8Array(64 * 1024) });
  if (uploaded.status !== 200) throw new Error(`media upload answered ${uploaded.status}`);
  await eventually(async () => ((await runtime.api("GET", `/media/${media.media.id}`, { token: apiKey })).body.media.status === "READY" ? true : undefined));

  let recordingsLoad: Caller[] | undefined;
  if (API_MIX === "recordings") {
    const started = performance.now();
    recordingsLoad = await recordingCallers(runtime, ACCOUNTS, Math.ceil(RECORDINGS / ACCOUNTS));
    console.log(`${recordingsLoad.flatMap((caller) => caller.paths).length} READY recordings of ${recordingsLoad.length} accounts stored in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }

  const channel = (await runtime.api("POST", "/channels", { token: apiKey, json: { name: "load", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] } })).body.channel;
  await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
  await eventually(async () => ((await runtime.api("GET", `/channels/${channel.id}`, { token: apiKey })).body.channel.state === "RUNNING" ? true : undefined), {
    timeoutMs: 20_000,
  });
  const { url, streamKey } = channel.ingest[0];
  pushes.push(pushCamera(`${url}/${streamKey}`, LOAD_SECONDS + 90));
  console.log(`pushing 1080p30 at 12 Mb/s in real time to ${url}/${streamKey}`);

  const account = await runtime.accounts.get(created.body.account.id);
  const liveDir = join(runtime.layout.bucketDir(account.bucketName!), "live", channel.id);
  const playlistFile = (rendition: string) => join(liveDir, rendition, "index.m3u8");
  await eventually(
    async () => {
      const counts = await Promise.all(
        ladder.renditions.map(async ({ name }) => parseMediaPlaylist(await readFile(playlistFile(name), "utf8").catch(() => "#EXTM3U")).segments.length),
      );
      return counts.every((count) => count >= 3) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  console.log(`live: every rendition lists 3 segments; load average ${loadAverage()}`);

  const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: apiKey })).body as { hlsUrl: string; query: string };
  const pace = watchPace(playlistFile(ladder.renditions[0]!.name));
  const oneAccount = (path: string): Caller[] => [{ apiKey, paths: [path] }];
  const kinds =
    recordingsLoad
      ? [{ name: "recording playback URL", callers: recordingsLoad, share: 1 }]
      : [
          { name: "channel playback URL", callers: oneAccount(`/channels/${channel.id}/playback`), share: 0.5 },
          { name: "media playback URL", callers: oneAccount(`/media/${media.media.id}/playback`), share: 0.2 },
          { name: "list channels", callers: oneAccount("/channels"), share: 0.15 },
          { name: "get channel", callers: oneAccount(`/channels/${channel.id}`), share: 0.15 },
        ];
  const paced = kinds.map(({ share, ...kind }) => ({ ...kind, rate: Math.round(API_RATE * share) }));
  const rate = paced.reduce((sum, kind) => sum + kind.rate, 0);
  console.log(`load for ${LOAD_SECONDS} s: API at ${rate} requests/s, ${VIEWERS} HLS viewers`);
  const cpuBefore = process.cpuUsage();
  const cpu = watchCpu();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((entry) => entry.duration)));
  gc.observe({ entryTypes: ["gc"] });
  // The audience joins first (within JOIN_SECONDS), then the API load runs while it watches: its figures are those
  // of a platform with 200 viewers, not of 200 players starting at once. The viewers stay until the API load ends.
  const watching = childFigures<ViewerFigures>(join(import.meta.dirname, "viewers.ts"), {
    ...playback,
    viewers: VIEWERS,
    seconds: LOAD_SECONDS + API_AFTER_SECONDS + API_STARTUP_SECONDS,
    joinSeconds: JOIN_SECONDS,
    requestTimeoutMs: 10_000,
  }, CLIENT_NICENESS);
  await new Promise((resolve) => setTimeout(resolve, API_AFTER_SECONDS * 1000));
  const [{ kinds: api, cpuSeconds: apiClientCpu, clientDelayMs }, viewers] = await Promise.all([
    childFigures<{ kinds: ApiKindFigures[]; cpuSeconds: number; clientDelayMs: { p99: number; max: number } }>(join(import.meta.dirname, "api-paced.ts"), {
      apiUrl: runtime.apiUrl,
      seconds: LOAD_SECONDS,
      kinds: paced,
      timeoutMs: 10_000,
      warmUpSeconds: 1,
    }, CLIENT_NICENESS),
    watching,
  ]);
  const runtimeCpu = process.cpuUsage(cpuBefore);
  loopDelay.disable();
  gc.disconnect();
  console.log(
    `runtime event loop delay: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, ` +
      `max ${(loopDelay.max / 1e6).toFixed(0)} ms; garbage collection: ${gcPauses.length} pauses, ${gcPauses.reduce((sum, pause) => sum + pause, 0).toFixed(0)} ms in all, ` +
      `longest ${Math.max(0, ...gcPauses).toFixed(0)} ms`,
  );
  const scheduled = cpu.stop();
  const ladderPace = await pace.stop();
  console.log(`load average after: ${loadAverage()}`);
  console.log(
    `CPU seconds during the load: runtime process (API, dynalite, bus, RTMP; the CDN has its own process) ${((runtimeCpu.user + runtimeCpu.system) / 1e6).toFixed(1)}, ` +
      `viewers ${viewers.cpuSeconds.toFixed(1)}, API client ${apiClientCpu.toFixed(1)} (children include their start)`,
  );
  console.log(
    `waiting for a core (run queue) during the load: runtime ${scheduled.runtime.waited.toFixed(1)} s (ran ${scheduled.runtime.ran.toFixed(1)} s), ` +
      `camera and transcoder ffmpeg ${scheduled.ffmpeg.waited.toFixed(1)} s (ran ${scheduled.ffmpeg.ran.toFixed(1)} s)`,
  );

  console.log(`API client's own event loop delay: p99 ${clientDelayMs.p99.toFixed(0)} ms, max ${clientDelayMs.max.toFixed(0)} ms`);
  for (const kind of api)
    console.log(
      `  ${kind.name.padEnd(22)} ${kind.perSecond.toFixed(1)}/s of ${kind.rate}/s: p50 ${ms(kind.p50)} ms, p90 ${ms(kind.p90)} ms, p99 ${ms(kind.p99)} ms, ` +
        `max ${ms(kind.max)} ms; ${kind.requests} requests, ${kind.errors} errors, ${kind.non2xx} non-2xx; ` +
        `p99 of each ${kind.p99ByWindow.seconds} s: ${kind.p99ByWindow.p99.map((p99) => ms(p99)).join(" ")} ms`,
    );
  console.log(
    `  viewers per rendition ${JSON.stringify(viewers.perRendition)}; segment GET p50 ${whole(viewers.segmentMs.p50)} ms, p99 ${whole(viewers.segmentMs.p99)} ms, ` +
      `max ${whole(viewers.segmentMs.max)} ms; playlist GET p50 ${whole(viewers.playlistMs.p50)} ms, p99 ${whole(viewers.playlistMs.p99)} ms; ` +
      `${viewers.playlists} playlist reloads, ${viewers.missed} segments missed, ${viewers.retries} requests sent again on a new connection${viewers.errorSamples.length ? `; errors such as ${viewers.errorSamples.join(", ")}` : ""}`,
  );
  console.log(`  ladder: ${ladderPace.segments} segments listed on ${ladder.renditions[0]!.name}, windows of ${PACE_WINDOW}: ${ladderPace.speeds.map((speed) => speed.toFixed(2)).join(" ")}`);

  const playbackKinds = api.filter((kind) => kind.name.includes("playback"));
  const reads = api.filter((kind) => !kind.name.includes("playback"));
  const worst = (kinds_: ApiKindFigures[], key: "p50" | "p99") => Math.max(...kinds_.map((kind) => kind[key]));
  const sum = (key: "requests" | "errors" | "non2xx") => api.reduce((total, kind) => total + kind[key], 0);
  const megabytes = viewers.bytes / 1e6;
  const recordingsKind = api.find((kind) => kind.name === "recording playback URL");
  figures.push(
    recordingsKind
      ? `API at ${rate} req/s for ${LOAD_SECONDS} s, recording playback URLs spread over ${recordingsLoad?.flatMap((caller) => caller.paths).length} recordings of ${recordingsLoad?.length} accounts: ` +
          `p50 ${ms(recordingsKind.p50)} ms, p90 ${ms(recordingsKind.p90)} ms, p99 ${ms(recordingsKind.p99)} ms (target < 50 ms), max ${ms(recordingsKind.max)} ms; ` +
          `${sum("requests")} requests, ${sum("errors")} errors, ${sum("non2xx")} non-2xx`
      : `API at ${rate} req/s for ${LOAD_SECONDS} s: playback-URL p50 ${ms(worst(playbackKinds, "p50"))} ms, p99 ${ms(worst(playbackKinds, "p99"))} ms; ` +
          `reads p50 ${ms(worst(reads, "p50"))} ms, p99 ${ms(worst(reads, "p99"))} ms; ${sum("requests")} requests, ${sum("errors")} errors, ${sum("non2xx")} non-2xx`,
  );
  figures.push(
    `HLS viewers: ${viewers.viewers} concurrent for ${LOAD_SECONDS} s, ${viewers.segments} segments (${megabytes.toFixed(0)} MB, ` +
      `${whole((megabytes * 8) / viewers.seconds)} Mb/s), ${viewers.errors} errors, ${viewers.stalls} stalls (${viewers.viewersWithStalls} viewers)`,
  );
  figures.push(
    `ladder meanwhile: min ${Math.min(...ladderPace.speeds).toFixed(2)}x, median ${median(ladderPace.speeds).toFixed(2)}x real time ` +
      `(${ladderPace.overall.toFixed(3)}x over the whole load)`,
  );
} finally {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime.cleanup();
}
for (const line of figures) console.log(line);
