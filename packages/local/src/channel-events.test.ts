import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelArn } from "./medialive/events.ts";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let apiKey: string;
let accountId: string;

beforeAll(async () => {
  // Each test file has ingest ports of its own, so files running side by side never collide.
  const base = 25_000;
  runtime = await startTestRuntime({ rtmpPort: base, rtpPort: base + 100, idleStopAfterMs: 30 * 60_000 });
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name: "events" } });
  apiKey = created.body.apiKey;
  accountId = created.body.account.id;
  await eventually(async () => ((await runtime.accounts.get(accountId)).status === "ACTIVE" ? true : undefined));
});

afterAll(async () => {
  await runtime?.cleanup();
});

async function runningChannel() {
  const channel = await runtime.channels.create(accountId, { name: "events", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] });
  await runtime.channels.start(accountId, channel.id);
  await runtime.bus.idle();
  const running = await runtime.channels.get(accountId, channel.id);
  expect(running.state).toBe("RUNNING");
  return running as typeof running & { engineChannelId: string };
}

function stateChange(engineChannelId: string, state: string, time: string, pipelines = 0) {
  const arn = channelArn(engineChannelId);
  return {
    source: "aws.medialive",
    "detail-type": "MediaLive Channel State Change",
    time,
    resources: [arn],
    detail: { channel_arn: arn, state, message: `Channel is ${state}`, pipelines_running_count: pipelines },
  };
}

describe("channel state follows MediaLive's events", () => {
  it("ignores an event older than the state it already has, and a duplicate changes nothing", async () => {
    const channel = await runningChannel();

    runtime.bus.put(stateChange(channel.engineChannelId, "STARTING", "2020-01-01T00:00:00Z"));
    await runtime.bus.idle();
    expect((await runtime.channels.get(accountId, channel.id)).state).toBe("RUNNING");

    const late = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, "Z");
    runtime.bus.put(stateChange(channel.engineChannelId, "RECOVERING", late, 1));
    runtime.bus.put(stateChange(channel.engineChannelId, "RECOVERING", late, 1));
    await runtime.bus.idle();
    expect((await runtime.channels.get(accountId, channel.id)).state).toBe("RECOVERING");
    await runtime.engine.stopChannel(channel.engineChannelId);
  });

  it("keeps a STANDARD channel running while one pipeline still runs", async () => {
    const channel = await runningChannel();
    const soon = new Date(Date.now() + 1_000).toISOString().replace(/\.\d+Z$/, "Z");

    runtime.bus.put(stateChange(channel.engineChannelId, "STOPPED", soon, 1));
    await runtime.bus.idle();

    expect((await runtime.channels.get(accountId, channel.id)).state).toBe("RUNNING");
    await runtime.engine.stopChannel(channel.engineChannelId);
  });
});

describe("input loss and the idle stop", () => {
  it("reports input loss on a running channel with no input, as a MediaLive alert", async () => {
    const channel = await runningChannel();

    const lost = await eventually(
      async () => {
        const current = await runtime.channels.get(accountId, channel.id);
        return current.inputLostSince ? current : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );

    expect(lost.state).toBe("RUNNING");
    const refused = await runtime.api("DELETE", `/accounts/${accountId}`, { token: TEST_ADMIN_TOKEN });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.channels).toContain(channel.id);
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
  });

  it("stops a channel that has had no input for longer than the idle limit, and only that one", async () => {
    const idle = await runningChannel();
    const fresh = await runningChannel();
    const longAgo = new Date(Date.now() - 31 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
    const arn = channelArn(idle.engineChannelId);
    await eventually(async () => ((await runtime.channels.get(accountId, idle.id)).inputLostSince ? true : undefined), { timeoutMs: 10_000 });
    const alert = (id: string, alarmState: "SET" | "CLEARED") => ({
      version: "0",
      id,
      source: "aws.medialive" as const,
      "detail-type": "MediaLive Channel Alert" as const,
      account: "000000000000",
      region: "local",
      time: longAgo,
      resources: [arn],
      detail: { alarm_state: alarmState, alarm_id: "a", alert_type: "RTMP Has No Audio/Video", channel_arn: arn, message: "", pipeline: "0" },
    });
    await runtime.channels.onAlert(alert("e1", "CLEARED"));
    await runtime.channels.onAlert(alert("e2", "SET"));

    await runtime.stopIdle({});
    await runtime.bus.idle();
    // The engine answers the stop at once, as MediaLive does; STOPPED follows when its transcoder has drained.
    await eventually(async () => ((await runtime.channels.get(accountId, idle.id)).state === "STOPPED" ? true : undefined), { timeoutMs: 10_000 });

    expect((await runtime.channels.get(accountId, idle.id)).state).toBe("STOPPED");
    expect((await runtime.channels.get(accountId, fresh.id)).state).toBe("RUNNING");
    await runtime.api("POST", `/channels/${fresh.id}/stop`, { token: apiKey });
  });
});
