import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "./eventbridge/bus.ts";
import { accountSecret, writeSecret } from "./secrets/secrets.ts";
import { captureSrt, localArchitecture, pushSrt, stopChild } from "../testing/mediaconnect.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const INGEST_PORTS = [26201, 26202, 26203];
const OUTPUT_PORTS: [number, number] = [26301, 26302];
const PASSPHRASES = ["lineup-a-passphrase", "lineup-b-passphrase", "lineup-c-passphrase"];

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let apiKey: string;
let switcherId: string;
let work: string;
const events: BusEvent[] = [];
const pushers = new Map<number, ReturnType<typeof pushSrt>>();

const call = (method: string, path: string, json?: unknown) => runtime.api(method, path, { token: apiKey, ...(json !== undefined ? { json } : {}) });
const push = (index: number) => pushers.set(index, pushSrt({ port: INGEST_PORTS[index]!, passphrase: PASSPHRASES[index]!, picture: "testsrc2=size=320x180:rate=30" }));
const switcher = async () => (await call("GET", `/switchers/${switcherId}`)).body.switcher;
const switched = (reason: string) => events.filter((event) => event["detail-type"] === "StreamSwitched" && (event.detail as { reason: string }).reason === reason);

describe("switcher lineup and fallback on the local runtime", () => {
  beforeAll(async () => {
    runtime = await startTestRuntime();
    runtime.bus.subscribe("test", { source: ["visionstream"] }, async (event) => void events.push(event));
    work = await mkdtemp(join(tmpdir(), "switcher-lineup-"));
    const account = await activeAccount(runtime, "lineup");
    apiKey = account.apiKey;
    for (const [index, passphrase] of PASSPHRASES.entries()) await writeSecret(runtime.dataDir, accountSecret(account.accountId, `switcher/test/stage-${"abc"[index]}`), passphrase);
    const architecture = { ...localArchitecture(INGEST_PORTS, OUTPUT_PORTS, "lineup"), fallback: { to: "stage-b", afterMs: 1_000 } };
    const answer = await call("POST", "/switchers", architecture);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    switcherId = answer.body.switcher.id;
    await runtime.bus.idle();
    [0, 1, 2].forEach(push);
    await eventually(async () => ((await switcher()).ingests.every((ingest: { health: { lastKeyframeAgeMs: number | null } }) => ingest.health.lastKeyframeAgeMs !== null) ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 250,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...pushers.values()].map(stopChild));
    await runtime?.cleanup();
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  it("runs the lineup on time, through the same switch an operator makes", async () => {
    const at = new Date(Date.now() + 1_500).toISOString();

    const answer = await call("PUT", `/switchers/${switcherId}/schedule`, [
      { at, bus: "live", ingestId: "stage-c", mode: "clean" },
      { at, bus: "preview", ingestId: "stage-a" },
    ]);

    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.schedule).toHaveLength(2);
    const after = await eventually(async () => {
      const current = await switcher();
      return current.live === "stage-c" && current.preview === "stage-a" && current.schedule.every((entry: { ranAt?: string }) => entry.ranAt) ? current : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    expect(after).toMatchObject({ live: "stage-c", preview: "stage-a" });
    expect(after.schedule.every((entry: { failure?: string }) => !entry.failure)).toBe(true);
    expect(Date.parse(after.schedule[0].ranAt)).toBeGreaterThanOrEqual(Date.parse(at));
    expect(switched("schedule")).toHaveLength(2);
  }, 30_000);

  it("refuses a lineup entry in the past or for an ingest the file does not have", async () => {
    const past = await call("PUT", `/switchers/${switcherId}/schedule`, [{ at: "2020-01-01T00:00:00Z", bus: "live", ingestId: "stage-a" }]);
    const unknown = await call("PUT", `/switchers/${switcherId}/schedule`, [{ at: new Date(Date.now() + 60_000).toISOString(), bus: "live", ingestId: "stage-z" }]);
    const wrongBus = await call("PUT", `/switchers/${switcherId}/schedule`, [{ at: new Date(Date.now() + 60_000).toISOString(), bus: "program", ingestId: "stage-a" }]);

    expect(past.status).toBe(400);
    expect(past.body.error.details.issues[0].field).toBe("[0].at");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0].field).toBe("[0].ingestId");
    expect(wrongBus.status).toBe(400);
    expect(wrongBus.body.error.details.issues[0].field).toBe("0.bus");
    expect((await switcher()).schedule).toHaveLength(2);
  });

  it("keeps the output running when the ingest on air drops: the loss is reported and the fallback goes on air", async () => {
    const capture = captureSrt(OUTPUT_PORTS[0], join(work, "live.ts"));
    let received = 0;
    capture.child.stdout!.on("data", (chunk: Buffer) => (received += chunk.length));
    await eventually(async () => (received > 50_000 ? true : undefined), { timeoutMs: 10_000 });

    await stopChild(pushers.get(2));

    const fellBack = await eventually(async () => {
      const current = await switcher();
      return current.live === "stage-b" ? current : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    expect(fellBack.liveIngestLost).toMatchObject({ ingestId: "stage-c" });
    expect(switched("fallback")[0]?.detail).toMatchObject({ bus: "live", ingestId: "stage-b", previousIngestId: "stage-c" });
    const before = received;
    await eventually(async () => (received > before + 50_000 ? true : undefined), { timeoutMs: 10_000 });

    push(2);
    await eventually(async () => ((await switcher()).liveIngestLost === undefined ? true : undefined), { timeoutMs: 15_000, intervalMs: 250 });
    await stopChild(capture.child);
  }, 60_000);

  it("changes the config without dropping the contributors it keeps; the slate is a fallback too", async () => {
    const { architecture } = await switcher();

    const answer = await call("PUT", `/switchers/${switcherId}/config`, { ...architecture, fallback: { to: "slate", afterMs: 1_000 } });

    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    await runtime.bus.idle();
    expect(pushers.get(0)!.exitCode).toBeNull();
    await call("POST", `/switchers/${switcherId}/live`, { ingestId: "stage-a", mode: "clean" });
    await stopChild(pushers.get(0));
    const onSlate = await eventually(async () => {
      const current = await switcher();
      return current.live === "slate" ? current : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    expect(onSlate.liveIngestLost).toMatchObject({ ingestId: "stage-a" });
  }, 60_000);

  it("refuses a config whose passphrase secret is missing, and changes nothing", async () => {
    const { architecture } = await switcher();
    const broken = { ...architecture, ingests: architecture.ingests.map((ingest: { id: string }, index: number) => (index === 1 ? { ...ingest, passphraseSecret: "switcher/test/nowhere" } : ingest)) };

    const answer = await call("PUT", `/switchers/${switcherId}/config`, broken);

    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues[0].field).toBe("ingests[1].passphraseSecret");
    expect((await switcher()).architecture.ingests[1].passphraseSecret).toBe("switcher/test/stage-b");
  });
});
