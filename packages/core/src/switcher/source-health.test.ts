import { beforeAll, describe, expect, it } from "vitest";
import { sourceHealthReport } from "../testing.ts";
import { busFlowName, flowName } from "./switcher.ts";
import { switchersOnDynalite } from "./switchers-testing.ts";

const fixture = switchersOnDynalite("switchers-source-health");
/** examples/switcher.local.json: stage-a live, stage-b on preview and the fallback, stage-c. */
let festival: Record<string, any>;
beforeAll(() => {
  festival = fixture.festival();
});

async function festivalOnAir() {
  const context = await fixture.switchers();
  const { id } = await context.use.create(context.account.id, festival);
  const at = (secondsFromNow: number) => new Date(Date.parse(context.clock.eventTime()) + secondsFromNow * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  return { ...context, id, at, view: () => context.use.get(context.account.id, id) };
}

describe("Switchers.onSourceHealth", () => {
  it("keeps TR 101 290 errors on a connected live source as the ingest's warnings, without switching, until a healthy event clears them", async () => {
    const { engine, use, id, at, view } = await festivalOnAir();

    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "CONNECTED", raised: ["continuity_count_error", "pcr_error"], time: at(0) }));
    const warned = await view();
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "CONNECTED", raised: ["pcr_error"], time: at(5) }));
    const stillWarned = await view();
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "CONNECTED", time: at(9) }));
    const cleared = await view();

    expect(engine.callsOf("switch")).toEqual([]);
    expect(warned.live).toBe("stage-a");
    expect(warned).not.toHaveProperty("liveIngestLost");
    expect(warned.sourceHealth?.["stage-a"]).toEqual({ at: at(0), state: "connected", warnings: { flags: ["continuity_count_error", "pcr_error"], since: at(0) } });
    expect(warned.ingests[0]!.health).toMatchObject({ warnings: ["continuity_count_error", "pcr_error"], warningsSince: at(0) });
    expect(stillWarned.ingests[0]!.health).toMatchObject({ warnings: ["pcr_error"], warningsSince: at(0) });
    expect(cleared.sourceHealth?.["stage-a"]).toEqual({ at: at(9), state: "connected" });
    expect(cleared.ingests[0]!.health.warnings).toEqual([]);
    expect(cleared.ingests[0]!.health).not.toHaveProperty("warningsSince");
  });

  it("puts the fallback on air when the live source is disconnected, whatever the region and the case of its state", async () => {
    const { engine, use, id, at, view } = await festivalOnAir();

    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "disconnected", time: at(0), region: "ap-southeast-2" }));
    const lost = await view();

    expect(engine.callsOf("switch")).toEqual([[id, "live", "stage-b", "clean"]]);
    expect(lost).toMatchObject({ live: "stage-b", liveIngestLost: { ingestId: "stage-a", since: at(0) } });
    expect(lost.sourceHealth?.["stage-a"]).toEqual({ at: at(0), state: "disconnected" });
    expect(lost.switches[0]).toMatchObject({ reason: "fallback", ingestId: "stage-b", previousIngestId: "stage-a", note: "ingest stage-a was lost" });
  });

  it("applies no event older than the ingest's last: a late disconnect after the reconnect does not switch", async () => {
    const { engine, use, id, at, view } = await festivalOnAir();

    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "CONNECTED", time: at(3) }));
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "DISCONNECTED", time: at(1) }));
    const after = await view();

    expect(engine.callsOf("switch")).toEqual([]);
    expect(after.live).toBe("stage-a");
    expect(after.sourceHealth?.["stage-a"]).toEqual({ at: at(3), state: "connected" });
  });

  it("forgets the loss when the lost source sends again, and never switches for an idle, an off-air or a bus flow's source", async () => {
    const { engine, use, id, at, view } = await festivalOnAir();

    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "IDLE", time: at(0) }));
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-c"), { state: "DISCONNECTED", time: at(0) }));
    await use.onSourceHealth(sourceHealthReport(busFlowName(id, "live"), { state: "DISCONNECTED", time: at(0) }));
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-z"), { state: "DISCONNECTED", time: at(0) }));
    const quiet = await view();
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "DISCONNECTED", time: at(1) }));
    await use.onSourceHealth(sourceHealthReport(flowName(id, "stage-a"), { state: "RECEIVING", time: at(2) }));
    const back = await view();

    expect(quiet.live).toBe("stage-a");
    expect(quiet).not.toHaveProperty("liveIngestLost");
    expect(Object.keys(quiet.sourceHealth ?? {}).sort()).toEqual(["stage-a", "stage-c"]);
    expect(engine.callsOf("switch")).toEqual([[id, "live", "stage-b", "clean"]]);
    expect(back.live).toBe("stage-b");
    expect(back).not.toHaveProperty("liveIngestLost");
  });
});
