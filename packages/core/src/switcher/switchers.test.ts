import { beforeAll, describe, expect, it } from "vitest";
import { visionStreamEntry } from "@visionstream/events";
import { Conflict, InvalidInput, NotFound } from "../errors.ts";
import { activeAccount, sourceHealth } from "../testing.ts";
import { busFlowName, flowName, type ScheduledSwitch, type SwitcherSpec } from "./switcher.ts";
import { InvalidArchitecture } from "./switchers.ts";
import { switchersOnDynalite } from "./switchers-testing.ts";

const fixture = switchersOnDynalite("switchers-use-cases");
const switchers = fixture.switchers;
/** examples/switcher.local.json: stage-a, stage-b and stage-c on 9001-9003, falling back to stage-b. */
let festival: Record<string, any>;
beforeAll(() => {
  festival = fixture.festival();
});

/** The event a stored architecture publishes for its apply step. */
const applyRequested = (accountId: string, switcherId: string, version: number) => visionStreamEntry("SwitcherApplyRequested", { accountId, switcherId, version });

describe("Switchers", () => {
  it("creates a switcher from its architecture file: checked by the engine, the first ingest live and the second on preview, its file put in the bucket and built in the engine by the step that follows", async () => {
    const { account, engine, publisher, store, signer, use } = await switchers();
    engine.healthy = [{ ingestId: "stage-a", connected: true, bitrateKbps: 6_000, lastKeyframeAgeMs: 400 }];

    const view = await use.create(account.id, festival);
    const appliesBeforeStep = engine.callsOf("apply").length;
    const applied = await use.applyStored(account.id, view.id);

    const spec = { switcherId: view.id, accountId: account.id, bucketName: account.bucketName, architecture: view.architecture, live: "stage-a", preview: "stage-b" };
    expect(view).toMatchObject({ id: expect.stringMatching(/^sw-[a-z0-9]{16}$/), accountId: account.id, live: "stage-a", preview: "stage-b", schedule: [], switches: [], applyState: "APPLYING", version: 1 });
    expect(engine.callsOf("check")).toEqual([[spec]]);
    expect(publisher.published).toEqual([applyRequested(account.id, view.id, 1)]);
    expect(appliesBeforeStep).toBe(0);
    expect(engine.callsOf("apply")).toEqual([[spec]]);
    expect(JSON.parse(store.objects.get(`${account.bucketName}/switchers/${view.id}/architecture.json`)!.body)).toEqual(view.architecture);
    expect(view.ingests.map((ingest) => [ingest.id, ingest.health])).toEqual([
      ["stage-a", { connected: true, bitrateKbps: 6_000, lastKeyframeAgeMs: 400, warnings: [] }],
      ["stage-b", { connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null, warnings: [] }],
      ["stage-c", { connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null, warnings: [] }],
    ]);
    expect(view.monitors.live).toMatchObject({ kind: "hls", hlsUrl: `${account.cdnBaseUrl}/switchers/${view.id}/live/index.m3u8` });
    expect(signer.callsOf("signPath").map(([, pattern]) => pattern)).toEqual([`${account.cdnBaseUrl}/switchers/${view.id}/live/*`, `${account.cdnBaseUrl}/switchers/${view.id}/preview/*`]);
    const { ingests: _, monitors: __, ...stored } = view;
    expect(applied).toEqual({ ...stored, applyState: "APPLIED", version: 2, updatedAt: expect.any(String) });
    expect(await use.list(account.id)).toEqual([applied]);
    expect(await use.get(account.id, view.id)).toEqual({ ...view, ...applied });
  });

  it("refuses an invalid file with every fault, and an account that is not provisioned, building nothing", async () => {
    const { account, accounts, engine, use } = await switchers();
    const provisioning = activeAccount({ status: "PROVISIONING" });
    await accounts.create(provisioning, `hash-${provisioning.id}`);
    const clashing = structuredClone(festival);
    clashing.ingests[1].port = 9001;
    clashing.ingests[2].region = "mars";

    const invalid = await use.create(account.id, clashing).catch((error: unknown) => error);

    expect(invalid).toBeInstanceOf(InvalidArchitecture);
    expect((invalid as InvalidArchitecture).faults).toEqual(
      expect.arrayContaining([
        { path: "ingests[2].region", message: 'no region "mars" in regions' },
        { path: "ingests[1].port", message: "port 9001 is also used by ingests[0]" },
      ]),
    );
    await expect(use.create(provisioning.id, festival)).rejects.toMatchObject({ name: "Conflict", details: { status: "PROVISIONING" } });
    expect(engine.calls).toEqual([]);
  });

  it("builds nothing while the file cannot be kept in the bucket: the apply fails to be tried again, and the next one builds", async () => {
    const { account, engine, store, use } = await switchers();
    const view = await use.create(account.id, festival);
    store.refuseNext("put", new Error("bucket unreachable"));

    await expect(use.applyStored(account.id, view.id)).rejects.toThrow("bucket unreachable");
    const meanwhile = await use.get(account.id, view.id);
    const applied = await use.applyStored(account.id, view.id);

    expect(meanwhile.applyState).toBe("APPLYING");
    expect(engine.callsOf("apply")).toHaveLength(1);
    expect(applied?.applyState).toBe("APPLIED");
    expect(JSON.parse(store.objects.get(`${account.bucketName}/switchers/${view.id}/architecture.json`)!.body)).toEqual(view.architecture);
  });

  it("refuses at once a file the engine could never run, on creation or change, keeping and announcing nothing", async () => {
    const { account, engine, publisher, store, use } = await switchers();
    const held = new Conflict("port 9001 is held by another switcher");
    engine.refuseNext("check", held);
    const refusedCreation = await use.create(account.id, festival).catch((error: unknown) => error);
    const existing = await use.create(account.id, festival);
    const changed = structuredClone(festival);
    changed.ingests[0].port = 9011;
    engine.refuseNext("check", held);

    const refusedChange = await use.updateConfig(account.id, existing.id, changed).catch((error: unknown) => error);

    expect(refusedCreation).toBe(held);
    expect(refusedChange).toBe(held);
    expect(await use.list(account.id)).toEqual([expect.objectContaining({ id: existing.id, architecture: existing.architecture, version: 1 })]);
    // The file goes to the bucket with the apply that follows: before it, nothing.
    expect([...store.objects.keys()]).toEqual([]);
    expect(publisher.published).toEqual([applyRequested(account.id, existing.id, 1)]);
    expect(engine.callsOf("apply")).toEqual([]);
  });

  it("puts an ingest on air as the engine made the switch, records and announces it, and refuses an ingest it does not have", async () => {
    const { account, engine, publisher, use, clock } = await switchers();
    const { id } = await use.create(account.id, festival);
    engine.outcome = { mode: "cut", landedAfterMs: 40.6, note: "no keyframe within 2 s" };

    const { switcher, switch: made } = await use.setLive(account.id, id, "stage-c", "clean");
    const unknown = await use.setPreview(account.id, id, "stage-z").catch((error: unknown) => error);

    const expected = { at: clock.now().toISOString(), bus: "live", ingestId: "stage-c", previousIngestId: "stage-a", requestedMode: "clean", mode: "cut", reason: "operator", landedAfterMs: 41, note: "no keyframe within 2 s" };
    expect(made).toEqual(expected);
    expect(switcher).toMatchObject({ live: "stage-c", preview: "stage-b", switches: [expected], version: 2 });
    expect(publisher.published).toEqual([applyRequested(account.id, id, 1), { source: "visionstream", "detail-type": "StreamSwitched", detail: { accountId: account.id, switcherId: id, ...expected } }]);
    expect(unknown).toBeInstanceOf(InvalidInput);
    expect(unknown).toMatchObject({ field: "ingestId" });
    expect(engine.callsOf("switch")).toEqual([[id, "live", "stage-c", "clean"]]);
    expect(await use.events(account.id, id)).toEqual([expected]);
  });

  it("takes: preview goes on air and what was on air goes to preview, newest switch first", async () => {
    const { account, engine, publisher, use } = await switchers();
    const { id } = await use.create(account.id, festival);

    const { switcher, switches } = await use.take(account.id, id, "clean");

    expect(engine.callsOf("switch")).toEqual([
      [id, "live", "stage-b", "clean"],
      [id, "preview", "stage-a", "cut"],
    ]);
    expect(switches.map(({ bus, ingestId, reason }) => [bus, ingestId, reason])).toEqual([["live", "stage-b", "take"], ["preview", "stage-a", "take"]]);
    expect([switcher.live, switcher.preview]).toEqual(["stage-b", "stage-a"]);
    expect(switcher.switches).toEqual([switches[1], switches[0]]);
    expect(publisher.detailTypes()).toEqual(["SwitcherApplyRequested", "StreamSwitched", "StreamSwitched"]);
  });

  it("stores and announces nothing of a switch the engine superseded", async () => {
    const { account, engine, publisher, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    engine.outcome = { mode: "clean", superseded: true };

    const { switcher } = await use.setLive(account.id, id, "stage-c", "clean");

    expect(switcher).toMatchObject({ live: "stage-a", switches: [], version: 1 });
    expect(publisher.published).toEqual([applyRequested(account.id, id, 1)]);
  });

  it("keeps a lineup in time order, handed to the scheduler, and refuses an entry in the past or for an unknown ingest", async () => {
    const { account, scheduler, use, inMinutes } = await switchers();
    const { id } = await use.create(account.id, festival);
    const later = new Date(Date.parse(inMinutes(20))).toISOString().replace("Z", "+00:00");

    const lineup = await use.setSchedule(account.id, id, [
      { at: later, bus: "live", ingestId: "stage-c", mode: "cut" },
      { at: inMinutes(10), bus: "live", ingestId: "stage-b", mode: "clean" },
    ]);
    const past = await use.setSchedule(account.id, id, [{ at: inMinutes(1), bus: "live", ingestId: "stage-b", mode: "clean" }, { at: inMinutes(-1), bus: "live", ingestId: "stage-b", mode: "clean" }]).catch((error: unknown) => error);
    const unknown = await use.setSchedule(account.id, id, [{ at: inMinutes(1), bus: "preview", ingestId: "stage-z", mode: "cut" }]).catch((error: unknown) => error);

    expect(lineup).toEqual([
      { at: inMinutes(10), bus: "live", ingestId: "stage-b", mode: "clean", id: expect.any(String) },
      { at: inMinutes(20), bus: "live", ingestId: "stage-c", mode: "cut", id: expect.any(String) },
    ]);
    expect(scheduler.callsOf("replace")).toEqual([[account.id, id, lineup]]);
    expect(past).toMatchObject({ name: "InvalidInput", field: "[1].at" });
    expect(unknown).toMatchObject({ name: "InvalidInput", field: "[0].ingestId" });
  });

  it("runs a due lineup entry once, and marks the entry with the engine's refusal", async () => {
    const { account, engine, use, inMinutes, clock } = await switchers();
    const { id } = await use.create(account.id, festival);
    const [first, second] = await use.setSchedule(account.id, id, [
      { at: inMinutes(1), bus: "live", ingestId: "stage-c", mode: "clean" },
      { at: inMinutes(2), bus: "preview", ingestId: "stage-a", mode: "cut" },
    ]);
    clock.advance(60_000);

    await use.runScheduled({ accountId: account.id, switcherId: id, entryId: first!.id });
    await use.runScheduled({ accountId: account.id, switcherId: id, entryId: first!.id });
    engine.refuseNext("switch", new Error("flow not ready"));
    const refused = await use.runScheduled({ accountId: account.id, switcherId: id, entryId: second!.id }).catch((error: unknown) => error);
    await use.runScheduled({ accountId: account.id, switcherId: id, entryId: second!.id });

    const after = await use.get(account.id, id);
    expect(engine.callsOf("switch")).toEqual([
      [id, "live", "stage-c", "clean"],
      [id, "preview", "stage-a", "cut"],
    ]);
    expect(refused).toMatchObject({ message: "flow not ready" });
    expect(after.live).toBe("stage-c");
    expect(after.switches.map((entry) => entry.reason)).toEqual(["schedule"]);
    expect(after.schedule).toEqual([
      { ...first, ranAt: clock.now().toISOString() },
      { ...second, ranAt: clock.now().toISOString(), failure: "flow not ready" },
    ]);
  });

  it("applies a new architecture, keeping the buses whose ingests remain and closing the lineup entries of a removed ingest", async () => {
    const { account, engine, publisher, scheduler, store, use, inMinutes } = await switchers();
    const { id } = await use.create(account.id, festival);
    const [forB, forC] = await use.setSchedule(account.id, id, [
      { at: inMinutes(5), bus: "live", ingestId: "stage-b", mode: "clean" },
      { at: inMinutes(6), bus: "live", ingestId: "stage-c", mode: "clean" },
    ]);
    const withoutB = structuredClone(festival);
    withoutB.ingests = withoutB.ingests.filter((ingest: { id: string }) => ingest.id !== "stage-b");
    delete withoutB.fallback;

    const view = await use.updateConfig(account.id, id, withoutB);
    const appliesBeforeStep = engine.callsOf("apply").length;
    await use.applyStored(account.id, id);

    expect([view.live, view.preview]).toEqual(["stage-a", "stage-c"]);
    expect(view.applyState).toBe("APPLYING");
    expect(publisher.published.at(-1)).toEqual(applyRequested(account.id, id, view.version));
    expect(engine.callsOf("check").at(-1)).toEqual([expect.objectContaining({ switcherId: id, live: "stage-a", preview: "stage-c", architecture: view.architecture })]);
    expect(appliesBeforeStep).toBe(0);
    expect(engine.callsOf("apply")).toEqual([[expect.objectContaining({ switcherId: id, live: "stage-a", preview: "stage-c", architecture: view.architecture })]]);
    expect(JSON.parse(store.objects.get(`${account.bucketName}/switchers/${id}/architecture.json`)!.body).ingests).toHaveLength(2);
    expect(view.schedule).toEqual([{ ...forB, ranAt: expect.any(String), failure: "ingest stage-b was removed from the config" }, forC]);
    expect(scheduler.callsOf("replace").at(-1)).toEqual([account.id, id, [forC]]);
  });

  it("puts the fallback on air when the live ingest is lost, and forgets the loss when it is back", async () => {
    const { account, engine, publisher, use, clock } = await switchers();
    const { id } = await use.create(account.id, festival);
    const lostAt = clock.eventTime();

    await use.onSourceHealth(sourceHealth(flowName(id, "stage-c"), true, lostAt));
    await use.onSourceHealth(sourceHealth(busFlowName(id, "live"), true, lostAt));
    await use.onSourceHealth(sourceHealth(flowName(id, "stage-a"), true, lostAt));
    const lost = await use.get(account.id, id);
    await use.onSourceHealth(sourceHealth(flowName(id, "stage-a"), false, clock.eventTime()));
    const back = await use.get(account.id, id);

    expect(engine.callsOf("switch")).toEqual([[id, "live", "stage-b", "clean"]]);
    expect(lost).toMatchObject({ live: "stage-b", liveIngestLost: { ingestId: "stage-a", since: lostAt } });
    expect(lost.switches[0]).toMatchObject({ reason: "fallback", previousIngestId: "stage-a", note: "ingest stage-a was lost" });
    expect(publisher.published.map((entry) => entry.detail)).toEqual([{ accountId: account.id, switcherId: id, version: 1 }, expect.objectContaining({ reason: "fallback", ingestId: "stage-b" })]);
    expect(back.live).toBe("stage-b");
    expect(back).not.toHaveProperty("liveIngestLost");
  });

  it("can fall back to the slate only when the file says so", async () => {
    const { account, use } = await switchers();
    const toSlate = { ...structuredClone(festival), fallback: { to: "slate" } };
    const plain = await use.create(account.id, festival);
    const slated = await use.create(account.id, toSlate);

    const refused = await use.setLive(account.id, plain.id, "slate", "cut").catch((error: unknown) => error);
    const { switcher } = await use.setLive(account.id, slated.id, "slate", "cut");

    expect(refused).toBeInstanceOf(InvalidInput);
    expect(switcher.live).toBe("slate");
  });

  it("removes a switcher with its lineup and engine, only for its own account", async () => {
    const { account, engine, scheduler, use } = await switchers();
    const { id } = await use.create(account.id, festival);

    const foreign = await use.remove(activeAccount().id, id).catch((error: unknown) => error);
    await use.remove(account.id, id);

    expect(foreign).toBeInstanceOf(NotFound);
    expect(scheduler.callsOf("replace")).toEqual([[account.id, id, []]]);
    expect(engine.callsOf("remove")).toEqual([[id]]);
    await expect(use.get(account.id, id)).rejects.toBeInstanceOf(NotFound);
    expect(await use.list(account.id)).toEqual([]);
  });

  it("resumes every switcher of the accounts after a restart, with its pending lineup, listing those the engine refused", async () => {
    const { account, engine, scheduler, use, clock, inMinutes } = await switchers();
    const older = await use.create(account.id, festival);
    clock.advance(1_000);
    const newer = await use.create(account.id, festival);
    const [pending] = await use.setSchedule(account.id, older.id, [{ at: inMinutes(5), bus: "live", ingestId: "stage-c", mode: "cut" }]);
    const appliedBefore = engine.callsOf("apply").length;
    const scheduledBefore = scheduler.calls.length;
    engine.refuseNext("apply", new Error("region unavailable"));

    const failures = await use.resume([account.id, "acc-0000000000000000"]);

    expect(failures).toEqual([{ switcherId: newer.id, reason: "region unavailable" }]);
    expect(engine.callsOf("apply").slice(appliedBefore).map(([spec]) => (spec as SwitcherSpec).switcherId)).toEqual([newer.id, older.id]);
    expect(scheduler.calls.slice(scheduledBefore).map((call) => call.args)).toEqual([[account.id, older.id, [pending]]]);
  });
});
