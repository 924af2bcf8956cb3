import { spawn } from "node:child_process";
import { trackChild } from "@visionstream/local/child-processes";
import { cameraSource } from "../common.ts";

/** bench/live's camera looped without re-encoding, pushed in real time: a 1080p30 publisher that costs no CPU. */
export function pushCamera(target: string, seconds: number) {
  const camera = spawn(
    "ffmpeg",
    ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", cameraSource(), "-t", String(seconds), "-c", "copy", "-f", "flv", target],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  trackChild(camera);
  return camera;
}
