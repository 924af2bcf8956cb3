import { visionStreamEntry } from "@visionstream/events";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidInput } from "../errors.ts";
import { SwitcherNotDeployed, type SwitcherSpec } from "./switcher.ts";
import { switchersOnDynalite } from "./switchers-testing.ts";

const fixture = switchersOnDynalite("switcher-lifecycle");
const switchers = fixture.switchers;
/** examples/switcher.local.json: stage-a, stage-b and stage-c on 9001-9003, falling back to stage-b. */
let festival: Record<string, any>;
beforeAll(() => {
  festival = fixture.festival();
});

const applyRequested = (accountId: string, switcherId: string, version: number) => visionStreamEntry("SwitcherApplyRequested", { accountId, switcherId, version });

describe("Switchers, applied and released by steps after the request", () => {
  it("applies the stored file in its step: APPLY_FAILED with the engine's refusal, kept APPLYING after a passing failure, APPLIED once the engine runs it", async () => {
    const { account, engine, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    const fixed = structuredClone(festival);
    fixed.ingests[2].port = 9013;
    engine.refuseNext("apply", new InvalidInput("ingests[2].port", "port 9003 is not open on this host"));

    const refused = await use.applyStored(account.id, id);
    const changed = await use.updateConfig(account.id, id, fixed);
    engine.refuseNext("apply", new Error("ServiceUnavailableException"));
    const passing = await use.applyStored(account.id, id).catch((error: unknown) => error);
    const afterPassing = await use.get(account.id, id);
    const applied = await use.applyStored(account.id, id);
    const deliveredAgain = await use.applyStored(account.id, id);
    const stored = await use.get(account.id, id);

    expect(refused).toMatchObject({ applyState: "APPLY_FAILED", applyFailure: "ingests[2].port: port 9003 is not open on this host" });
    expect(changed).toMatchObject({ applyState: "APPLYING", applyFailure: undefined });
    expect(passing).toMatchObject({ message: "ServiceUnavailableException" });
    expect(afterPassing).toMatchObject({ applyState: "APPLYING", version: changed.version });
    expect(afterPassing).not.toHaveProperty("applyFailure");
    expect(applied).toMatchObject({ applyState: "APPLIED", architecture: changed.architecture });
    expect(deliveredAgain).toEqual(applied);
    expect(stored).not.toHaveProperty("applyFailure");
    expect(engine.callsOf("apply").map(([spec]) => (spec as SwitcherSpec).architecture.ingests[2]!.port)).toEqual([9003, 9013, 9013]);
  });

  it("applies the newest file last: an apply overtaken by a change applies the newer file itself, in a second round", async () => {
    const { account, engine, publisher, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    const withoutC = structuredClone(festival);
    withoutC.ingests = withoutC.ingests.filter((ingest: { id: string }) => ingest.id !== "stage-c");
    engine.during = async () => {
      engine.during = undefined;
      await use.updateConfig(account.id, id, withoutC);
    };

    const overtaken = await use.applyStored(account.id, id);
    const applied = await use.applyStored(account.id, id);

    expect(overtaken).toMatchObject({ applyState: "APPLIED" });
    expect(overtaken!.architecture.ingests.map((ingest) => ingest.id)).toEqual(["stage-a", "stage-b"]);
    // The change asked for its apply, which finds the newer file applied already.
    expect(publisher.published).toEqual([applyRequested(account.id, id, 1), applyRequested(account.id, id, 2)]);
    expect(engine.callsOf("apply").map(([spec]) => (spec as SwitcherSpec).architecture.ingests.length)).toEqual([3, 2]);
    expect(applied).toEqual(overtaken);
  });

  it("applies the newest file last when its apply finished before an older one's: the older one, ending last, applies and writes the newer file again although the switcher says APPLIED", async () => {
    const { account, engine, publisher, store, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    const withoutC = structuredClone(festival);
    withoutC.ingests = withoutC.ingests.filter((ingest: { id: string }) => ingest.id !== "stage-c");
    let newer: Awaited<ReturnType<typeof use.applyStored>>;
    // The older apply is inside the engine when the file changes and the newer file's apply runs to its end.
    engine.during = async () => {
      engine.during = undefined;
      await use.updateConfig(account.id, id, withoutC);
      newer = await use.applyStored(account.id, id);
    };

    const older = await use.applyStored(account.id, id);

    expect(newer!).toMatchObject({ applyState: "APPLIED" });
    expect(older).toMatchObject({ applyState: "APPLIED", architecture: newer!.architecture });
    expect(publisher.published).toEqual([applyRequested(account.id, id, 1), applyRequested(account.id, id, 2)]);
    // The engine ran the older file last before the older apply's second round, which leaves it and the file on the newer one.
    expect(engine.callsOf("apply").map(([spec]) => (spec as SwitcherSpec).architecture.ingests.length)).toEqual([3, 2, 2]);
    const written = store.callsOf("put").map(([, , body]) => JSON.parse(body as string).ingests.length);
    expect(written).toEqual([3, 2, 2]);
    expect(JSON.parse([...store.objects.values()][0]!.body).ingests).toHaveLength(2);
  });

  it("leaves a file that changes again during the second round to another step, asked for with the switcher APPLYING", async () => {
    const { account, engine, publisher, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    const moved = (port: number) => {
      const file = structuredClone(festival);
      file.ingests[0].port = port;
      return file;
    };
    const changes = [moved(9011), moved(9021)];
    engine.during = async () => {
      const next = changes.shift();
      if (next) await use.updateConfig(account.id, id, next);
      else engine.during = undefined;
    };

    const outrun = await use.applyStored(account.id, id);
    const applied = await use.applyStored(account.id, id);

    expect(outrun).toMatchObject({ applyState: "APPLYING" });
    expect(outrun!.architecture.ingests[0]!.port).toBe(9021);
    // The two changes asked for their applies, and the outrun step for one more.
    expect(publisher.published).toEqual([applyRequested(account.id, id, 1), applyRequested(account.id, id, 2), applyRequested(account.id, id, 3), applyRequested(account.id, id, outrun!.version)]);
    expect(applied).toMatchObject({ applyState: "APPLIED" });
    expect(engine.callsOf("apply").map(([spec]) => (spec as SwitcherSpec).architecture.ingests[0]!.port)).toEqual([9001, 9011, 9021]);
  });

  it("takes down what an apply built when the switcher was deleted meanwhile", async () => {
    const { account, engine, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    engine.during = async () => {
      engine.during = undefined;
      await use.remove(account.id, id);
    };

    const outcome = await use.applyStored(account.id, id);

    expect(outcome).toBeUndefined();
    expect(engine.callsOf("remove")).toEqual([[id], [id]]);
  });

  it("releases every switcher of an account being deleted, with its lineup and engine, and is done when run again", async () => {
    const { account, engine, scheduler, use } = await switchers();
    const first = await use.create(account.id, festival);
    const second = await use.create(account.id, festival);

    const released = await use.releaseAll(account.id);
    const again = await use.releaseAll(account.id);

    expect([released, again]).toEqual(["done", "done"]);
    expect(engine.callsOf("remove").flat().sort()).toEqual([first.id, second.id].sort());
    expect(scheduler.callsOf("replace").map(([, id, entries]) => [id, entries]).sort()).toEqual([[first.id, []], [second.id, []]].sort());
    expect(await use.list(account.id)).toEqual([]);
  });

  it("asks again for the apply of a switcher still APPLYING after the grace period, only for ACTIVE accounts", async () => {
    const { account, clock, publisher, use } = await switchers();
    const { id } = await use.create(account.id, festival);

    const withinGrace = await use.resumeApplying({ graceMs: 60_000 });
    clock.advance(61_000);
    const afterGrace = await use.resumeApplying({ graceMs: 60_000 });
    await use.applyStored(account.id, id);
    clock.advance(61_000);
    const onceApplied = await use.resumeApplying({ graceMs: 60_000 });

    expect(withinGrace).not.toContain(id);
    expect(afterGrace).toContain(id);
    expect(onceApplied).not.toContain(id);
    expect(publisher.published.filter((entry) => entry["detail-type"] === "SwitcherApplyRequested")).toHaveLength(2);
  });

  it("waits for the flows of a switcher not deployed yet (AWAITING_FLOWS), and applies it when they come", async () => {
    const { account, clock, engine, publisher, use } = await switchers();
    const { id } = await use.create(account.id, festival);
    engine.refuseNext("apply", new SwitcherNotDeployed("flows not found yet: deploy the switcher stack"));

    const waiting = await use.applyStored(account.id, id);
    const notYet = await use.resumeApplying({ graceMs: 0, awaitingMs: 600_000 });
    const deployed = await use.onFlowsChanged(id);
    const applied = await use.applyStored(account.id, id);
    const unknown = await use.onFlowsChanged("sw-ffffffffffffffff");

    expect(waiting).toMatchObject({ applyState: "AWAITING_FLOWS", applyFailure: "flows not found yet: deploy the switcher stack" });
    expect(notYet).not.toContain(id);
    expect(deployed).toMatchObject({ applyState: "APPLYING" });
    expect(deployed?.applyFailure).toBeUndefined();
    expect(applied).toMatchObject({ applyState: "APPLIED" });
    expect(unknown).toBeUndefined();
    expect(publisher.published.filter((entry) => entry["detail-type"] === "SwitcherApplyRequested")).toHaveLength(2);

    // A deployment whose event was missed: the sweeper asks again after awaitingMs.
    engine.refuseNext("apply", new SwitcherNotDeployed("still not found"));
    await use.onFlowsChanged(id);
    await use.applyStored(account.id, id);
    clock.advance(600_001);
    expect(await use.resumeApplying({ graceMs: 60_000, awaitingMs: 600_000 })).toContain(id);
    expect((await use.get(account.id, id)).applyState).toBe("APPLYING");
  });

  it("takes the switcher's id from its file, refuses one that exists (409 on id) and a config of another switcher (400 on id)", async () => {
    const { account, use } = await switchers();
    const id = "sw-0000000000000abc";

    const created = await use.create(account.id, { ...festival, id });
    const again = await use.create(account.id, { ...festival, id }).catch((error: unknown) => error);
    const other = await use.updateConfig(account.id, id, { ...festival, id: "sw-0000000000000abd" }).catch((error: unknown) => error);
    const same = await use.updateConfig(account.id, id, { ...festival, id });

    expect(created.id).toBe(id);
    expect(again).toMatchObject({ name: "Conflict", details: { field: "id" } });
    expect(other).toBeInstanceOf(InvalidInput);
    expect(other).toMatchObject({ field: "id" });
    expect(same.id).toBe(id);

    // Two requests with one new id at once: one is created, the other answered 409 on id.
    const racing = "sw-0000000000000abe";
    const outcomes = await Promise.allSettled([use.create(account.id, { ...festival, id: racing }), use.create(account.id, { ...festival, id: racing })]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === "rejected")).toMatchObject({ reason: { name: "Conflict", details: { field: "id" } } });
  });
});
