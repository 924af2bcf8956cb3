import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trackChild } from "@visionstream/local/engine/child-processes";

const SOURCE_SECONDS = 60;

/** bench/live's source: 60 s of 1080p30 test picture and tone at a camera-like 12 Mb/s (2 s GOPs), made once. */
export function sourceFile(): string {
  const dir = join(tmpdir(), "visionstream-bench");
  const path = join(dir, `source-${SOURCE_SECONDS}s-1080p30.mkv`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  console.log(`generating ${path} ...`);
  execFileSync("ffmpeg", [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", String(SOURCE_SECONDS),
    "-c:v", "libx264", "-preset", "superfast", "-b:v", "12M", "-maxrate", "12M", "-bufsize", "24M", "-g", "60", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "192k", `${path}.part.mkv`,
  ]);
  renameSync(`${path}.part.mkv`, path);
  return path;
}

/**
 * A camera pushing RTMP in real time, looping the source without re-encoding it: the encoder is the camera's
 * and not this machine's, so the machine's cores go to the system under test.
 */
export function pushCamera(target: string, seconds: number) {
  const camera = spawn(
    "ffmpeg",
    ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", sourceFile(), "-t", String(seconds), "-c", "copy", "-f", "flv", target],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  trackChild(camera);
  return camera;
}
