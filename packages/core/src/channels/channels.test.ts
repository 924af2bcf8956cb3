import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { Conflict, NotFound } from "../errors.ts";
import { activeAccount, channelAlert, channelStateChange } from "../testing.ts";
import { type ChannelSpec, localLivePlayback } from "./channel.ts";
import { channelsOnDynalite, IDLE_STOP_AFTER_MS, RTMP, stepRequested } from "./channels-testing.ts";

const channels = channelsOnDynalite("channels-use-cases");

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
      latency: "normal",
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

  it("makes an SRT channel a passphrase of its own, which its ingest answers, and no stream key", async () => {
    const { account, engine, use } = await channels();

    const first = await use.create(account.id, { name: "field encoder", inputType: "SRT_LISTENER", allowCidrs: ["198.51.100.0/24"] });
    const second = await use.create(account.id, { name: "second encoder", inputType: "SRT_LISTENER", allowCidrs: ["198.51.100.0/24"] });

    const [spec, otherSpec] = engine.callsOf("createChannel").map(([sent]) => sent as ChannelSpec);
    expect(spec).toMatchObject({ inputType: "SRT_LISTENER", srtPassphrase: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), streamKey: undefined });
    expect(otherSpec!.srtPassphrase).not.toBe(spec!.srtPassphrase);
    expect(first.ingest).toEqual([{ url: "srt://203.0.113.10:9000", passphrase: spec!.srtPassphrase }]);
    expect(second.ingest[0]!.passphrase).toBe(otherSpec!.srtPassphrase);
  });

  it("tells the engine the account's distribution, the only reader of the channel's live packaging", async () => {
    const distributionArn = "arn:aws:cloudfront::111122223333:distribution/E2QWRUHAPOMQZL";
    const { account, engine, use } = await channels({ distributionArn });

    await use.create(account.id, RTMP);

    expect(engine.callsOf("createChannel")[0]![0]).toMatchObject({ accountId: account.id, distributionArn });
  });

  it("asks the engine for nothing when the input is invalid or the account is missing or not ACTIVE", async () => {
    const { account, accounts, engine, publisher, use } = await channels();
    const provisioning = activeAccount({ status: "PROVISIONING" });
    await accounts.create(provisioning, `hash-${provisioning.id}`);

    await expect(use.create(account.id, { ...RTMP, allowCidrs: ["300.1.1.1/8"] })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create(account.id, { ...RTMP, allowCidrs: [] })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create(account.id, { ...RTMP, name: "tab\there" })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create("acc-0000000000000000", RTMP)).rejects.toBeInstanceOf(NotFound);
    await expect(use.create(provisioning.id, RTMP)).rejects.toMatchObject({ name: "Conflict", details: { status: "PROVISIONING" } });

    expect(engine.calls).toEqual([]);
    expect(publisher.published).toEqual([]);
    expect(await use.list(account.id)).toEqual([]);
  });

  it("keeps a channel the engine could not create as CREATE_FAILED, with the reason, and deletes it by its id, which leaves nothing of it in the engine", async () => {
    const { account, engine, publisher, use } = await channels();
    engine.refuseNext("createChannel", new Error("input security group limit reached"));

    await expect(use.create(account.id, RTMP)).rejects.toThrow("input security group limit reached");
    const [failed] = await use.list(account.id);
    const deleting = await use.remove(account.id, failed!.id);
    const deleted = await use.step(account.id, failed!.id);

    expect(failed).toMatchObject({ state: "CREATE_FAILED", failureReason: "input security group limit reached" });
    expect(failed).not.toHaveProperty("engineChannelId");
    expect(deleting).toMatchObject({ state: "DELETING", command: { name: "delete", from: "CREATE_FAILED", attempts: 0 } });
    expect(deleting).not.toHaveProperty("failureReason");
    expect(publisher.published).toEqual([stepRequested(account.id, failed!.id)]);
    expect(engine.callsOf("deleteChannel")).toEqual([[{ accountId: account.id, channelId: failed!.id, inputType: "RTMP_PUSH" }]]);
    expect(deleted).toMatchObject({ state: "DELETED" });
    expect(deleted).not.toHaveProperty("command");
    expect(await use.list(account.id)).toEqual([]);
  });

  it("records a start with a new recording session and answers at once; its step starts the engine, once: a second start or a deletion is refused", async () => {
    const { account, engine, publisher, use, clock } = await channels();
    const created = await use.create(account.id, RTMP);

    const starting = await use.start(account.id, created.id);
    const startsBeforeStep = engine.callsOf("startChannel").length;
    const stepped = await use.step(account.id, created.id);
    const steppedAgain = await use.step(account.id, created.id);
    const startAgain = await use.start(account.id, created.id).catch((error: unknown) => error);

    expect(starting).toMatchObject({
      state: "STARTING",
      stateChangedAt: clock.eventTime(),
      sessionId: expect.stringMatching(/^20260301t120000z-[a-z0-9]{6}$/),
      command: { name: "start", from: "CREATED", requestedAt: clock.now().toISOString(), attempts: 0 },
    });
    expect(publisher.published).toEqual([stepRequested(account.id, created.id)]);
    expect(startsBeforeStep).toBe(0);
    expect(engine.callsOf("startChannel")).toEqual([[created.engineChannelId, starting.sessionId]]);
    expect(stepped).toMatchObject({ state: "STARTING", sessionId: starting.sessionId });
    expect(stepped).not.toHaveProperty("command");
    expect(steppedAgain).toEqual(stepped);
    expect(startAgain).toBeInstanceOf(Conflict);
    expect(startAgain).toMatchObject({ message: `channel ${created.id} is STARTING; it can start only when CREATED or IDLE or STOPPED`, details: { state: "STARTING" } });
    await expect(use.remove(account.id, created.id)).rejects.toBeInstanceOf(Conflict);
  });

  it("puts a channel the engine would not start back as it was, with the reason", async () => {
    const { account, engine, use } = await channels();
    const created = await use.create(account.id, RTMP);
    engine.refuseNext("startChannel", new Conflict("no capacity"));

    await use.start(account.id, created.id);
    const refused = await use.step(account.id, created.id);

    const after = await use.get(account.id, created.id);
    expect(refused).toEqual(after);
    expect(after).toMatchObject({ state: "CREATED", failureReason: "start failed: no capacity" });
    expect(after).not.toHaveProperty("sessionId");
    expect(after).not.toHaveProperty("command");
  });

  it("stops a running channel in its step, and puts it back RUNNING, with the reason, when the engine refuses", async () => {
    const { account, engine, publisher, use, running } = await channels();
    const first = await running();
    const second = await running();
    const publishedBefore = publisher.published.length;

    const stopping = await use.stop(account.id, first.id);
    await use.stop(account.id, second.id);
    const stopsBeforeSteps = engine.callsOf("stopChannel").length;
    const stepped = await use.step(account.id, first.id);
    engine.refuseNext("stopChannel", new Conflict("engine busy"));
    const refused = await use.step(account.id, second.id);

    expect(stopping).toMatchObject({ state: "STOPPING", command: { name: "stop", from: "RUNNING", fromSessionId: first.sessionId, attempts: 0 } });
    expect(publisher.published.slice(publishedBefore)).toEqual([stepRequested(account.id, first.id), stepRequested(account.id, second.id)]);
    expect(stopsBeforeSteps).toBe(0);
    expect(stepped).toMatchObject({ state: "STOPPING" });
    expect(stepped).not.toHaveProperty("command");
    expect(refused).toMatchObject({ state: "RUNNING", sessionId: second.sessionId, failureReason: "stop failed: engine busy" });
    expect(await use.get(account.id, second.id)).toEqual(refused);
    expect(engine.callsOf("stopChannel")).toEqual([[first.engineChannelId], [second.engineChannelId]]);
    await expect(use.stop(account.id, first.id)).rejects.toMatchObject({ details: { state: "STOPPING" } });
  });

  it("lists the runs on air, starting or draining with their sessions, for an engine restarted without them; none of a channel at rest", async () => {
    const { account, use, running } = await channels();
    const onAir = await running();
    const draining = await running();
    await use.stop(account.id, draining.id);
    const created = await use.create(account.id, RTMP);
    const starting = await use.start(account.id, (await use.create(account.id, RTMP)).id);

    const mine = new Set([onAir, draining, created, starting].map((channel) => channel.engineChannelId));
    const listed = (await use.onAir()).filter((run) => mine.has(run.engineChannelId));

    expect(listed).toEqual(
      expect.arrayContaining([
        { engineChannelId: onAir.engineChannelId, sessionId: onAir.sessionId },
        { engineChannelId: draining.engineChannelId, sessionId: draining.sessionId },
        { engineChannelId: starting.engineChannelId, sessionId: starting.sessionId },
      ]),
    );
    expect(listed).toHaveLength(3);
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
    const { account, engine, publisher, use, clock, running } = await channels();
    const idle = [await running(), await running()];
    const recentlyLost = await running();
    const fed = await running();
    for (const channel of idle) await use.onAlert(channelAlert(channel.engineChannelId!, "SET", clock.eventTime()));
    clock.advance(IDLE_STOP_AFTER_MS);
    await use.onAlert(channelAlert(recentlyLost.engineChannelId!, "SET", clock.eventTime()));
    clock.advance(1_000);
    const publishedBefore = publisher.published.length;

    const stopped = await use.stopIdle();
    engine.refuseNext("stopChannel", new Conflict("stopChannel refused"));
    for (const channelId of stopped) await use.step(account.id, channelId);

    const [refused, stoppedOne] = engine.callsOf("stopChannel").map(([engineId]) => idle.find((channel) => channel.engineChannelId === engineId)!);
    expect(stoppedOne).toBeDefined();
    expect([refused!.id, stoppedOne!.id].sort()).toEqual(idle.map((channel) => channel.id).sort());
    expect([...stopped].sort()).toEqual(idle.map((channel) => channel.id).sort());
    expect(publisher.published.slice(publishedBefore)).toEqual(stopped.map((channelId) => stepRequested(account.id, channelId)));
    expect(await use.get(account.id, stoppedOne!.id)).toMatchObject({ state: "STOPPING" });
    expect(await use.get(account.id, stoppedOne!.id)).not.toHaveProperty("command");
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

  it("signs playback where the engine serves the channel's live output (MediaPackage's egress path in AWS)", async () => {
    const { account, engine, signer, use } = await channels();
    const channel = await use.create(account.id, RTMP);
    engine.playbackOf = (channelId) => {
      const root = `out/v1/vs-test/vs-test-${channelId}`;
      return { root, hls: `${root}/ts/master.m3u8`, hlsCmaf: `${root}/cmaf/master.m3u8`, dash: `${root}/cmaf/manifest.mpd` };
    };

    const playback = await use.playback(account.id, channel.id);

    expect(signer.callsOf("signPath")[0]![1]).toBe(`${account.cdnBaseUrl}/out/v1/vs-test/vs-test-${channel.id}/*`);
    expect(playback.hlsUrl).toBe(`${account.cdnBaseUrl}/out/v1/vs-test/vs-test-${channel.id}/ts/master.m3u8`);
  });

  it("lists every format of the one encode and prefers the one that carries the channel's latency and encryption", async () => {
    const { account, engine, use } = await channels();
    const normal = await use.create(account.id, RTMP);
    const low = await use.create(account.id, { ...RTMP, latency: "low" });
    const lowEncrypted = await use.create(account.id, { ...RTMP, latency: "low", encryption: { keyRotationSeconds: 600 } });
    const cdn = (path: string) => `${account.cdnBaseUrl}/live/${normal.id}/${path}`;

    const clear = await use.playback(account.id, normal.id);
    expect(clear).toMatchObject({ latency: "normal", encrypted: false, preferredFormat: "hls" });
    expect(clear.formats).toEqual({ hls: cdn("master.m3u8"), hlsCmaf: cdn("cmaf/master.m3u8"), dash: cdn("cmaf/manifest.mpd"), mss: cdn("mss/Manifest") });
    expect((await use.playback(account.id, low.id)).preferredFormat).toBe("dash");
    const encrypted = await use.playback(account.id, lowEncrypted.id);
    expect(encrypted).toMatchObject({ encrypted: true, preferredFormat: "dash" });
    expect(encrypted.formats.mss).toBeUndefined();

    // MediaPackage v2: low latency is LL-HLS on CMAF, and only HLS-TS opens with our own keys.
    engine.playbackOf = (channelId) => ({ ...localLivePlayback(channelId), mss: undefined, lowLatencyFormat: "hlsCmaf", keyServerFormats: ["hls"] });
    const aws = await channels();
    const awsLow = await aws.use.create(aws.account.id, { ...RTMP, latency: "low" });
    const awsLowEncrypted = await aws.use.create(aws.account.id, { ...RTMP, latency: "low", encryption: {} });
    aws.engine.playbackOf = engine.playbackOf;
    expect((await aws.use.playback(aws.account.id, awsLow.id)).preferredFormat).toBe("hlsCmaf");
    const awsEncrypted = await aws.use.playback(aws.account.id, awsLowEncrypted.id);
    expect(awsEncrypted.preferredFormat).toBe("hls");
    expect(Object.keys(awsEncrypted.formats)).toEqual(["hls"]);
    expect((await aws.use.get(aws.account.id, awsLowEncrypted.id)).encryption).toEqual({ keyRotationSeconds: 3_600 });
  });

  it("refuses a key rotation outside 60 s to a day, naming the field", async () => {
    const { account, use } = await channels();
    await expect(use.create(account.id, { ...RTMP, encryption: { keyRotationSeconds: 10 } })).rejects.toThrow(/keyRotationSeconds/);
    await expect(use.create(account.id, { ...RTMP, latency: "ultra" as "low" })).rejects.toThrow(/latency/);
  });

  it("deletes a stopped channel in the engine in its step; it is then gone for get, list and playback", async () => {
    const { account, engine, publisher, use, stopped } = await channels();
    const channel = await stopped();
    await use.playback(account.id, channel.id);
    const publishedBefore = publisher.published.length;

    const deleting = await use.remove(account.id, channel.id);
    const whileDeleting = await use.get(account.id, channel.id);
    const deletesBeforeStep = engine.callsOf("deleteChannel").length;
    await use.step(account.id, channel.id);

    expect(deleting).toMatchObject({ state: "DELETING", command: { name: "delete", from: "STOPPED", attempts: 0 } });
    expect(whileDeleting).toEqual(deleting);
    expect(publisher.published.slice(publishedBefore)).toEqual([stepRequested(account.id, channel.id)]);
    expect(deletesBeforeStep).toBe(0);
    expect(engine.callsOf("deleteChannel")).toEqual([[{ accountId: account.id, channelId: channel.id, engineChannelId: channel.engineChannelId, inputType: "RTMP_PUSH" }]]);
    await expect(use.get(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    await expect(use.playback(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    await expect(use.start(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    expect(await use.list(account.id)).toEqual([]);
  });
});
