import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Ladder } from "@visionstream/core";
import { eventually } from "./runtime.ts";

/** Two rungs, so the fault tests leave the CPU to the faults. */
export const SMALL_LADDER: Ladder = {
  renditions: [
    { name: "360p", width: 640, height: 360, fps: 30, videoBitrateKbps: 800, audioBitrateKbps: 128, h264Profile: "main" },
    { name: "180p", width: 320, height: 180, fps: 30, videoBitrateKbps: 300, audioBitrateKbps: 128, h264Profile: "baseline" },
  ],
  segmentSeconds: 2,
  audioSampleRate: 48_000,
};

/** Pids of the ffmpeg that transcodes this channel: the only processes writing under its live directory. */
export async function transcoderPids(channelId: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)("pgrep", ["-f", `ffmpeg .*/(live|mediapackage)/${channelId}/`]).catch(() => ({ stdout: "" }));
  return stdout.split("\n").filter(Boolean).map(Number);
}

/** Sequence numbers of the segments recorded for a session's rendition, on disk. */
export async function recordedSequences(dataDir: string, accountId: string, channelId: string, sessionId: string, rendition: string): Promise<number[]> {
  const directory = join(dataDir, "buckets", `visionstream-local-${accountId}`, "recordings", channelId, sessionId, rendition);
  const names = await readdir(directory).catch(() => [] as string[]);
  return names.flatMap((name) => /^seg_(\d+)\.ts$/.exec(name)?.slice(1).map(Number) ?? []).sort((a, b) => a - b);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Freezes the channel's transcoder until its feed drops it (its input waiting past the bound), then lets it go; its pid. */
export async function freezeUntilDropped(channelId: string): Promise<number> {
  const [frozen] = await eventually(async () => {
    const pids = await transcoderPids(channelId);
    return pids.length > 0 ? pids : undefined;
  });
  process.kill(frozen!, "SIGSTOP");
  try {
    await eventually(async () => ((await transcoderPids(channelId)).includes(frozen!) ? undefined : true), { timeoutMs: 30_000, intervalMs: 100 });
  } finally {
    try {
      process.kill(frozen!, "SIGCONT");
    } catch {
      // gone, as expected
    }
  }
  return frozen!;
}
