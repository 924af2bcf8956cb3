import { flowName } from "@visionstream/core/switcher/switcher";
import { switchersOnDynalite } from "@visionstream/core/switcher/switchers-testing";
import { matchesPattern, Rules, switcherForwardingPatterns } from "@visionstream/events";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { switcherSourceHealthHandler } from "./handlers/switchers.ts";

const fixture = switchersOnDynalite("functions-source-health");
const context = { functionName: "switcher-source-health", awsRequestId: "r", getRemainingTimeInMillis: () => 20_000 } as unknown as Context;
/** An ingest region other than the app's (eu-west-1 in these tests): its events come forwarded, their region unchanged. */
const ABROAD = "ap-southeast-2";

const tr101 = (...raised: string[]) => ({
  ts_sync_loss: raised.includes("ts_sync_loss"),
  continuity_count_error: raised.includes("continuity_count_error"),
  transport_error: raised.includes("transport_error"),
  pcr_error: raised.includes("pcr_error"),
});

/** "MediaConnect Source Health" as EventBridge delivers it, shaped as the documented sample, from ABROAD. */
function sourceHealth(switcherId: string, ingestId: string, state: string, time: string, ...raised: string[]) {
  const flowArn = `arn:aws:mediaconnect:${ABROAD}:111122223333:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:${flowName(switcherId, ingestId)}`;
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "MediaConnect Source Health" as const,
    source: "aws.mediaconnect" as const,
    account: "111122223333",
    time,
    region: ABROAD,
    resources: [flowArn, `arn:aws:mediaconnect:${ABROAD}:111122223333:source:1-AbCdEfGhIjKlMnOp-abcdef123455:ingest`],
    detail: {
      unhealthy: raised.length > 0 || state !== "CONNECTED",
      current: { state, tr101: tr101(...raised) },
      previous: { state: "CONNECTED", tr101: tr101() },
    },
  };
}

describe("the switcher-source-health function", () => {
  it("takes a forwarded report from another region: TR 101 290 errors on a connected on-air source are a warning, its disconnection puts the fallback on air at once", async () => {
    const { account, engine, use, clock } = await fixture.switchers();
    const festival = fixture.festival();
    const { id } = await use.create(account.id, festival);
    const handler = switcherSourceHealthHandler(use);
    const at = (seconds: number) => new Date(Date.parse(clock.eventTime()) + seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const warning = sourceHealth(id, "stage-a", "CONNECTED", at(0), "continuity_count_error", "transport_error");
    const disconnected = sourceHealth(id, "stage-a", "DISCONNECTED", at(2));

    await handler(warning, context);
    const warned = await use.get(account.id, id);
    const started = performance.now();
    await handler(disconnected, context);
    const handledInMs = performance.now() - started;
    const lost = await use.get(account.id, id);
    await handler(warning, context);
    const afterLateWarning = await use.get(account.id, id);

    for (const event of [warning, disconnected]) {
      expect(switcherForwardingPatterns(id, ABROAD, "visionstream-test").some((pattern) => matchesPattern(pattern, event))).toBe(true);
      expect(matchesPattern(Rules.switcherSourceHealth, event)).toBe(true);
    }
    expect(warned.live).toBe("stage-a");
    expect(warned).not.toHaveProperty("liveIngestLost");
    expect(warned.ingests[0]!.health).toMatchObject({ warnings: ["continuity_count_error", "transport_error"], warningsSince: at(0) });
    expect(engine.callsOf("switch")).toEqual([[id, "live", "stage-b", "clean"]]);
    expect(handledInMs).toBeLessThan(festival.fallback.afterMs);
    expect(lost).toMatchObject({ live: "stage-b", liveIngestLost: { ingestId: "stage-a", since: at(2) } });
    expect(lost.switches[0]).toMatchObject({ reason: "fallback", ingestId: "stage-b", previousIngestId: "stage-a" });
    expect(lost.ingests[0]!.health.warnings).toEqual([]);
    expect(afterLateWarning.sourceHealth).toEqual(lost.sourceHealth);
  });
});
