import { type ChildProcess, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from "werift";

export interface WhipPublishOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Send Opus audio as well (a browser's microphone). */
  audio?: boolean;
  /** What the offer lists for video: H.264 (the default) or VP8 only, for a refused offer. */
  videoCodec?: "H264" | "VP8";
  /** Extra headers (Authorization) of the POST. */
  headers?: Record<string, string>;
  x264Preset?: string;
  /** Send this file's H.264 (and Opus) as they are, looped in real time, instead of encoding a test picture: the publisher then costs next to nothing. */
  file?: string;
  videoBitrate?: string;
}

export interface WhipPublish {
  status: number;
  body: string;
  location: string | undefined;
  /** Wall clock when the encoder began (its frame 0). */
  startedAt: number;
  encoder: ChildProcess | undefined;
  connected: Promise<boolean>;
  /** DELETE of the session resource (when asked) and the end of everything local. */
  stop(options?: { delete?: boolean }): Promise<number | undefined>;
}

const codecOf = (name: "H264" | "VP8") =>
  name === "H264"
    ? new RTCRtpCodecParameters({ mimeType: "video/H264", clockRate: 90_000, rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }], parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" })
    : new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90_000, rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }] });

async function udpInto(track: MediaStreamTrack): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket("udp4");
  socket.on("message", (packet) => track.writeRtp(packet));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return { socket, port: socket.address().port };
}

/**
 * A WHIP publisher without a browser: werift sends what ffmpeg encodes in real time (testsrc2 H.264, Opus), as a
 * hardware encoder or OBS would. The media starts once the session connects.
 */
export async function publishWhip(url: string, options: WhipPublishOptions = {}): Promise<WhipPublish> {
  const { width = 640, height = 360, fps = 30, audio = true, videoCodec = "H264" } = options;
  const pc = new RTCPeerConnection({ codecs: { video: [codecOf(videoCodec)], audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48_000, channels: 2 })] } });
  const video = new MediaStreamTrack({ kind: "video" });
  const sound = new MediaStreamTrack({ kind: "audio" });
  pc.addTransceiver(video, { direction: "sendonly" });
  if (audio) pc.addTransceiver(sound, { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 3_000);
    pc.iceGatheringStateChange.subscribe((state) => state === "complete" && (clearTimeout(timer), resolve()));
  });
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/sdp", ...options.headers }, body: pc.localDescription!.sdp });
  const body = await response.text();
  const location = response.headers.get("location") ?? undefined;
  const sockets: Socket[] = [];
  let encoder: ChildProcess | undefined;
  let startedAt = Date.now();
  let connected: Promise<boolean> = Promise.resolve(false);
  if (response.status === 201) {
    connected = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      pc.connectionStateChange.subscribe((state) => {
        if (state === "connected") (clearTimeout(timer), resolve(true));
        if (state === "failed" || state === "closed") (clearTimeout(timer), resolve(false));
      });
    });
    await pc.setRemoteDescription({ type: "answer", sdp: body });
    const videoOut = await udpInto(video);
    const audioOut = await udpInto(sound);
    sockets.push(videoOut.socket, audioOut.socket);
    await connected;
    startedAt = Date.now();
    const input = options.file
      ? [...["-re", "-stream_loop", "-1", "-i", options.file], "-map", "0:v:0", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb"]
      : [
          ...["-re", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${fps}`],
          ...(audio ? ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] : []),
          ...["-map", "0:v", "-c:v", "libx264", "-preset", options.x264Preset ?? "veryfast", "-tune", "zerolatency", "-profile:v", "baseline", "-pix_fmt", "yuv420p"],
          ...["-b:v", options.videoBitrate ?? "2M", "-g", String(fps * 2), "-x264-params", "repeat-headers=1"],
        ];
    const audioOutput = options.file ? ["-map", "0:a:0", "-c:a", "copy"] : ["-map", "1:a", "-c:a", "libopus", "-b:a", "96k", "-ac", "2"];
    encoder = spawn(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error"],
        ...input,
        ...["-f", "rtp", "-payload_type", "96", `rtp://127.0.0.1:${videoOut.port}?pkt_size=1200`],
        ...(audio ? [...audioOutput, "-f", "rtp", "-payload_type", "111", `rtp://127.0.0.1:${audioOut.port}?pkt_size=1200`] : []),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    encoder.stderr!.resume();
  }
  let stopped: Promise<number | undefined> | undefined;
  const stopNow = async (remove: boolean) => {
    let status: number | undefined;
    if (remove && location) status = (await fetch(new URL(location, url), { method: "DELETE", headers: options.headers ?? {} })).status;
    if (encoder && encoder.exitCode === null && encoder.signalCode === null) {
      const exited = new Promise((resolve) => encoder!.once("exit", resolve));
      encoder.kill("SIGKILL");
      await exited;
    }
    for (const socket of sockets) socket.close();
    await pc.close().catch(() => undefined);
    return status;
  };
  return {
    status: response.status,
    body,
    location: location && new URL(location, url).href,
    startedAt,
    encoder,
    connected,
    stop({ delete: remove = false } = {}) {
      stopped ??= stopNow(remove);
      return stopped;
    },
  };
}
