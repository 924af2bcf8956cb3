import { visionStreamEntry } from "@visionstream/events";
import { describe, expect, it } from "vitest";
import { type BusEvent, LocalBus } from "./bus.ts";

describe("LocalBus", () => {
  it("delivers each event, in EventBridge's envelope, to every rule whose pattern matches", async () => {
    const bus = new LocalBus();
    const created: BusEvent[] = [];
    const deleted: BusEvent[] = [];
    bus.subscribe("created", { source: ["visionstream"], "detail-type": ["AccountCreated"] }, async (event) => void created.push(event));
    bus.subscribe("deleted", { source: ["visionstream"], "detail-type": ["AccountDeleted"] }, async (event) => void deleted.push(event));

    await bus.publish(visionStreamEntry("AccountCreated", { accountId: "acc-0123456789abcdef", name: "n" }));
    await bus.idle();

    expect(created).toHaveLength(1);
    expect(deleted).toHaveLength(0);
    expect(created[0]).toMatchObject({
      version: "0",
      source: "visionstream",
      "detail-type": "AccountCreated",
      account: "000000000000",
      region: "local",
      resources: [],
      detail: { accountId: "acc-0123456789abcdef", name: "n" },
    });
    expect(created[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("delivers asynchronously and retries a failing handler", async () => {
    const bus = new LocalBus();
    let attempts = 0;
    bus.subscribe("flaky", { source: ["aws.s3"] }, async () => {
      attempts++;
      if (attempts < 2) throw new Error("transient");
    });

    bus.put({ source: "aws.s3", "detail-type": "Object Created", detail: {} });
    expect(attempts).toBe(0);
    await bus.idle();

    expect(attempts).toBe(2);
  });

  it("waits for deliveries caused by deliveries before it is idle", async () => {
    const bus = new LocalBus();
    const seen: string[] = [];
    bus.subscribe("first", { "detail-type": ["A"] }, async () => {
      seen.push("A");
      bus.put({ source: "test", "detail-type": "B", detail: {} });
    });
    bus.subscribe("second", { "detail-type": ["B"] }, async () => void seen.push("B"));

    bus.put({ source: "test", "detail-type": "A", detail: {} });
    await bus.idle();

    expect(seen).toEqual(["A", "B"]);
  });
});

describe("LocalBus retries", () => {
  it("retries a failing delivery with each delay in turn, then gives up, leaving other deliveries alone", async () => {
    const bus = new LocalBus([10, 20, 40]);
    const attempts: number[] = [];
    const others: string[] = [];
    bus.subscribe("down", { source: ["aws.s3"] }, async () => {
      attempts.push(Date.now());
      throw new Error("unreachable");
    });
    bus.subscribe("up", { source: ["test"] }, async () => void others.push("delivered"));

    bus.put({ source: "aws.s3", "detail-type": "Object Created", detail: {} });
    bus.put({ source: "test", "detail-type": "B", detail: {} });
    await bus.idle();

    expect(attempts).toHaveLength(4);
    expect(attempts.at(-1)! - attempts[0]!).toBeGreaterThanOrEqual(65);
    expect(others).toEqual(["delivered"]);
  });

  it("lets a delivery waiting for its retry try once more at once when the bus closes", async () => {
    const bus = new LocalBus([60_000]);
    let attempts = 0;
    bus.subscribe("down", { source: ["aws.s3"] }, async () => {
      if (++attempts === 1) throw new Error("unreachable");
    });

    bus.put({ source: "aws.s3", "detail-type": "Object Created", detail: {} });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await bus.close();

    expect(attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
