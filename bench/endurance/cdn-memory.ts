/**
 * The CDN's memory under a live channel's churn, without the transcoder: `visionstream start` in a process of its own,
 * one channel whose live HLS (a master, the default ladder's four variants, segments of the ladder's sizes) this bench
 * writes itself, as the transcoder would, `--speed` times faster than real time; HLS viewers (the soak's) pull it
 * through the CDN with signed URLs. Every minute one line: the CDN's RSS and descriptors; at the end their growth from
 * `--settled` minutes on. The soak's CDN figures, in a fraction of its time and without its CPU.
 *
 *   npx tsx bench/endurance/cdn-memory.ts --minutes 20 --viewers 50 --speed 4
 */
import { fork } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadAverage } from "../common.ts";
import { activeAccountOf, startRuntimeProcess } from "./runtime-process.ts";
import type { ViewerTally } from "./viewers.ts";

const Args = z.object({
  minutes: z.coerce.number().positive().default(20),
  viewers: z.coerce.number().int().positive().default(50),
  speed: z.coerce.number().positive().max(8).default(4),
  settled: z.coerce.number().int().nonnegative().default(5),
});
const { values } = parseArgs({
  options: { minutes: { type: "string" }, viewers: { type: "string" }, speed: { type: "string" }, settled: { type: "string" } },
  strict: true,
});
const args = Args.parse(values);

// Below Linux's ephemeral range (32768-60999); not the soak's 30400s.
const PORTS = { apiPort: 30501, cdnPort: 30503, whipPort: 30505, rtmpPort: 30511, rtpPort: 30521, srtPort: 30541 };
const SEGMENT_SECONDS = 2;
const LIST_SIZE = 10;
/** The default ladder's renditions: video and audio bitrate of each, so a segment is about what the transcoder writes. */
const RENDITIONS = [
  { name: "1080p", kbps: 5_000 + 192, resolution: "1920x1080" },
  { name: "720p", kbps: 3_000 + 192, resolution: "1280x720" },
  { name: "480p", kbps: 1_200 + 128, resolution: "640x480" },
  { name: "240p", kbps: 400 + 128, resolution: "320x240" },
];
/** MPEG-TS carries about 8 % over the elementary streams; segments vary around the mean as a camera's do. */
const segmentBytes = (kbps: number) => Math.round(((kbps * 1_000) / 8) * SEGMENT_SECONDS * 1.08 * (0.7 + Math.random() * 0.6));

const dataDir = await mkdtemp(join(tmpdir(), "visionstream-cdn-memory-"));
const runtime = await startRuntimeProcess(dataDir, PORTS);
const stopAll = async () => {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
};
process.once("SIGINT", () => void stopAll().finally(() => process.exit(130)));

try {
  console.log(`load average ${loadAverage()}; MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_ ?? "(glibc's default, dynamic)"}`);
  const { accountId, call } = await activeAccountOf(runtime, "cdn-memory");
  const channel = (await call("POST", "/channels", { name: "cdn-memory", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] })).body.channel;
  const playback = (await call("GET", `/channels/${channel.id}/playback`)).body as { hlsUrl: string; query: string };

  const live = join(dataDir, "buckets", `visionstream-local-${accountId}`, "live", channel.id);
  const written = async (path: string, content: string | Buffer) => {
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
  };
  for (const rendition of RENDITIONS) await mkdir(join(live, rendition.name), { recursive: true });
  await written(
    join(live, "master.m3u8"),
    ["#EXTM3U", "#EXT-X-VERSION:3", ...RENDITIONS.flatMap((r) => [`#EXT-X-STREAM-INF:BANDWIDTH=${r.kbps * 1_000},RESOLUTION=${r.resolution}`, `${r.name}/index.m3u8`]), ""].join("\n"),
  );
  let sequence = 0;
  let bytesWritten = 0;
  /** One segment of every rendition, its playlist listing the last ten, the one that left it deleted (delete_segments). */
  const nextSegment = async () => {
    sequence++;
    const first = Math.max(1, sequence - LIST_SIZE + 1);
    for (const rendition of RENDITIONS) {
      const directory = join(live, rendition.name);
      const bytes = Buffer.alloc(segmentBytes(rendition.kbps), sequence & 0xff);
      bytesWritten += bytes.length;
      await written(join(directory, `seg_${String(sequence).padStart(5, "0")}.ts`), bytes);
      const listed = Array.from({ length: sequence - first + 1 }, (_, index) => first + index);
      const playlist = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        `#EXT-X-TARGETDURATION:${SEGMENT_SECONDS}`,
        `#EXT-X-MEDIA-SEQUENCE:${first}`,
        ...listed.flatMap((n) => [`#EXTINF:${SEGMENT_SECONDS.toFixed(6)},`, `seg_${String(n).padStart(5, "0")}.ts`]),
        "",
      ].join("\n");
      await written(join(directory, "index.m3u8"), playlist);
      // Kept a little after it leaves the list, as ffmpeg's hls_delete_threshold does, for a viewer still fetching it.
      if (first - 3 >= 1) await rm(join(directory, `seg_${String(first - 3).padStart(5, "0")}.ts`), { force: true });
    }
  };
  for (let index = 0; index < 3; index++) await nextSegment();
  const writer = setInterval(() => void nextSegment(), (SEGMENT_SECONDS * 1_000) / args.speed);

  let tally: ViewerTally | undefined;
  const viewers = fork(join(import.meta.dirname, "viewers.ts"), [
    JSON.stringify({ hlsUrl: playback.hlsUrl, query: playback.query, viewers: args.viewers, joinSeconds: 10, requestTimeoutMs: 10_000, tallyEveryMs: 5_000 }),
  ], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  viewers.on("message", (message) => void (tally = message as ViewerTally));
  console.log(`${args.viewers} HLS viewers; segments every ${((SEGMENT_SECONDS * 1_000) / args.speed).toFixed(0)} ms (${args.speed}x real time)`);
  console.log("minute  CDN RSS MB  CDN fds  segments  missed  written MB");
  const samples: { minute: number; rssMb: number; fds: number }[] = [];
  for (let minute = 1; minute <= args.minutes; minute++) {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    const cdn = runtime.cdn();
    if (!cdn) throw new Error(`the CDN process is gone at minute ${minute}`);
    samples.push({ minute, ...cdn });
    console.log(
      `${String(minute).padStart(6)}  ${cdn.rssMb.toFixed(0).padStart(10)}  ${String(cdn.fds).padStart(7)}  ${String(tally?.segments ?? 0).padStart(8)}  ${String(tally?.missed ?? 0).padStart(6)}  ${(bytesWritten / 1e6).toFixed(0).padStart(10)}`,
    );
  }
  clearInterval(writer);
  viewers.send({ stop: true });
  const settled = samples.find((sample) => sample.minute === Math.max(1, args.settled))!;
  const last = samples.at(-1)!;
  const growth = (from: number, to: number) => `${from.toFixed(0)} -> ${to.toFixed(0)} (${(((to - from) / from) * 100).toFixed(1)} %)`;
  console.log(`load average ${loadAverage()}; segments fetched ${tally?.segments ?? 0}, missed ${tally?.missed ?? 0}`);
  console.log(`CDN RSS MB from minute ${settled.minute} to ${last.minute}: ${growth(settled.rssMb, last.rssMb)}; fds ${settled.fds} -> ${last.fds}`);
} finally {
  await stopAll();
}
