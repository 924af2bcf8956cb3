/**
 * What the WHIP gateway costs per second of 1080p30 input: a publisher (werift, sending a 1080p30 H.264 + Opus file in
 * real time, as a browser or OBS would over WebRTC) publishes to the gateway, which runs in a process of its own and
 * forwards to an RTMP sink (our RTMP library in this process, not counted). The gateway's process and its ffmpeg forwarder are read from /proc
 * over each round; as the reference in the same run, the CPU one x264 encode of the same picture at the same rate
 * takes (what the gateway would spend if it re-encoded).
 *
 *   npx tsx bench/broadcast/gateway-cpu.ts     # ROUNDS=3, MEASURE_SECONDS=20
 */
import "../load/quiet-logs.ts";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { startRtmpIngest } from "@visionstream/rtmp";
import { publishWhip } from "@visionstream/whip/testing/publisher";
import { clockTicks, keptMedia, loadAverage, median } from "../common.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MEASURE_SECONDS = Number(process.env.MEASURE_SECONDS ?? 20);
const WARM_UP_SECONDS = 10;
const SINK_PORT = 21_350;

/** 1080p30 as a browser sends it over WebRTC (H.264 constrained baseline, 6 Mb/s, Opus), made once and kept. */
const source = keptMedia("whip-60s-1080p30.mkv", (file) => [
  ...["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "60"],
  ...["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-tune", "zerolatency", "-b:v", "6M", "-maxrate", "6M", "-bufsize", "6M", "-g", "60", "-pix_fmt", "yuv420p"],
  ...["-c:a", "libopus", "-b:a", "128k", "-ac", "2", file],
]);

const ticksOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** The RTMP end of the forward: counts what arrives (FLV bytes). */
async function startSink() {
  let bytes = 0;
  const server = await startRtmpIngest({
    host: "127.0.0.1",
    port: SINK_PORT,
    allowConnection: () => true,
    authorize: () => ({ ok: true }),
    onPublish: (publish) => publish.flv.on("data", (chunk: Buffer) => (bytes += chunk.length)),
  });
  return { bytes: () => bytes, close: () => server.close() };
}

function startGateway(): Promise<{ process: ChildProcess; url: string }> {
  const gateway = spawn(process.execPath, [...process.execArgv, new URL("./gateway-process.ts", import.meta.url).pathname, JSON.stringify({ rtmpUrl: `rtmp://127.0.0.1:${SINK_PORT}/live/bench` })], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    gateway.once("exit", (code) => reject(new Error(`the gateway exited with ${code}`)));
    gateway.stdout!.setEncoding("utf8").once("data", (line: string) => resolve({ process: gateway, url: (JSON.parse(line) as { url: string }).url }));
  });
}

/** The CPU one live x264 encode of the same picture takes (veryfast, zerolatency, 6 Mb/s), over the same time: the re-encode the gateway avoids. */
async function encodeReference(seconds: number): Promise<number> {
  const encoder = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", source, "-t", String(seconds), "-map", "0:v", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-b:v", "6M", "-f", "null", "-"], { stdio: "ignore" });
  let ticks = 0;
  const sampler = setInterval(() => (ticks = Math.max(ticks, ticksOf(encoder.pid!))), 200);
  await new Promise((resolve) => encoder.once("exit", resolve));
  clearInterval(sampler);
  return ticks / clockTicks / seconds;
}

console.log(`load average before: ${loadAverage()} on ${availableParallelism()} cores; ${ROUNDS} rounds of ${MEASURE_SECONDS} s after ${WARM_UP_SECONDS} s`);
const shares: { total: number; node: number; forwarder: number; reference: number; kbps: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const sink = await startSink();
  const gateway = await startGateway();
  const publish = await publishWhip(`${gateway.url}/whip/channels/bench`, { file: source });
  try {
    if (publish.status !== 201) throw new Error(`the gateway answered ${publish.status}: ${publish.body}`);
    if (!(await publish.connected)) throw new Error("the WebRTC session did not connect");
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_SECONDS * 1000));
    const [forwarder] = childrenOf(gateway.process.pid!);
    if (!forwarder) throw new Error("the gateway runs no forwarder");
    const before = { node: ticksOf(gateway.process.pid!), forwarder: ticksOf(forwarder), bytes: sink.bytes(), at: Date.now() };
    await new Promise((resolve) => setTimeout(resolve, MEASURE_SECONDS * 1000));
    const wall = (Date.now() - before.at) / 1000;
    const node = (ticksOf(gateway.process.pid!) - before.node) / clockTicks / wall;
    const forwarding = (ticksOf(forwarder) - before.forwarder) / clockTicks / wall;
    const kbps = ((sink.bytes() - before.bytes) * 8) / 1000 / wall;
    const reference = await encodeReference(MEASURE_SECONDS);
    shares.push({ total: node + forwarding, node, forwarder: forwarding, reference, kbps });
    console.log(
      `  round ${round + 1}: gateway ${(100 * (node + forwarding)).toFixed(1)} % of a core (node ${(100 * node).toFixed(1)} %, ffmpeg forwarder ${(100 * forwarding).toFixed(1)} %); ` +
        `the sink received ${kbps.toFixed(0)} kb/s of FLV (the 1080p30 source: 6 Mb/s + 128 kb/s); one x264 re-encode of the same picture: ${(100 * reference).toFixed(0)} % of a core`,
    );
  } finally {
    await publish.stop({ delete: true }).catch(() => undefined);
    gateway.process.kill("SIGTERM");
    await sink.close();
    await new Promise((resolve) => gateway.process.once("exit", resolve));
  }
}
console.log(`load average after: ${loadAverage()}`);
const total = median(shares.map((share) => share.total));
console.log(
  `gateway CPU per second of 1080p30 input: ${(100 * total).toFixed(1)} % of one core (median of ${ROUNDS}; node ${(100 * median(shares.map((share) => share.node))).toFixed(1)} %, ` +
    `forwarder ${(100 * median(shares.map((share) => share.forwarder))).toFixed(1)} %; target <= 10 %: ${total <= 0.1 ? "met" : "missed"}); ` +
    `${(median(shares.map((share) => share.reference)) / total).toFixed(1)}x less than one x264 re-encode of the picture in the same run`,
);
