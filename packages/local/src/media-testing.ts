import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  bit_rate?: string;
}

export async function ffprobe(target: string): Promise<{ streams: ProbedStream[]; format: { duration?: string } }> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", target]);
  return JSON.parse(stdout);
}

/** Whether the first video frame of a file is a keyframe. */
export async function startsWithKeyframe(file: string): Promise<boolean> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-read_intervals", "%+#1", "-of", "csv=p=0", file]);
  return stdout.trim().split("\n")[0]?.startsWith("K") ?? false;
}

/** The audio bitrate in kb/s measured from the packets (TS carries no declared AAC bitrate). */
export async function audioKbps(file: string): Promise<number> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "packet=size,duration_time", "-of", "csv=p=0", file]);
  let bytes = 0;
  let seconds = 0;
  for (const line of stdout.trim().split("\n")) {
    const [size, duration] = line.split(",");
    bytes += Number(size);
    seconds += Number(duration);
  }
  return (bytes * 8) / seconds / 1000;
}

/** A synthetic broadcaster: test pattern and tone, pushed in real time. */
export function push(args: { seconds: number; output: string[]; video?: string[]; size?: string }): ChildProcess & { done: Promise<number | null> } {
  const child = spawn(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${args.size ?? "1920x1080"}:rate=30`,
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-t",
      String(args.seconds),
      ...(args.video ?? ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60", "-b:v", "4M", "-c:a", "aac", "-b:a", "128k"]),
      ...args.output,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return Object.assign(child, { done });
}
