import { type ChildProcess, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { readFile } from "node:fs/promises";

export const VIDEO_PAYLOAD_TYPE = 96;
export const AUDIO_PAYLOAD_TYPE = 111;
const STDERR_TAIL_BYTES = 4_000;

export interface RtmpForwardOptions {
  /** Every URL gets the same stream (two for a channel with two ingest endpoints): one failing does not stop the other. */
  rtmpUrls: string[];
  audio: boolean;
  audioBitrate?: string;
  ffmpegPath?: string;
  /** Replaced in the stderr kept (the stream key is part of the URLs). */
  secrets?: string[];
}

export interface RtmpForward {
  /** Where the session sends RTP (and RTCP on the next port) of each kind. */
  sendRtp(kind: "video" | "audio", packet: Buffer): void;
  sendRtcp(kind: "video" | "audio", packet: Buffer): void;
  /** Resolves when ffmpeg has ended, with the end of its stderr (secrets masked). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }>;
  stop(): Promise<void>;
  pid: number | undefined;
}

const bindUdp = (port: number) =>
  new Promise<Socket | undefined>((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => resolve(undefined));
    socket.bind(port, "127.0.0.1", () => resolve(socket));
  });

/** Two free UDP ports in a row, the first even (RTP, then RTCP, as ffmpeg's SDP reader opens them), both tried before they are given. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = await bindUdp(0);
    if (!probe) continue;
    const port = probe.address().port;
    probe.close();
    const even = port % 2 === 0 ? port : port + 1;
    if (even + 1 >= 65_536) continue;
    const [rtp, rtcp] = await Promise.all([bindUdp(even), bindUdp(even + 1)]);
    rtp?.close();
    rtcp?.close();
    if (rtp && rtcp) return even;
  }
  throw new Error("no free UDP port pair on 127.0.0.1");
}

/** Whether something is bound to UDP `port` on this machine (Linux's /proc/net/udp); undefined where that cannot be read. */
async function udpBound(port: number): Promise<boolean | undefined> {
  const table = await readFile("/proc/net/udp", "utf8").catch(() => undefined);
  if (table === undefined) return undefined;
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  return table.split("\n").some((line) => line.split(/\s+/)[2]?.endsWith(hex.trim()));
}

/** Until ffmpeg has opened its ports (bounded): what is sent before is lost, the browser's first keyframe with it. */
async function untilBound(ports: number[], boundMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline && !exited()) {
    const bound = await Promise.all(ports.map(udpBound));
    if (bound.every((value) => value !== false)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sdpOf(videoPort: number, audioPort: number | undefined): string {
  const lines = [
    "v=0",
    "o=- 0 0 IN IP4 127.0.0.1",
    "s=whip",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=video ${videoPort} RTP/AVP ${VIDEO_PAYLOAD_TYPE}`,
    `a=rtpmap:${VIDEO_PAYLOAD_TYPE} H264/90000`,
    `a=fmtp:${VIDEO_PAYLOAD_TYPE} packetization-mode=1`,
  ];
  if (audioPort !== undefined) lines.push(`m=audio ${audioPort} RTP/AVP ${AUDIO_PAYLOAD_TYPE}`, `a=rtpmap:${AUDIO_PAYLOAD_TYPE} opus/48000/2`);
  return `${lines.join("\n")}\n`;
}

function outputArgs(urls: string[]): string[] {
  if (urls.length === 1) return ["-f", "flv", urls[0]!];
  return ["-f", "tee", urls.map((url) => `[f=flv:onfail=ignore]${url}`).join("|")];
}

/**
 * One ffmpeg that takes a WebRTC session's RTP on loopback UDP and publishes it over RTMP: the H.264 as it came (no
 * re-encoding), Opus to AAC (FLV carries no Opus). Without audio in the session, silence keeps the FLV's audio track.
 */
export async function startRtmpForward(options: RtmpForwardOptions): Promise<RtmpForward> {
  const videoPort = await freePortPair();
  let audioPort = options.audio ? await freePortPair() : undefined;
  if (audioPort === videoPort) audioPort = videoPort + 2;
  // The long probe only waits for the first parameter sets if they are late; no frame-rate probe (20 frames, 0.7 s at
  // 30 fps): the first packets go out as soon as both streams are known, and what waits here stays in every viewer's latency.
  const input = ["-protocol_whitelist", "pipe,udp,rtp", "-f", "sdp", "-analyzeduration", "10000000", "-probesize", "20000000", "-fpsprobesize", "0", "-reorder_queue_size", "64", "-i", "pipe:0"];
  const silence = options.audio ? [] : ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"];
  const args = [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "warning",
    ...input,
    ...silence,
    "-map",
    "0:v:0",
    "-map",
    options.audio ? "0:a:0" : "1:a:0",
    "-c:v",
    "copy",
    "-c:a",
    "aac",
    "-b:a",
    options.audioBitrate ?? "192k",
    "-ar",
    "48000",
    "-ac",
    "2",
    ...(options.audio ? [] : ["-shortest"]),
    "-flush_packets", "1",
    "-max_interleave_delta", "100000",
    ...outputArgs(options.rtmpUrls),
  ];
  const child: ChildProcess = spawn(options.ffmpegPath ?? "ffmpeg", args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
  });
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(sdpOf(videoPort, audioPort));
  const mask = (text: string) => (options.secrets ?? []).filter(Boolean).reduce((masked, secret) => masked.split(secret).join("***"), text);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, stderrTail: mask(stderr) }));
    child.once("error", (error) => resolve({ code: null, signal: null, stderrTail: mask(`${stderr}\n${error.message}`) }));
  });
  await untilBound([videoPort, ...(audioPort !== undefined ? [audioPort] : [])], 3_000, () => child.exitCode !== null || child.signalCode !== null);
  const socket: Socket = createSocket("udp4");
  socket.on("error", () => undefined);
  const portOf = (kind: "video" | "audio") => (kind === "video" ? videoPort : audioPort);
  return {
    pid: child.pid,
    sendRtp(kind, packet) {
      const port = portOf(kind);
      if (port !== undefined) socket.send(packet, port, "127.0.0.1");
    },
    sendRtcp(kind, packet) {
      const port = portOf(kind);
      if (port !== undefined) socket.send(packet, port + 1, "127.0.0.1");
    },
    exited,
    async stop() {
      socket.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}
