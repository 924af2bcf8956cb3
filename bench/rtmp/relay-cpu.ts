/**
 * What relaying a 10 Mb/s publish costs the ingest's process: ffmpeg pushes a pre-encoded 10 s, 10 Mb/s (CBR)
 * 720p30 H.264 + AAC FLV in real time (-re -c copy), the session's flv is piped into `ffmpeg -f flv -i pipe:0
 * -c copy -f null -`, and process.cpuUsage() is read around the publish. Prints its figures last.
 *
 *   npx tsx bench/rtmp/relay-cpu.ts [seconds] [videoBitrate]
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PublishSession, startRtmpIngest } from "@visionstream/rtmp";

const seconds = Number(process.argv[2] ?? 10);
const bitrate = process.argv[3] ?? "10M";

function run(command: string, args: string[], stdin?: NodeJS.ReadableStream): Promise<number | null> {
  const child = spawn(command, args, { stdio: [stdin ? "pipe" : "ignore", "ignore", "inherit"] });
  if (stdin && child.stdin) {
    child.stdin.on("error", () => {});
    stdin.pipe(child.stdin);
  }
  return new Promise((resolve) => child.on("close", resolve));
}

const dir = await mkdtemp(join(tmpdir(), "visionstream-relay-cpu-"));
try {
  const source = join(dir, "source.flv");
  await run("ffmpeg", [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"],
    ...["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", String(seconds)],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-b:v", bitrate, "-minrate", bitrate, "-maxrate", bitrate],
    ...["-bufsize", bitrate, "-x264-params", "nal-hrd=cbr", "-c:a", "aac", "-f", "flv", source],
  ]);

  let consumer: Promise<number | null> | undefined;
  let session: PublishSession | undefined;
  const ingest = await startRtmpIngest({
    host: "127.0.0.1",
    port: 0,
    allowConnection: () => true,
    authorize: () => ({ ok: true }),
    onPublish: (published) => {
      session = published;
      consumer = run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "flv", "-i", "pipe:0", "-c", "copy", "-f", "null", "-"], published.flv);
    },
  });

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const publisher = await run("ffmpeg", [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", source],
    ...["-c", "copy", "-f", "flv", `rtmp://127.0.0.1:${ingest.port}/live/measure`],
  ]);
  await session?.closed;
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - started) / 1000;
  await consumer;
  await ingest.close();

  const stats = session?.stats();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`publisher exit ${publisher}; ${stats?.videoFrames} video + ${stats?.audioFrames} audio messages`);
  console.log(`relayed ${((stats?.bytes ?? 0) / 1e6).toFixed(1)} MB in ${wall.toFixed(2)} s = ${(((stats?.bytes ?? 0) * 8) / wall / 1e6).toFixed(2)} Mb/s`);
  console.log(
    `ingest process CPU: ${cpuSeconds.toFixed(3)} s (user ${(cpu.user / 1e6).toFixed(3)}, system ${(cpu.system / 1e6).toFixed(3)}) = ${((cpuSeconds / wall) * 100).toFixed(2)} % of one core`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
