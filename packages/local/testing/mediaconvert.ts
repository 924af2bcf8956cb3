import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { trackChild } from "../src/child-processes.ts";
import { ffprobeJson, syntheticInputArgs } from "./medialive.ts";

export interface RecordingRun {
  /** The rendition directory of a recording: bucketDir/recordings/<channelId>/<sessionId>/<rendition>. */
  dir: string;
  seconds: number;
  /** Number of the first segment this run writes. */
  startNumber: number;
  width?: number;
  height?: number;
  videoKbps?: number;
  audioKbps?: number;
  /** Shifts every timestamp of this run, as a reconnect does (the new encoder starts its own clock). */
  timestampOffsetSeconds?: number;
}

/**
 * Recording segments as the engine writes them: MPEG-TS, H.264 + AAC 48 kHz stereo, 2 s each with an IDR at each
 * start, seg_00001.ts and up. One call is one encoder run; a second call continues the numbering after a reconnect.
 */
export async function recordSegments(run: RecordingRun): Promise<void> {
  const { dir, seconds, startNumber, width = 320, height = 240, videoKbps = 300, audioKbps = 96, timestampOffsetSeconds = 0 } = run;
  await mkdir(dir, { recursive: true });
  const child = spawn(
    "ffmpeg",
    [
      "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
      ...syntheticInputArgs({ seconds, width, height, sound: "noise" }),
      "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
      "-b:v", `${videoKbps}k`, "-maxrate", `${videoKbps}k`, "-bufsize", `${videoKbps * 2}k`,
      "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*2)",
      "-c:a", "aac", "-b:a", `${audioKbps}k`, "-ar", "48000", "-ac", "2",
      "-output_ts_offset", String(timestampOffsetSeconds),
      "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_type", "mpegts",
      "-start_number", String(startNumber),
      "-hls_segment_filename", join(dir, "seg_%05d.ts"),
      join(dir, `run-${startNumber}.m3u8`),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  trackChild(child);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg exited with ${code} writing segments: ${stderr}`);
}

export interface ProbedPacket {
  pts_time: string;
  duration_time?: string;
}

/**
 * The pictures of a file and the time from its first to its last: at a constant frame rate, (frames - 1) / fps exactly
 * when the timestamps run without jumps.
 */
export async function videoTimeline(path: string): Promise<{ frames: number; spanSeconds: number }> {
  const { packets } = await ffprobeJson<{ packets: ProbedPacket[] }>(["-select_streams", "v:0", "-show_entries", "packet=pts_time", path]);
  const starts = packets.map((packet) => Number(packet.pts_time));
  return { frames: starts.length, spanSeconds: Math.max(...starts) - Math.min(...starts) };
}

/** The first packet of a stream ("v" or "a") in presentation order: its start and end in seconds. */
export async function firstPacket(path: string, stream: "v" | "a"): Promise<{ start: number; end: number }> {
  const { packets } = await ffprobeJson<{ packets: ProbedPacket[] }>(["-select_streams", `${stream}:0`, "-show_entries", "packet=pts_time,duration_time", path]);
  return packets
    .map((packet) => ({ start: Number(packet.pts_time), end: Number(packet.pts_time) + Number(packet.duration_time ?? 0) }))
    .reduce((earliest, packet) => (packet.start < earliest.start ? packet : earliest));
}

/** The last packet of a stream ("v" or "a") in presentation order: its start and end in seconds. */
export async function lastPacket(path: string, stream: "v" | "a"): Promise<{ start: number; end: number }> {
  const { packets } = await ffprobeJson<{ packets: ProbedPacket[] }>(["-select_streams", `${stream}:0`, "-show_entries", "packet=pts_time,duration_time", path]);
  const last = packets
    .map((packet) => ({ start: Number(packet.pts_time), end: Number(packet.pts_time) + Number(packet.duration_time ?? 0) }))
    .reduce((latest, packet) => (packet.start > latest.start ? packet : latest));
  return last;
}
