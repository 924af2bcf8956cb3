import { type ChildProcess, spawn } from "node:child_process";
import { trackChild } from "../src/child-processes.ts";
import { type SyntheticSource, syntheticInputArgs } from "./medialive.ts";

export { audioBitrateKbps, durationSeconds, firstVideoPacketIsKeyframe, frameNumbers, probeStreams } from "./medialive.ts";

export const H264_AAC = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60", "-pix_fmt", "yuv420p", "-b:v", "4M", "-c:a", "aac", "-b:a", "128k"];

/** A synthetic broadcaster pushing in real time: H.264/AAC unless other codec arguments are given. */
export function push(
  source: Omit<SyntheticSource, "realtime">,
  output: string[],
  codecs: string[] = H264_AAC,
): ChildProcess & { done: Promise<number | null> } {
  const child = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", ...syntheticInputArgs({ sound: "noise", ...source, realtime: true }), ...codecs, ...output], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  trackChild(child);
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return Object.assign(child, { done });
}

/**
 * Another tenant of the machine: an x264 encode (preset fast, 1080p, as many threads as x264 wants) at normal
 * priority, as fast as it can for as long as it runs. Returns the function that ends it, once it has exited (its exit
 * rewrites the children registry in the data directory, which the test removes next).
 */
export function busyNeighbour(): () => Promise<void> {
  const child = spawn(
    "ffmpeg",
    ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-c:v", "libx264", "-preset", "fast", "-f", "null", "-"],
    { stdio: "ignore" },
  );
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return async () => {
    child.kill("SIGKILL");
    await exited;
  };
}
