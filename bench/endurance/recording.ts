import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { ApiAnswer } from "@visionstream/local/testing/runtime";

const run = promisify(execFile);
const POLL_MS = 100;
const READY_WITHIN_MS = 30 * 60_000;
/** The muxer's complaint about the file's timestamps (a DTS repeated or going back), not about a picture. */
const NOT_INCREASING = /non monotonically increasing dts/;

interface RecordingAnswer {
  id: string;
  status: string;
  durationMs?: number;
  gaps: unknown[];
  failureReason?: string;
}

class RecordingNotReady extends Error {
  override name = "RecordingNotReady";
}

/**
 * Stops the channel through the API and watches it from outside, as a user would: when the channel reads STOPPED,
 * and when its recording reads READY (the assembly), each first seen by a poll every 100 ms.
 */
export async function stopToReady(call: (method: string, path: string) => Promise<ApiAnswer<any>>, channelId: string) {
  const asked = performance.now();
  const stopped = await call("POST", `/channels/${channelId}/stop`);
  if (stopped.status >= 300) throw new RecordingNotReady(`stop answered ${stopped.status}: ${JSON.stringify(stopped.body)}`);
  let stoppedAt: number | undefined;
  for (;;) {
    const now = performance.now();
    if (now - asked > READY_WITHIN_MS) throw new RecordingNotReady(`no READY recording ${READY_WITHIN_MS / 60_000} min after the stop`);
    if (stoppedAt === undefined && (await call("GET", `/channels/${channelId}`)).body.channel.state === "STOPPED") stoppedAt = now;
    const recording: RecordingAnswer | undefined = (await call("GET", `/recordings?channelId=${channelId}`)).body.recordings?.[0];
    if (recording?.status === "FAILED") throw new RecordingNotReady(`recording ${recording.id} FAILED: ${recording.failureReason}`);
    if (recording?.status === "READY" && stoppedAt !== undefined)
      return { stoppedAfterMs: stoppedAt - asked, readyAfterStoppedMs: performance.now() - stoppedAt, recording };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The MP4's duration (ffprobe) and the error lines of ffmpeg decoding it whole (`-v error ... -f null -`), timestamp complaints apart. */
export async function mp4Figures(file: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]);
  const samples: string[] = [];
  let decodeErrors = 0;
  let timestampErrors = 0;
  const decoder = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", file, "-f", "null", "-"], { stdio: ["ignore", "ignore", "pipe"] });
  let rest = "";
  decoder.stderr.setEncoding("utf8").on("data", (text: string) => {
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      if (NOT_INCREASING.test(line)) timestampErrors++;
      else decodeErrors++;
      if (samples.length < 3) samples.push(line);
    }
  });
  const code = await new Promise<number | null>((resolve) => decoder.once("close", resolve));
  if (rest) decodeErrors++;
  if (code !== 0) samples.push(`ffmpeg exited with ${code}`);
  return { durationSeconds: Number(stdout.trim()), decodeErrors, timestampErrors, samples, video: await videoSteps(file) };
}

/** The steps between the video's successive decode timestamps, in ms: their range, and how many stray from the median by over 1 ms. */
async function videoSteps(file: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts_time", "-of", "csv=p=0", file], { maxBuffer: 256 * 1024 * 1024 });
  const times = stdout.split("\n").map(Number.parseFloat).filter(Number.isFinite);
  const steps = times.slice(1).map((time, index) => (time - times[index]!) * 1000);
  const sorted = [...steps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return { frames: times.length, minMs: sorted[0] ?? Number.NaN, maxMs: sorted.at(-1) ?? Number.NaN, medianMs: median, uneven: steps.filter((step) => Math.abs(step - median) > 1).length };
}
