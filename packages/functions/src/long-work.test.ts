import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { Authenticator, type AccountInfrastructure, type ChannelSpec, type LiveEngine, localLivePlayback, type StepResult, type SwitcherEngine } from "@visionstream/core";
import { FakeObjectStore, FakeSigner } from "@visionstream/core/testing";
import { matchesPattern, type RuleName, Rules } from "@visionstream/events";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "./api/app.ts";
import { domain } from "./domain.ts";
import { deprovisionAccountHandler, provisionAccountHandler, releaseAccountChannelsHandler, releaseAccountSwitchersHandler } from "./handlers/accounts.ts";
import { channelStateChangedHandler, channelStepHandler } from "./handlers/channels.ts";
import { resumePendingWorkHandler } from "./handlers/pending-work.ts";
import { switcherApplyHandler } from "./handlers/switchers.ts";

/** What a slow engine does per step: 60 s, unless the test lets it finish early (a MediaLive that takes its time). */
const STEP_MS = 60_000;
const TABLE = "long-work";
const context = { functionName: "long-work", awsRequestId: "r", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

type VisionStreamEntryLike = { source: string; "detail-type": string; detail: unknown; resources?: string[] };

class Work {
  private readonly waiting = new Map<() => void, (error: Error) => void>();
  /** One step of the engine: resolves after STEP_MS, or when the test calls finishAll (or fails at killAll). */
  take(): Promise<void> {
    return new Promise((done, fail) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiting.delete(finish);
        done();
      };
      const timer = setTimeout(finish, STEP_MS);
      this.waiting.set(finish, (error) => {
        clearTimeout(timer);
        this.waiting.delete(finish);
        fail(error);
      });
    });
  }
  get inProgress() {
    return this.waiting.size;
  }
  finishAll() {
    for (const finish of [...this.waiting.keys()]) finish();
  }
  /** Every step under way ends unfinished, as when Lambda stops the function at its timeout. */
  killAll() {
    for (const kill of [...this.waiting.values()]) kill(new Error("Task timed out after 60.00 seconds"));
  }
}

/** A live engine whose every step takes a minute, and that reports its channels' states as MediaLive does. */
class SlowLiveEngine implements LiveEngine {
  readonly work = new Work();
  readonly deleted = new Set<string>();
  constructor(private readonly report: (engineChannelId: string, state: "RUNNING" | "STOPPED") => void) {}
  async createChannel(spec: ChannelSpec) {
    return { engineChannelId: `e-${spec.channelId}`, ingest: [{ url: "rtp://203.0.113.10:5000" }] };
  }
  async startChannel(engineChannelId: string): Promise<StepResult> {
    await this.work.take();
    this.report(engineChannelId, "RUNNING");
    return "done";
  }
  async stopChannel(engineChannelId: string): Promise<StepResult> {
    await this.work.take();
    this.report(engineChannelId, "STOPPED");
    return "done";
  }
  async deleteChannel({ channelId }: { channelId: string }): Promise<StepResult> {
    await this.work.take();
    this.deleted.add(channelId);
    return "done";
  }
  livePlayback(channelId: string) {
    return localLivePlayback(channelId);
  }
}

class SlowSwitcherEngine implements Pick<SwitcherEngine, "check" | "apply" | "health" | "remove" | "switch"> {
  readonly work = new Work();
  async check() {}
  async apply() {
    await this.work.take();
  }
  async health() {
    return [];
  }
  async remove() {}
  async switch(): Promise<never> {
    throw new Error("not used");
  }
}

const infrastructure: AccountInfrastructure = {
  async provision(accountId) {
    return { bucketName: `bucket-${accountId}`, distributionId: "E1", cdnBaseUrl: "https://d1.cloudfront.net", publicKeyId: "K1" };
  },
  async deprovision() {
    return "done";
  },
};

let tables: TestTables;
beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
});
afterAll(() => tables.close());

/** The domain on dynalite behind the API, with an in-test bus that delivers events to the very handlers, asynchronously. */
function platform() {
  const deliveries = new Set<Promise<unknown>>();
  const handlers: Partial<Record<RuleName, (event: unknown) => Promise<unknown>>> = {};
  const deliver = (entry: VisionStreamEntryLike) => {
    const event = { version: "0", id: randomUUID(), account: "123456789012", time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), region: "eu-west-1", resources: [], ...entry };
    for (const rule of Object.keys(handlers) as RuleName[]) {
      if (!matchesPattern(Rules[rule], event)) continue;
      const delivery = new Promise((next) => setImmediate(next)).then(() => handlers[rule]!(event));
      deliveries.add(delivery);
      void delivery.catch(() => undefined).finally(() => deliveries.delete(delivery));
    }
  };
  const report = (engineChannelId: string, state: "RUNNING" | "STOPPED") =>
    deliver({
      source: "aws.medialive",
      "detail-type": "MediaLive Channel State Change",
      resources: [`arn:aws:medialive:eu-west-1:123456789012:channel:${engineChannelId}`],
      detail: { channel_arn: `arn:aws:medialive:eu-west-1:123456789012:channel:${engineChannelId}`, state, message: state, pipelines_running_count: state === "RUNNING" ? 1 : 0 },
    });
  const engine = new SlowLiveEngine(report);
  const switcherEngine = new SlowSwitcherEngine();
  const publisher = { publish: async (...entries: VisionStreamEntryLike[]) => entries.forEach(deliver) };
  const wired = domain(documentClient(tables.client), TABLE, () => ({
    publisher,
    infrastructure,
    signer: new FakeSigner(),
    engine,
    assembler: {} as never,
    store: new FakeObjectStore(),
    uploads: {} as never,
    switcherEngine: switcherEngine as unknown as SwitcherEngine,
    scheduler: { replace: async () => undefined },
  }));
  const lambda = <E,>(handler: (event: E, context: Context) => Promise<unknown>) => (event: unknown) => handler(event as E, context);
  Object.assign(handlers, {
    provisionAccount: lambda(provisionAccountHandler(wired.accounts)),
    releaseAccountChannels: lambda(releaseAccountChannelsHandler(wired.accounts)),
    releaseAccountSwitchers: lambda(releaseAccountSwitchersHandler(wired.accounts)),
    deprovisionAccount: lambda(deprovisionAccountHandler(wired.accounts)),
    channelStep: lambda(channelStepHandler(wired.channels)),
    channelStateChanged: lambda(channelStateChangedHandler(wired.channels)),
    switcherApply: lambda(switcherApplyHandler(wired.switchers)),
  });
  const api = createApi({ ...wired, authenticator: Authenticator({ repository: wired.repository, adminToken: "long-work-admin-token-0123" }) });
  let apiKey = "";
  const call = async (method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const response = await api.request(path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any>, ms: performance.now() - started };
  };
  const settled = async () => {
    while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
  };
  return {
    engine,
    switcherEngine,
    call,
    settled,
    wired,
    async signUp() {
      const { account, apiKey: key } = await wired.accounts.create({ name: "long work" });
      apiKey = key;
      await settled();
      return account.id;
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Waits (bounded) until `done` holds, letting the bus deliver. */
async function until(done: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((next) => setTimeout(next, 20));
  }
}

describe("nothing long inside a request", () => {
  it("start, stop and delete answer 202 within a second while the engine takes a minute a step; events bring RUNNING, STOPPED and the deletion", async () => {
    const { engine, call, settled, signUp, wired } = platform();
    const accountId = await signUp();
    const ids: string[] = [];
    for (let index = 0; index < 10; index++) {
      const created = await call("POST", "/channels", { name: `slow ${index}`, inputType: "RTP_PUSH", allowCidrs: ["203.0.113.0/24"] });
      expect(created.status).toBe(201);
      ids.push(created.body.channel.id);
    }
    const timings: Record<"start" | "stop" | "delete", number[]> = { start: [], stop: [], delete: [] };
    const state = async (id: string) => (await wired.channels.get(accountId, id).catch(() => undefined))?.state;

    for (const [step, method, path, answered, reached] of [
      ["start", "POST", "/start", "STARTING", "RUNNING"],
      ["stop", "POST", "/stop", "STOPPING", "STOPPED"],
      ["delete", "DELETE", "", "DELETING", undefined],
    ] as const) {
      for (const id of ids) {
        const answer = await call(method, `/channels/${id}${path}`);
        expect(answer.status, JSON.stringify(answer.body)).toBe(202);
        expect(answer.body.channel.state).toBe(answered);
        timings[step].push(answer.ms);
      }
      await until(async () => engine.work.inProgress === ids.length);
      expect(await Promise.all(ids.map(state))).toEqual(ids.map(() => answered));
      engine.work.finishAll();
      await settled();
      expect(await Promise.all(ids.map(state))).toEqual(ids.map(() => reached));
    }

    expect(median(timings.start)).toBeLessThan(1_000);
    expect(median(timings.stop)).toBeLessThan(1_000);
    expect(median(timings.delete)).toBeLessThan(1_000);
    expect(engine.deleted.size).toBe(10);
    for (const id of ids) expect((await call("GET", `/channels/${id}`)).status).toBe(404);
    console.info(`median answer: start ${median(timings.start).toFixed(1)} ms, stop ${median(timings.stop).toFixed(1)} ms, delete ${median(timings.delete).toFixed(1)} ms (engine step ${STEP_MS / 1000} s)`);
  });

  it("POST /switchers answers within a second while applying takes a minute; the switcher is APPLIED once the engine is done", async () => {
    const { switcherEngine, call, settled, signUp } = platform();
    await signUp();
    const architecture = JSON.parse(await readFile(resolve(import.meta.dirname, "../../../examples/switcher.local.json"), "utf8"));
    const timings: number[] = [];
    const ids: string[] = [];
    for (let index = 0; index < 10; index++) {
      const answer = await call("POST", "/switchers", architecture);
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      expect(answer.body.switcher.applyState).toBe("APPLYING");
      timings.push(answer.ms);
      ids.push(answer.body.switcher.id);
    }
    await until(async () => switcherEngine.work.inProgress === 10);
    switcherEngine.work.finishAll();
    await settled();
    for (const id of ids) expect((await call("GET", `/switchers/${id}`)).body.switcher.applyState).toBe("APPLIED");
    expect(median(timings)).toBeLessThan(1_000);
    console.info(`median POST /switchers answer: ${median(timings).toFixed(1)} ms (engine apply ${STEP_MS / 1000} s)`);
  });

  it("a step cut short (the Lambda timed out) is asked for again by the sweeper and completed by that step alone", async () => {
    const { engine, call, settled, signUp, wired } = platform();
    const accountId = await signUp();
    const created = await call("POST", "/channels", { name: "cut short", inputType: "RTP_PUSH", allowCidrs: ["203.0.113.0/24"] });
    const id = created.body.channel.id as string;
    await call("POST", `/channels/${id}/start`);
    await until(async () => engine.work.inProgress === 1);

    // The step's function is stopped at its timeout while the engine works: the step never finishes.
    engine.work.killAll();
    await settled();
    const cutShort = await wired.channels.get(accountId, id);
    // Within the grace period nothing is asked again; after it, the sweeper asks for the step once more.
    await resumePendingWorkHandler(wired.channels, wired.accounts, wired.switchers)({}, context);
    const withinGrace = engine.work.inProgress;
    expect(await wired.channels.resumePending({ graceMs: 0 })).toEqual([id]);
    await until(async () => engine.work.inProgress === 1);
    engine.work.finishAll();
    await settled();

    expect(cutShort).toMatchObject({ state: "STARTING", command: { name: "start", attempts: 0 } });
    expect(withinGrace).toBe(0);
    expect(await wired.channels.get(accountId, id)).toMatchObject({ state: "RUNNING" });
    expect((await wired.channels.get(accountId, id)).command).toBeUndefined();
  });
});
