import { DynamoAccountRepository, DynamoChannelRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { Conflict, NotFound } from "../errors.ts";
import { activeAccount, channelAlert, channelStateChange, FakePort, FakeSigner, testClock } from "../testing.ts";
import type { ChannelSpec, IngestEndpoint, LiveEngine } from "./channel.ts";
import { Channels, type CreateChannelInput } from "./channels.ts";

const TABLE = "channels-use-cases";
const IDLE_STOP_AFTER_MS = 10 * 60_000;
let tables: TestTables;
let accountRepository: DynamoAccountRepository;
let channelRepository: DynamoChannelRepository;

/** Names its channels e1, e2, … and gives RTMP channels an ingest URL with their stream key. */
class FakeLiveEngine extends FakePort<"createChannel" | "startChannel" | "stopChannel" | "deleteChannel"> implements LiveEngine {
  private created = 0;

  async createChannel(spec: ChannelSpec): Promise<{ engineChannelId: string; ingest: IngestEndpoint[] }> {
    this.called("createChannel", spec);
    const engineChannelId = `${spec.channelId}-e${++this.created}`;
    const ingest = spec.inputType === "RTMP_PUSH" ? [{ url: "rtmp://203.0.113.10:1935/live", streamKey: spec.streamKey }] : [{ url: "rtp://203.0.113.10:5000" }];
    return { engineChannelId, ingest };
  }

  async startChannel(engineChannelId: string, sessionId: string): Promise<void> {
    this.called("startChannel", engineChannelId, sessionId);
  }

  async stopChannel(engineChannelId: string): Promise<void> {
    this.called("stopChannel", engineChannelId);
  }

  async deleteChannel(engineChannelId: string): Promise<void> {
    this.called("deleteChannel", engineChannelId);
  }
}

const RTMP: CreateChannelInput = { name: "Main stage", inputType: "RTMP_PUSH", allowCidrs: ["203.0.113.0/24"] };

async function channels() {
  const account = activeAccount();
  await accountRepository.create(account, `hash-${account.id}`);
  const engine = new FakeLiveEngine();
  const signer = new FakeSigner();
  const clock = testClock();
  const use = Channels({ channels: channelRepository, accounts: accountRepository, engine, signer, idleStopAfterMs: IDLE_STOP_AFTER_MS, now: clock.now });
  /** A created channel that the engine reports RUNNING. */
  const running = async () => {
    const channel = await use.start(account.id, (await use.create(account.id, RTMP)).id);
    clock.advance(1_000);
    return (await use.onStateChange(channelStateChange(channel.engineChannelId!, "RUNNING", clock.eventTime())))!;
  };
  return { account, engine, signer, clock, use, running };
}

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  const client = documentClient(tables.client);
  accountRepository = new DynamoAccountRepository(client, TABLE);
  channelRepository = new DynamoChannelRepository(client, TABLE);
});

afterAll(() => tables.close());

describe("Channels", () => {
  it("creates an RTMP channel in the engine with a stream key, CREATED with its ingest, seen only by its account", async () => {
    const { account, engine, use } = await channels();
    const other = activeAccount();

    const channel = await use.create(account.id, RTMP);

    const [spec] = engine.callsOf("createChannel")[0] as [ChannelSpec];
    expect(spec).toEqual({
      channelId: channel.id,
      accountId: account.id,
      name: "Main stage",
      bucketName: account.bucketName,
      inputType: "RTMP_PUSH",
      redundancy: "SINGLE",
      allowCidrs: ["203.0.113.0/24"],
      streamKey: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
    });
    expect(channel).toMatchObject({ id: expect.stringMatching(/^ch-[a-z0-9]{16}$/), state: "CREATED", engineChannelId: `${channel.id}-e1` });
    expect(channel.ingest).toEqual([{ url: "rtmp://203.0.113.10:1935/live", streamKey: spec.streamKey }]);
    expect(await use.get(account.id, channel.id)).toEqual(channel);
    expect(await use.list(account.id)).toEqual([channel]);
    await expect(use.get(other.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    expect(await use.list(other.id)).toEqual([]);
  });

  it("gives an RTP channel no stream key", async () => {
    const { account, engine, use } = await channels();

    const channel = await use.create(account.id, { name: "contribution", inputType: "RTP_PUSH", redundancy: "STANDARD", allowCidrs: ["10.0.0.0/8"] });

    expect(engine.callsOf("createChannel")[0]![0]).toMatchObject({ inputType: "RTP_PUSH", redundancy: "STANDARD", streamKey: undefined });
    expect(channel.ingest).toEqual([{ url: "rtp://203.0.113.10:5000" }]);
  });

  it("asks the engine for nothing when the input is invalid or the account is missing or not ACTIVE", async () => {
    const { account, engine, use } = await channels();
    const provisioning = activeAccount({ status: "PROVISIONING" });
    await accountRepository.create(provisioning, `hash-${provisioning.id}`);

    await expect(use.create(account.id, { ...RTMP, allowCidrs: ["300.1.1.1/8"] })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create(account.id, { ...RTMP, allowCidrs: [] })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create(account.id, { ...RTMP, name: "tab\there" })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create("acc-0000000000000000", RTMP)).rejects.toBeInstanceOf(NotFound);
    await expect(use.create(provisioning.id, RTMP)).rejects.toMatchObject({ name: "Conflict", details: { status: "PROVISIONING" } });

    expect(engine.calls).toEqual([]);
    expect(await use.list(account.id)).toEqual([]);
  });

  it("keeps a channel the engine could not create as CREATE_FAILED, with the reason, and lets it be deleted", async () => {
    const { account, engine, use } = await channels();
    engine.refuseNext("createChannel", new Error("input security group limit reached"));

    await expect(use.create(account.id, RTMP)).rejects.toThrow("input security group limit reached");
    const [failed] = await use.list(account.id);
    await use.remove(account.id, failed!.id);

    expect(failed).toMatchObject({ state: "CREATE_FAILED", failureReason: "input security group limit reached" });
    expect(failed).not.toHaveProperty("engineChannelId");
    expect(engine.callsOf("deleteChannel")).toEqual([]);
    expect(await use.list(account.id)).toEqual([]);
  });

  it("starts a channel with a new recording session, once: a second start or a stop before it runs is refused", async () => {
    const { account, engine, use, clock } = await channels();
    const created = await use.create(account.id, RTMP);

    const starting = await use.start(account.id, created.id);
    const startAgain = await use.start(account.id, created.id).catch((error: unknown) => error);

    expect(starting).toMatchObject({ state: "STARTING", stateChangedAt: clock.eventTime(), sessionId: expect.stringMatching(/^20260301t120000z-[a-z0-9]{6}$/) });
    expect(engine.callsOf("startChannel")).toEqual([[created.engineChannelId, starting.sessionId]]);
    expect(startAgain).toBeInstanceOf(Conflict);
    expect(startAgain).toMatchObject({ message: `channel ${created.id} is STARTING; it can start only when CREATED or IDLE or STOPPED`, details: { state: "STARTING" } });
    await expect(use.remove(account.id, created.id)).rejects.toBeInstanceOf(Conflict);
  });

  it("puts a channel the engine would not start back as it was, with the reason", async () => {
    const { account, engine, use } = await channels();
    const created = await use.create(account.id, RTMP);
    engine.refuseNext("startChannel", new Error("no capacity"));

    await expect(use.start(account.id, created.id)).rejects.toThrow("no capacity");

    const after = await use.get(account.id, created.id);
    expect(after).toMatchObject({ state: "CREATED", failureReason: "start failed: no capacity" });
    expect(after).not.toHaveProperty("sessionId");
  });

  it("stops a running channel, and puts it back RUNNING, with the reason, when the engine refuses", async () => {
    const { account, engine, use, running } = await channels();
    const first = await running();
    const second = await running();

    const stopping = await use.stop(account.id, first.id);
    engine.refuseNext("stopChannel", new Error("engine busy"));
    const refused = await use.stop(account.id, second.id).catch((error: unknown) => error);

    expect(stopping.state).toBe("STOPPING");
    expect(refused).toMatchObject({ message: "engine busy" });
    expect(await use.get(account.id, second.id)).toMatchObject({ state: "RUNNING", failureReason: "stop failed: engine busy" });
    expect(engine.callsOf("stopChannel")).toEqual([[first.engineChannelId], [second.engineChannelId]]);
    await expect(use.stop(account.id, first.id)).rejects.toMatchObject({ details: { state: "STOPPING" } });
  });

  it("takes the engine's state from its events: newest first, a later stage within the same second, a standard channel stopped only with no pipeline left", async () => {
    const { account, use, clock } = await channels();
    const channel = await use.start(account.id, (await use.create(account.id, RTMP)).id);
    const engineId = channel.engineChannelId!;
    const startedAt = clock.eventTime();
    clock.advance(5_000);
    const later = clock.eventTime();

    const running = await use.onStateChange(channelStateChange(engineId, "RUNNING", later));
    const stale = await use.onStateChange(channelStateChange(engineId, "STARTING", startedAt));
    const sameSecondEarlierStage = await use.onStateChange(channelStateChange(engineId, "STARTING", later));
    const onePipelineLeft = await use.onStateChange(channelStateChange(engineId, "STOPPED", later, 1));
    const stopped = await use.onStateChange(channelStateChange(engineId, "STOPPED", later, 0));
    const unknown = await use.onStateChange(channelStateChange("no-such-engine-channel", "RUNNING", later));

    expect([running?.state, stale?.state, sameSecondEarlierStage?.state, onePipelineLeft?.state, stopped?.state]).toEqual(["RUNNING", "RUNNING", "RUNNING", "RUNNING", "STOPPED"]);
    expect(stopped?.stateChangedAt).toBe(later);
    expect(unknown).toBeUndefined();
  });

  it("remembers input loss from the engine's alerts, and forgets it when input is back or the channel stops", async () => {
    const { use, clock, running } = await channels();
    const channel = await running();
    const engineId = channel.engineChannelId!;

    const lostAt = clock.eventTime();
    const lost = await use.onAlert(channelAlert(engineId, "SET", lostAt));
    clock.advance(3_000);
    const lostAgain = await use.onAlert(channelAlert(engineId, "SET", clock.eventTime()));
    const otherAlert = await use.onAlert(channelAlert(engineId, "SET", clock.eventTime(), "Encoder Pipeline Failure"));
    const back = await use.onAlert(channelAlert(engineId, "CLEARED", clock.eventTime()));
    await use.onAlert(channelAlert(engineId, "SET", clock.eventTime()));
    const stopped = await use.onStateChange(channelStateChange(engineId, "STOPPED", clock.eventTime()));

    expect(lost?.inputLostSince).toBe(lostAt);
    expect(lostAgain?.inputLostSince).toBe(lostAt);
    expect(otherAlert).toBeUndefined();
    expect(back).not.toHaveProperty("inputLostSince");
    expect(stopped?.state).toBe("STOPPED");
    expect(stopped).not.toHaveProperty("inputLostSince");
  });

  it("stops running channels that have had no input for longer than the idle limit, one refusal stopping none of the others", async () => {
    const { account, engine, use, clock, running } = await channels();
    const idle = [await running(), await running()];
    const recentlyLost = await running();
    const fed = await running();
    for (const channel of idle) await use.onAlert(channelAlert(channel.engineChannelId!, "SET", clock.eventTime()));
    clock.advance(IDLE_STOP_AFTER_MS);
    await use.onAlert(channelAlert(recentlyLost.engineChannelId!, "SET", clock.eventTime()));
    clock.advance(1_000);
    engine.refuseNext("stopChannel");

    const stopped = await use.stopIdle();

    const [refused, stoppedOne] = engine.callsOf("stopChannel").map(([engineId]) => idle.find((channel) => channel.engineChannelId === engineId)!);
    expect(stoppedOne).toBeDefined();
    expect([refused!.id, stoppedOne!.id].sort()).toEqual(idle.map((channel) => channel.id).sort());
    expect(stopped).toEqual([stoppedOne!.id]);
    expect(await use.get(account.id, stoppedOne!.id)).toMatchObject({ state: "STOPPING" });
    expect(await use.get(account.id, refused!.id)).toMatchObject({ state: "RUNNING", failureReason: "stop failed: stopChannel refused" });
    expect((await use.get(account.id, recentlyLost.id)).state).toBe("RUNNING");
    expect((await use.get(account.id, fed.id)).state).toBe("RUNNING");
  });

  it("signs playback of the live playlists under live/<channelId>/ on the account's CDN", async () => {
    const { account, signer, use, clock } = await channels();
    const channel = await use.create(account.id, RTMP);

    const playback = await use.playback(account.id, channel.id);

    const expiresAt = new Date(clock.now().getTime() + 60 * 60_000);
    expect(signer.callsOf("signPath")).toEqual([[account.id, `${account.cdnBaseUrl}/live/${channel.id}/*`, expiresAt]]);
    expect(playback).toMatchObject({ channelId: channel.id, state: "CREATED", hlsUrl: `${account.cdnBaseUrl}/live/${channel.id}/master.m3u8`, expiresAt: expiresAt.toISOString() });
    await expect(use.playback(activeAccount().id, channel.id)).rejects.toBeInstanceOf(NotFound);
  });

  it("deletes a stopped channel in the engine; it is then gone for get, list and playback", async () => {
    const { account, engine, use, clock, running } = await channels();
    const channel = await running();
    await use.stop(account.id, channel.id);
    clock.advance(1_000);
    await use.onStateChange(channelStateChange(channel.engineChannelId!, "STOPPED", clock.eventTime()));
    await use.playback(account.id, channel.id);

    await use.remove(account.id, channel.id);

    expect(engine.callsOf("deleteChannel")).toEqual([[channel.engineChannelId]]);
    await expect(use.get(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    await expect(use.playback(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    await expect(use.start(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    expect(await use.list(account.id)).toEqual([]);
  });
});
