import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Ladder } from "@visionstream/core";
import type { LocalRuntime } from "../src/runtime.ts";
import { type ApiClient, eventually } from "./runtime.ts";

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

/**
 * Freezes the channel's transcoder until its feed drops it, then the next one, which carries on from where the dropped
 * one's recording ended, from its start for `ms` (at most 5 s: with a bound of 1 MB its feed gives it room for what it
 * starts with and 5 MB more, about 10 s of a 4 Mb/s push), so that it is still behind its input after. Its pid.
 */
export async function carriedAndFrozen(channelId: string, ms: number): Promise<number> {
  const dropped = await freezeUntilDropped(channelId);
  const carried = await eventually(async () => (await transcoderPids(channelId)).find((pid) => pid !== dropped), { timeoutMs: 20_000, intervalMs: 50 });
  process.kill(carried, "SIGSTOP");
  try {
    await sleep(Math.min(5_000, ms));
  } finally {
    process.kill(carried, "SIGCONT");
  }
  return carried;
}

/**
 * An RTMP_PUSH channel of the account (open to 127.0.0.1), started and waited for until RUNNING: the channel as created,
 * and as it runs (its session and engine channel).
 */
export async function runningRtmpChannel(runtime: Pick<LocalRuntime, "channels"> & { api: ApiClient }, { accountId, apiKey }: { accountId: string; apiKey: string }, name: string, timeoutMs = 30_000) {
  const channel = (await runtime.api("POST", "/channels", { token: apiKey, json: { name, inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] } })).body.channel;
  await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
  const running = await eventually(async () => {
    const current = await runtime.channels.get(accountId, channel.id);
    return current.state === "RUNNING" ? current : undefined;
  }, { timeoutMs });
  return { channel, running };
}
