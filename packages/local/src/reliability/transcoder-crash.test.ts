import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../eventbridge/bus.ts";
import { push } from "../../testing/media.ts";
import { activeAccount, eventually, startTestRuntime } from "../../testing/runtime.ts";
import { recordedSequences, runningRtmpChannel, SMALL_LADDER, sleep, transcoderPids } from "../../testing/reliability.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let accountId: string;
let apiKey: string;
const medialive: BusEvent[] = [];
const pushes: ReturnType<typeof push>[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ rtmpPort: 24_000, rtpPort: 24_200, apiPort: 24_100, cdnPort: 24_101, ladder: SMALL_LADDER, preset: "ultrafast" });
  runtime.bus.subscribe("test-medialive", { source: ["aws.medialive"] }, async (event) => void medialive.push(event));
  ({ accountId, apiKey } = await activeAccount(runtime, "faults"));
}, 60_000);

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
});

async function liveChannel(name: string, seconds: number) {
  // A start is quick (well under a second alone); the suite's other channels and browsers share the 2 cores: 30 s.
  const { channel, running: { sessionId, engineChannelId } } = await runningRtmpChannel(runtime, { accountId, apiKey }, name);
  const pusher = push({ seconds, width: 640, height: 360 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);
  pushes.push(pusher);
  const recorded = () => recordedSequences(runtime.dataDir, accountId, channel.id, sessionId!, "360p");
  await eventually(async () => ((await recorded()).length >= 3 ? true : undefined), { timeoutMs: 20_000, intervalMs: 200 });
  return { channel: { ...channel, engineChannelId: engineChannelId! }, sessionId: sessionId!, pusher, recorded };
}

const eventsOf = (engineChannelId: string, detailType: string) =>
  medialive.filter((event) => event["detail-type"] === detailType && (event.detail as { channel_arn: string }).channel_arn.endsWith(`:channel:${engineChannelId}`));

async function readyRecording(channelId: string) {
  return eventually(
    async () => {
      const { body } = await runtime.api("GET", `/recordings?channelId=${channelId}`, { token: apiKey });
      return body.recordings?.[0]?.status === "READY" ? body.recordings : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

describe("the transcoder of a running channel is killed", () => {
  it("reports RECOVERING with an alert, restarts it, runs again, and records one MP4 of every segment written", async () => {
    const { channel, sessionId, pusher, recorded } = await liveChannel("crash once", 18);
    const [killed] = await transcoderPids(channel.id);
    expect(killed).toBeDefined();

    process.kill(killed!, "SIGKILL");

    await eventually(async () => ((await runtime.channels.get(accountId, channel.id)).state === "RECOVERING" ? true : undefined), { timeoutMs: 5_000 });
    const alert = eventsOf(channel.engineChannelId, "MediaLive Channel Alert").find((event) => (event.detail as { alarm_state: string }).alarm_state === "SET");
    expect(alert?.detail).toMatchObject({ alert_type: "Encoder Pipeline Failure", message: expect.stringContaining("SIGKILL") });
    await eventually(async () => ((await runtime.channels.get(accountId, channel.id)).state === "RUNNING" ? true : undefined), { timeoutMs: 10_000 });
    const [restarted] = await transcoderPids(channel.id);
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(killed);
    expect(await pusher.done).toBe(0);
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    const recordings = await readyRecording(channel.id);

    const segments = await recorded();
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({ sessionId, status: "READY" });
    expect(segments).toEqual(Array.from({ length: segments.length }, (_, index) => index + 1));
    expect(segments.length).toBeGreaterThanOrEqual(6);
    expect(Math.abs(recordings[0].durationMs - segments.length * 2_000)).toBeLessThanOrEqual(2_000);
    const cleared = eventsOf(channel.engineChannelId, "MediaLive Channel Alert").filter((event) => (event.detail as { alarm_state: string }).alarm_state === "CLEARED");
    expect(cleared.map((event) => (event.detail as { alert_type: string }).alert_type)).toContain("Encoder Pipeline Failure");
  }, 60_000);

  it("ends the run when the transcoder keeps failing: the channel reports STOPPED and the segments so far become an MP4", async () => {
    const { channel, pusher, recorded } = await liveChannel("crash loop", 40);

    let previous: number | undefined;
    for (let kill = 0; kill < 4; kill++) {
      const pid = await eventually(async () => (await transcoderPids(channel.id)).find((candidate) => candidate !== previous), { timeoutMs: 10_000 });
      process.kill(pid, "SIGKILL");
      previous = pid;
      await sleep(300);
    }

    const stopped = await eventually(async () => {
      const current = await runtime.channels.get(accountId, channel.id);
      return current.state === "STOPPED" ? current : undefined;
    }, { timeoutMs: 15_000 });
    pusher.kill("SIGKILL");
    const recordings = await readyRecording(channel.id);

    const lastState = eventsOf(channel.engineChannelId, "MediaLive Channel State Change").at(-1)?.detail as { state: string; message: string };
    expect(lastState).toMatchObject({ state: "STOPPED", message: expect.stringMatching(/^Channel failed: the transcoder failed 4 times/) });
    expect(recordings).toHaveLength(1);
    expect(recordings[0].sessionId).toBe(stopped.sessionId);
    expect(Math.abs(recordings[0].durationMs - (await recorded()).length * 2_000)).toBeLessThanOrEqual(2_000);
    expect(await transcoderPids(channel.id)).toEqual([]);
  }, 60_000);
});
