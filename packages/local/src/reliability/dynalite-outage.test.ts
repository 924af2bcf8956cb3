import { DynamoRecordingRepository, documentClient, dynamoClient } from "@visionstream/aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_REGION } from "../eventbridge/bus.ts";
import { push } from "../../testing/media.ts";
import { TABLES } from "../runtime.ts";
import { activeAccount, eventually, startTestRuntime } from "../../testing/runtime.ts";
import { recordedSequences, runningRtmpChannel, SMALL_LADDER, sleep } from "../../testing/reliability.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let accountId: string;
let apiKey: string;
const pushes: ReturnType<typeof push>[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ inMemory: false, rtmpPort: 24_020, rtpPort: 24_220, apiPort: 24_120, cdnPort: 24_121, ladder: SMALL_LADDER, preset: "ultrafast" });
  ({ accountId, apiKey } = await activeAccount(runtime, "outage"));
}, 60_000);

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
});

describe("dynalite unreachable for 10 s while segments arrive", () => {
  it("indexes every segment once it is back: the bus retries each delivery until it goes through", async () => {
    // eventually's own 15 s.
    const { channel, running: { sessionId } } = await runningRtmpChannel(runtime, { accountId, apiKey }, "outage", 15_000);
    const pusher = push({ seconds: 20, width: 640, height: 360 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);
    pushes.push(pusher);
    const recorded = () => recordedSequences(runtime.dataDir, accountId, channel.id, sessionId!, "360p");
    await eventually(async () => ((await recorded()).length >= 2 ? true : undefined), { timeoutMs: 20_000, intervalMs: 200 });

    await runtime.dynalite.suspend();
    const down = (await recorded()).length;
    await sleep(10_000);
    const arrivedWhileDown = (await recorded()).length - down;
    await runtime.dynalite.resume();
    expect(await pusher.done).toBe(0);
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    const recording = await eventually(
      async () => {
        const { body } = await runtime.api("GET", `/recordings?channelId=${channel.id}`, { token: apiKey });
        return body.recordings?.[0]?.status === "READY" ? body.recordings[0] : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 250 },
    );
    await runtime.bus.idle();

    const onDisk = await recorded();
    const repository = new DynamoRecordingRepository(documentClient(dynamoClient({ region: LOCAL_REGION, endpoint: runtime.dynamoEndpoint })), TABLES.table);
    const indexed = (await repository.segments(recording.id)).map((segment) => segment.sequence).sort((a, b) => a - b);
    expect(arrivedWhileDown).toBeGreaterThanOrEqual(4);
    expect(indexed).toEqual(onDisk);
    expect(onDisk).toEqual(Array.from({ length: onDisk.length }, (_, index) => index + 1));
    expect(Math.abs(recording.durationMs - onDisk.length * 2_000)).toBeLessThanOrEqual(2_000);
    // A segment indexed only after the MP4 was made is not listed as missing either.
    expect((await runtime.recordings.get(accountId, recording.id)).gaps.filter((gap) => gap.reason === "missing-segments")).toEqual([]);
  }, 90_000);
});
