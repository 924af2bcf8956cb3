import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../eventbridge/bus.ts";
import { push } from "../../testing/media.ts";
import { activeAccount, eventually, startTestRuntime } from "../../testing/runtime.ts";
import { freezeUntilDropped, runningRtmpChannel, SMALL_LADDER, sleep, transcoderPids } from "../../testing/reliability.ts";

/**
 * So little may wait for a transcoder that about 10 s frozen are "too far behind" (this, beyond the 4 MB the RTMP
 * feed's stream buffers itself; 64 MB, about 40 s of a camera, in a channel).
 */
const MAX_QUEUED_BYTES = 256 * 1024;

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let accountId: string;
let apiKey: string;
const medialive: BusEvent[] = [];
const pushes: ReturnType<typeof push>[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ rtmpPort: 24_400, rtpPort: 24_500, ladder: SMALL_LADDER, preset: "superfast", maxQueuedBytes: MAX_QUEUED_BYTES });
  runtime.bus.subscribe("test-medialive", { source: ["aws.medialive"] }, async (event) => void medialive.push(event));
  ({ accountId, apiKey } = await activeAccount(runtime, "behind"));
}, 60_000);

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
});

const presetOf = async (pid: number) => {
  const args = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
  return args[args.indexOf("-preset") + 1];
};

/** The channel's transcoder once it is another than `before`. */
const nextTranscoder = (channelId: string, before: number) =>
  eventually(async () => (await transcoderPids(channelId)).find((pid) => pid !== before), { timeoutMs: 20_000, intervalMs: 100 });

describe("a transcoder that falls too far behind its input", () => {
  it("is dropped and restarted one x264 preset faster, so that a machine too slow for the preset does not drop it again", async () => {
    const { channel, running: { engineChannelId } } = await runningRtmpChannel(runtime, { accountId, apiKey }, "slow machine");
    // Longer than the test: it is killed at the end.
    const pusher = push({ seconds: 120, width: 640, height: 360 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);
    pushes.push(pusher);
    const running = await eventually(async () => {
      const [pid] = await transcoderPids(channel.id);
      return pid ? pid : undefined;
    }, { timeoutMs: 20_000 });
    expect(await presetOf(running)).toBe("superfast");
    await sleep(3_000);

    const dropped = await freezeUntilDropped(channel.id);

    const restarted = await nextTranscoder(channel.id, dropped);
    expect(await presetOf(restarted)).toBe("ultrafast");
    const recovering = medialive.find(
      (event) => (event.detail as { channel_arn: string; state?: string }).channel_arn.endsWith(`:channel:${engineChannelId}`) && (event.detail as { state?: string }).state === "RECOVERING",
    );
    expect((recovering?.detail as { message: string }).message).toContain("the transcoder fell too far behind its input at the x264 preset superfast; restarting it at ultrafast");
    await eventually(async () => ((await runtime.channels.get(accountId, channel.id)).state === "RUNNING" ? true : undefined), { timeoutMs: 20_000 });

    // Dropped again: already the fastest preset, it stays there.
    await sleep(3_000);
    const droppedAgain = await freezeUntilDropped(channel.id);
    expect(await presetOf(await nextTranscoder(channel.id, droppedAgain))).toBe("ultrafast");
    pusher.kill("SIGKILL");
  }, 120_000);
});
