import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { trackChild } from "../src/child-processes.ts";

const run = promisify(execFile);
const runBuffer = promisify(execFile) as unknown as (file: string, args: string[], options: { encoding: "buffer"; maxBuffer: number }) => Promise<{ stdout: Buffer }>;

export interface SyntheticSource {
  seconds: number;
  width?: number;
  height?: number;
  /** At the pace of a camera (-re), or as fast as ffmpeg can. */
  realtime?: boolean;
  /**
   * testsrc2 by default; "color" gives flat white frames, easy to measure bars on; "numbered" is testsrc2 with each
   * frame's number (0, 1, 2, …) written across its top as 16 black or white bars (see frameNumbers).
   */
  picture?: "testsrc2" | "color" | "numbered";
  /** A sine tone by default; pink noise makes the AAC encoder spend its whole bit rate, as programme audio does. */
  sound?: "sine" | "noise";
}

/** Input arguments for synthetic 30 fps video and a stereo-able tone: video is input 0, audio input 1. */
export function syntheticInputArgs({ seconds, width = 1920, height = 1080, realtime = false, picture = "testsrc2", sound = "sine" }: SyntheticSource) {
  const re = realtime ? ["-re"] : [];
  const pictures = {
    testsrc2: `testsrc2=size=${width}x${height}:rate=30`,
    color: `color=c=white:size=${width}x${height}:rate=30`,
    // bar i is white when bit i of the frame number is set
    numbered:
      `testsrc2=size=${width}x${height}:rate=30[picture];` +
      `nullsrc=size=${FRAME_NUMBER_BITS}x16:rate=30,format=gray,geq=lum='255*mod(floor(N/pow(2\\,X))\\,2)',` +
      `scale=${width}:${Math.round(height / 9)}:flags=neighbor,format=yuv420p[number];[picture][number]overlay=0:0:shortest=1[out0]`,
  };
  const video = pictures[picture];
  return [
    ...re, "-t", String(seconds), "-f", "lavfi", "-i", video,
    ...re, "-t", String(seconds), "-f", "lavfi", "-i",
    sound === "noise" ? "anoisesrc=color=pink:sample_rate=48000:amplitude=0.3" : "sine=frequency=440:sample_rate=48000",
  ];
}

const FRAME_NUMBER_BITS = 16;

/** The number of every frame of a file made from a "numbered" picture (the bars read back, whatever the scale), in order. */
export async function frameNumbers(path: string): Promise<number[]> {
  const { stdout } = await runBuffer("ffmpeg", [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-i", path,
    "-vf", `crop=iw:ih/12:0:0,scale=${FRAME_NUMBER_BITS}:1:flags=area,format=gray`, "-fps_mode", "passthrough", "-f", "rawvideo", "-",
  ], { encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
  const numbers: number[] = [];
  for (let offset = 0; offset + FRAME_NUMBER_BITS <= stdout.length; offset += FRAME_NUMBER_BITS) {
    let number = 0;
    for (let bit = 0; bit < FRAME_NUMBER_BITS; bit++) if (stdout[offset + bit]! > 128) number += 2 ** bit;
    numbers.push(number);
  }
  return numbers;
}

/** A camera pushing FLV on its stdout, as OBS would push RTMP: H.264 and AAC. */
export function pushFlv(source: SyntheticSource, ffmpegPath = "ffmpeg"): ChildProcess {
  const producer = spawn(
    ffmpegPath,
    [
      "-hide_banner", "-nostdin", "-loglevel", "error",
      ...syntheticInputArgs(source),
      "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "8000k",
      "-c:a", "aac", "-b:a", "192k",
      "-f", "flv", "pipe:1",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  trackChild(producer);
  return producer;
}

export async function ffprobeJson<T>(args: string[]): Promise<T> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-of", "json", ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

export const probeStreams = (path: string) => ffprobeJson<{ streams: ProbedStream[] }>(["-show_streams", path]).then((out) => out.streams);

/** Audio bit rate from the packets themselves: ffprobe does not always report one for AAC in MPEG-TS. */
export async function audioBitrateKbps(path: string): Promise<number> {
  const { packets } = await ffprobeJson<{ packets: { size: string; duration_time: string }[] }>([
    "-select_streams", "a:0", "-show_entries", "packet=size,duration_time", path,
  ]);
  const bits = packets.reduce((sum, packet) => sum + Number(packet.size) * 8, 0);
  const seconds = packets.reduce((sum, packet) => sum + Number(packet.duration_time), 0);
  return bits / seconds / 1000;
}

export async function firstVideoPacketIsKeyframe(path: string): Promise<boolean> {
  const { packets } = await ffprobeJson<{ packets: { flags: string }[] }>([
    "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries", "packet=flags", path,
  ]);
  return packets[0]?.flags.startsWith("K") ?? false;
}

export async function durationSeconds(path: string): Promise<number> {
  const { format } = await ffprobeJson<{ format: { duration: string } }>(["-show_entries", "format=duration", path]);
  return Number(format.duration);
}

/** The picture inside the bars, measured with cropdetect on the first frames. */
export async function activePicture(path: string): Promise<{ width: number; height: number }> {
  const { stderr } = await run("ffmpeg", [
    "-hide_banner", "-nostdin", "-i", path, "-vf", "cropdetect=limit=0.2:round=2:reset=0", "-frames:v", "5", "-f", "null", "-",
  ]);
  const crops = [...stderr.matchAll(/crop=(\d+):(\d+):\d+:\d+/g)];
  const last = crops.at(-1);
  if (!last) throw new Error(`cropdetect found nothing in ${path}`);
  return { width: Number(last[1]), height: Number(last[2]) };
}

/**
 * The decoded frames' MD5s of an MP4 given on ffmpeg's stdin: ffmpeg 5.1 reads a file's first fragments ahead and
 * then applies the last one's senc to the first one's samples, a pipe it reads in order.
 */
export function frameHashes(mp4: Buffer, extra: string[] = []): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("ffmpeg", ["-v", "error", "-nostdin", ...extra, "-i", "-", "-map", "0:0", "-f", "framemd5", "-"]);
    let stdout = "";
    child.stdout.on("data", (data: Buffer) => void (stdout += data.toString()));
    child.stderr.resume();
    child.stdin.on("error", () => {}); // ffmpeg may stop reading what it cannot decode
    child.on("error", reject);
    child.on("close", () => resolve(stdout.split("\n").filter((line) => line !== "" && !line.startsWith("#"))));
    child.stdin.end(mp4);
  });
}
