import type { Channel } from "./channel.ts";
import { describe, expect, it } from "vitest";
import { Conflict, InvalidInput, NotFound } from "../errors.ts";
import { channelStateChange } from "../testing.ts";
import { channelsOnDynalite, RTMP, stepRequested } from "./channels-testing.ts";

const channels = channelsOnDynalite("channel-commands");
const THROTTLED = "ThrottlingException: rate exceeded";
/** The sweeper lists every account's commands; a test looks at its own channels only. */
const among = (ids: readonly string[], own: readonly { id: string }[]) => ids.filter((id) => own.some((channel) => channel.id === id));

describe("Channel commands, run step by step from events", () => {
  it("keeps a start while the engine settles and after a passing failure, and clears it once the engine took it", async () => {
    const { account, engine, use } = await channels();
    const created = await use.create(account.id, RTMP);
    const starting = await use.start(account.id, created.id);
    engine.pendNext("startChannel");

    const pending = await use.step(account.id, created.id);
    engine.refuseNext("startChannel", new Error(THROTTLED));
    const passing = await use.step(account.id, created.id).catch((error: unknown) => error);
    const afterPassing = await use.get(account.id, created.id);
    const done = await use.step(account.id, created.id);

    expect(pending).toEqual(starting);
    expect(passing).toMatchObject({ message: THROTTLED });
    expect(afterPassing).toEqual(starting);
    expect(done).toMatchObject({ state: "STARTING", sessionId: starting.sessionId });
    expect(done).not.toHaveProperty("command");
    expect(engine.callsOf("startChannel")).toEqual([1, 2, 3].map(() => [created.engineChannelId, starting.sessionId]));
  });

  it("keeps a stop while the engine settles and after a passing failure; STOPPED then comes from the engine", async () => {
    const { account, engine, use, clock, running } = await channels();
    const channel = await running();
    const stopping = await use.stop(account.id, channel.id);
    engine.pendNext("stopChannel");

    const pending = await use.step(account.id, channel.id);
    engine.refuseNext("stopChannel", new Error(THROTTLED));
    const passing = await use.step(account.id, channel.id).catch((error: unknown) => error);
    const afterPassing = await use.get(account.id, channel.id);
    const done = await use.step(account.id, channel.id);
    clock.advance(1_000);
    const stopped = await use.onStateChange(channelStateChange(channel.engineChannelId!, "STOPPED", clock.eventTime()));

    expect(pending).toEqual(stopping);
    expect(passing).toMatchObject({ message: THROTTLED });
    expect(afterPassing).toEqual(stopping);
    expect(done).toMatchObject({ state: "STOPPING" });
    expect(done).not.toHaveProperty("command");
    expect(stopped).toMatchObject({ state: "STOPPED", sessionId: channel.sessionId });
    expect(engine.callsOf("stopChannel")).toEqual([1, 2, 3].map(() => [channel.engineChannelId]));
  });

  it("keeps a deletion DELETING while the engine still holds something of the channel or fails for a passing reason, DELETED once nothing is left", async () => {
    const { account, engine, use, stopped } = await channels();
    const channel = await stopped();
    const deleting = await use.remove(account.id, channel.id);
    engine.pendNext("deleteChannel", 2);

    const first = await use.step(account.id, channel.id);
    const second = await use.step(account.id, channel.id);
    engine.refuseNext("deleteChannel", new Error(THROTTLED));
    const passing = await use.step(account.id, channel.id).catch((error: unknown) => error);
    const afterPassing = await use.get(account.id, channel.id);
    const done = await use.step(account.id, channel.id);
    const deliveredAgain = await use.step(account.id, channel.id);

    expect([first, second, afterPassing]).toEqual([deleting, deleting, deleting]);
    expect(passing).toMatchObject({ message: THROTTLED });
    expect(done).toMatchObject({ state: "DELETED" });
    expect(done).not.toHaveProperty("command");
    expect(deliveredAgain).toEqual(done);
    expect(engine.callsOf("deleteChannel")).toEqual([1, 2, 3, 4].map(() => [{ accountId: channel.accountId, channelId: channel.id, engineChannelId: channel.engineChannelId, inputType: "RTMP_PUSH" }]));
    await expect(use.get(account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
  });

  it("puts a channel back as it was, with the reason, when the engine refuses a command; a refused start keeps the last run's session", async () => {
    const { account, engine, use, running, stopped } = await channels();
    const toStart = await stopped();
    const toStop = await running();
    const toDelete = await stopped();
    await use.start(account.id, toStart.id);
    await use.stop(account.id, toStop.id);
    await use.remove(account.id, toDelete.id);

    engine.refuseNext("startChannel", new InvalidInput("sessionId", "letters, digits, dots, underscores and hyphens only"));
    const start = await use.step(account.id, toStart.id);
    engine.refuseNext("stopChannel", new NotFound("MediaLive channel", toStop.engineChannelId!));
    const stop = await use.step(account.id, toStop.id);
    engine.refuseNext("deleteChannel", new Conflict("the input is attached to another channel"));
    const deletion = await use.step(account.id, toDelete.id);

    expect(start).toMatchObject({ state: "STOPPED", sessionId: toStart.sessionId, failureReason: "start failed: sessionId: letters, digits, dots, underscores and hyphens only" });
    expect(stop).toMatchObject({ state: "RUNNING", sessionId: toStop.sessionId, failureReason: `stop failed: MediaLive channel ${toStop.engineChannelId} was not found` });
    expect(deletion).toMatchObject({ state: "STOPPED", failureReason: "delete failed: the input is attached to another channel" });
    for (const channel of [start, stop, deletion]) expect(channel).not.toHaveProperty("command");
    expect(await use.remove(account.id, toDelete.id)).toMatchObject({ state: "DELETING" });
  });

  it("lets a stop replace a start under way: the start's late step changes nothing, and a stop that finds nothing on air ends STOPPED", async () => {
    const { account, engine, publisher, use } = await channels();
    const created = await use.create(account.id, RTMP);
    await use.start(account.id, created.id);
    let stopping: Channel | undefined;
    engine.during = async (step) => {
      if (step === "startChannel") stopping = await use.stop(account.id, created.id);
    };

    const afterStartStep = await use.step(account.id, created.id);
    engine.during = undefined;
    engine.nothingOnAirNext();
    const afterStopStep = await use.step(account.id, created.id);

    expect(stopping).toMatchObject({ state: "STOPPING", command: { name: "stop", from: "CREATED" } });
    expect(afterStartStep).toMatchObject({ state: "STOPPING", command: { name: "stop" } });
    expect(afterStopStep).toMatchObject({ state: "STOPPED" });
    expect(afterStopStep).not.toHaveProperty("command");
    expect(engine.callsOf("startChannel")).toHaveLength(1);
    expect(engine.callsOf("stopChannel")).toHaveLength(1);
    expect(publisher.published).toEqual([stepRequested(account.id, created.id), stepRequested(account.id, created.id)]);
  });

  it("a step's writes hold only for its own command: a command that replaced it is neither cleared nor failed", async () => {
    const { account, engine, use } = await channels();
    const created = await use.create(account.id, RTMP);
    await use.start(account.id, created.id);
    engine.during = async (step) => {
      if (step !== "startChannel") return;
      await use.stop(account.id, created.id);
      throw new Conflict("MediaLive refused the start");
    };

    const afterRefusedStart = await use.step(account.id, created.id);

    expect(afterRefusedStart).toMatchObject({ state: "STOPPING", command: { name: "stop", from: "CREATED" } });
    expect(afterRefusedStart).not.toHaveProperty("failureReason");
  });

  it("while a start is under way, takes only an engine state that shows it took effect; any other state runs its next step", async () => {
    const { account, engine, use, clock, stopped } = await channels();
    const channel = await stopped();
    const lastRunEndedAt = clock.eventTime();
    const startsBefore = engine.callsOf("startChannel").length;
    clock.advance(1_000);
    const starting = await use.start(account.id, channel.id);
    engine.pendNext("startChannel");
    await use.step(account.id, channel.id);
    clock.advance(1_000);

    const staleRunning = await use.onStateChange(channelStateChange(channel.engineChannelId!, "RUNNING", lastRunEndedAt));
    const otherState = await use.onStateChange(channelStateChange(channel.engineChannelId!, "STOPPED", clock.eventTime()));
    clock.advance(1_000);
    const running = await use.onStateChange(channelStateChange(channel.engineChannelId!, "RUNNING", clock.eventTime()));

    expect(staleRunning).toEqual(starting);
    expect(otherState).toMatchObject({ state: "STARTING", sessionId: starting.sessionId });
    expect(otherState).not.toHaveProperty("command");
    expect(engine.callsOf("startChannel").slice(startsBefore)).toEqual([1, 2].map(() => [channel.engineChannelId, starting.sessionId]));
    expect(running).toMatchObject({ state: "RUNNING", sessionId: starting.sessionId });
  });

  it("stays STOPPING when the engine's RUNNING races with a stop: the RUNNING runs the stop's step, and STOPPED follows", async () => {
    const { account, engine, use, clock, running } = await channels();
    const channel = await running();
    await use.stop(account.id, channel.id);
    clock.advance(1_000);

    const raced = await use.onStateChange(channelStateChange(channel.engineChannelId!, "RUNNING", clock.eventTime()));
    const stepDelivered = await use.step(account.id, channel.id);
    clock.advance(1_000);
    const stopped = await use.onStateChange(channelStateChange(channel.engineChannelId!, "STOPPED", clock.eventTime()));

    expect(raced).toMatchObject({ state: "STOPPING" });
    expect(raced).not.toHaveProperty("command");
    expect(stepDelivered).toEqual(raced);
    expect(engine.callsOf("stopChannel")).toEqual([[channel.engineChannelId]]);
    expect(stopped).toMatchObject({ state: "STOPPED" });
  });

  it("takes no state from the engine during a deletion: each event runs its next step until the channel is DELETED", async () => {
    const { account, engine, use, clock, stopped } = await channels();
    const channel = await stopped();
    const deleting = await use.remove(account.id, channel.id);
    engine.pendNext("deleteChannel");
    clock.advance(1_000);

    const whileHeld = await use.onStateChange(channelStateChange(channel.engineChannelId!, "IDLE", clock.eventTime()));
    const gone = await use.onStateChange(channelStateChange(channel.engineChannelId!, "DELETED", clock.eventTime()));
    const after = await use.onStateChange(channelStateChange(channel.engineChannelId!, "DELETED", clock.eventTime()));

    expect(whileHeld).toEqual(deleting);
    expect(gone).toMatchObject({ state: "DELETED" });
    expect(after).toBeUndefined();
    expect(engine.callsOf("deleteChannel")).toHaveLength(2);
  });

  it("releases every channel of an account being deleted, running ones too, a step per call until all are DELETED", async () => {
    const { account, engine, publisher, use, clock, running, stopped } = await channels();
    const neighbour = await channels();
    const theirs = await neighbour.running();
    engine.refuseNext("createChannel", new Error("input limit reached"));
    await use.create(account.id, RTMP).catch(() => undefined);
    const [failed] = await use.list(account.id);
    clock.advance(1_000);
    const alreadyDeleted = await use.create(account.id, RTMP);
    await use.remove(account.id, alreadyDeleted.id);
    await use.step(account.id, alreadyDeleted.id);
    clock.advance(1_000);
    const ended = await stopped();
    clock.advance(1_000);
    const onAir = await running();
    const deletionsBefore = engine.callsOf("deleteChannel").length;
    const publishedBefore = publisher.published.length;
    engine.pendNext("deleteChannel");

    const first = await use.releaseAll(account.id);
    const stillOnAir = await use.get(account.id, onAir.id);
    const second = await use.releaseAll(account.id);
    const third = await use.releaseAll(account.id);

    expect([first, second, third]).toEqual(["pending", "done", "done"]);
    expect(stillOnAir).toMatchObject({ state: "DELETING", command: { name: "delete", from: "RUNNING" } });
    expect(engine.callsOf("deleteChannel").slice(deletionsBefore)).toEqual([
      [{ accountId: onAir.accountId, channelId: onAir.id, engineChannelId: onAir.engineChannelId, inputType: "RTMP_PUSH" }],
      [{ accountId: ended.accountId, channelId: ended.id, engineChannelId: ended.engineChannelId, inputType: "RTMP_PUSH" }],
      [{ accountId: account.id, channelId: failed!.id, inputType: "RTMP_PUSH" }],
      [{ accountId: onAir.accountId, channelId: onAir.id, engineChannelId: onAir.engineChannelId, inputType: "RTMP_PUSH" }],
    ]);
    expect(publisher.published.slice(publishedBefore)).toEqual([onAir, ended, failed!].map((channel) => stepRequested(account.id, channel.id)));
    expect(await use.list(account.id)).toEqual([]);
    expect(await neighbour.use.get(neighbour.account.id, theirs.id)).toEqual(theirs);
  });

  it("asks again for the next step of a command left longer than the grace, counting attempts, and leaves alone what is recent or waits for an event", async () => {
    const { account, engine, publisher, use, clock, running } = await channels();
    const waitingForStopped = await running();
    await use.stop(account.id, waitingForStopped.id);
    await use.step(account.id, waitingForStopped.id);
    const left = await use.start(account.id, (await use.create(account.id, RTMP)).id);
    engine.pendNext("startChannel");
    await use.step(account.id, left.id);
    clock.advance(20_000);
    const recent = await use.remove(account.id, (await use.create(account.id, RTMP)).id);
    clock.advance(10_000);
    const own = [waitingForStopped, left, recent];
    const publishedBefore = publisher.published.length;

    const resumed = among(await use.resumePending({ graceMs: 30_000, maxAttempts: 3 }), own);
    const counted = await use.get(account.id, left.id);
    const resumedAgain = among(await use.resumePending({ graceMs: 30_000, maxAttempts: 3 }), own);
    const done = await use.step(account.id, left.id);

    expect(resumed).toEqual([left.id]);
    expect(counted).toMatchObject({ state: "STARTING", updatedAt: clock.now().toISOString(), command: { ...left.command, attempts: 1 } });
    expect(publisher.published.slice(publishedBefore).filter((entry) => entry.detail.accountId === account.id)).toEqual([stepRequested(account.id, left.id)]);
    expect(resumedAgain).toEqual([]);
    expect(done).not.toHaveProperty("command");
    expect((await use.get(account.id, recent.id)).command).toMatchObject({ name: "delete", attempts: 0 });
    expect((await use.get(account.id, waitingForStopped.id)).state).toBe("STOPPING");
  });

  it("gives a command up after the most attempts, putting the channel back as it was with the reason", async () => {
    const { account, engine, use, clock, stopped } = await channels();
    const channel = await stopped();
    const startsBefore = engine.callsOf("startChannel").length;
    const starting = await use.start(account.id, channel.id);
    engine.pendNext("startChannel", 3);
    await use.step(account.id, channel.id);

    const sweeps: string[][] = [];
    for (let sweep = 0; sweep < 3; sweep++) {
      clock.advance(30_000);
      sweeps.push(among(await use.resumePending({ graceMs: 30_000, maxAttempts: 2 }), [channel]));
      await use.step(account.id, channel.id);
    }

    const givenUp = await use.get(account.id, channel.id);
    expect(sweeps).toEqual([[channel.id], [channel.id], []]);
    expect(engine.callsOf("startChannel").slice(startsBefore)).toHaveLength(3);
    expect(givenUp).toMatchObject({
      state: "STOPPED",
      sessionId: channel.sessionId,
      failureReason: `start failed: not done after 2 attempts since ${starting.command!.requestedAt}`,
    });
    expect(givenUp).not.toHaveProperty("command");
  });

  it("lets a creation cut short (left CREATING) be deleted after a minute, and not before", async () => {
    const { account, clock, engine, repository, use } = await channels();
    const created = await use.create(account.id, RTMP);
    // As if the request had died between storing the channel and the engine's answer.
    await repository.update(account.id, created.id, { state: "CREATING", engineChannelId: undefined, updatedAt: clock.now().toISOString() });

    const tooSoon = await use.remove(account.id, created.id).catch((error: unknown) => error);
    clock.advance(61_000);
    const deleting = await use.remove(account.id, created.id);
    const deleted = await use.step(account.id, created.id);

    expect(tooSoon).toBeInstanceOf(Conflict);
    expect(deleting).toMatchObject({ state: "DELETING", command: { name: "delete", from: "CREATING" } });
    expect(engine.callsOf("deleteChannel")).toEqual([[{ accountId: created.accountId, channelId: created.id, inputType: "RTMP_PUSH" }]]);
    expect(deleted).toMatchObject({ state: "DELETED" });
  });
});
