// Test support for function-reach.test.ts: fakes of every runtime adapter that record, per Lambda function, which
// adapter (packages/functions/src/function-adapters.ts) each call stands for, and a bus that delivers one event at a time.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { AccountInfrastructure, AccountResources, AssemblyRequest, PresignedUpload, StepResult, UploadSigner, VodAssembler } from "@visionstream/core";
import { FakeLiveEngine, FakeObjectStore, FakePort, FakeSigner } from "@visionstream/core/testing";
import { FakeScheduler, FakeSwitcherEngine } from "@visionstream/core/switcher/switchers-testing";
import { type EventPattern, matchesPattern, type RuleName, type VisionStreamEntry } from "@visionstream/events";
import type { RuntimeAdapters } from "@visionstream/functions/domain";
import type { Context } from "aws-lambda";
import type { Adapter, FunctionName } from "./function-permissions.ts";

/** Per function, the adapters its calls reached and, for each, the port methods that reached it. */
export type Reach = Map<FunctionName, Map<Adapter, Set<string>>>;

/** Attributes every adapter call to the function whose invocation made it (AsyncLocalStorage follows the awaits). */
export class ReachRecorder {
  readonly reach: Reach = new Map();
  readonly invocations = new Map<FunctionName, number>();
  /** Calls made outside any invocation, or that stand for no adapter (an object key of no known kind). */
  readonly unattributed: string[] = [];
  private readonly running = new AsyncLocalStorage<FunctionName>();

  /** One invocation of `name`: what `invocation` calls, however deep, is that function's. */
  as<T>(name: FunctionName, invocation: () => Promise<T>): Promise<T> {
    this.invocations.set(name, (this.invocations.get(name) ?? 0) + 1);
    return this.running.run(name, invocation);
  }

  reached(adapter: Adapter | undefined, call: string): void {
    const name = this.running.getStore();
    if (!name || !adapter) {
      this.unattributed.push(`${call} (${name ? "no adapter" : "outside any function"})`);
      return;
    }
    const adapters = this.reach.get(name) ?? new Map<Adapter, Set<string>>();
    this.reach.set(name, adapters.set(adapter, (adapters.get(adapter) ?? new Set()).add(call)));
  }
}

/** The adapter a store call stands for, by the object key it touches (same keys in both runtimes: ARCHITECTURE.md). */
export function storeAdapter(key: string): Adapter | undefined {
  if (key.startsWith("switchers/")) return "switcherFiles";
  if (key.startsWith("media/")) return "mediaStore";
  if (key.startsWith("recordings/") || key.startsWith("vod/")) return "recordingStore";
  return undefined;
}

type Ports = Omit<RuntimeAdapters, "publisher">;
/** What one method of a port stands for: an adapter, one chosen by the call's arguments, or none (it calls nothing). */
type Attribution = Adapter | null | ((args: unknown[]) => Adapter | undefined);
const byKey = (args: unknown[]) => storeAdapter(String(args[1]));

/** Every method of every port the domain stands on, with the stacks adapter its AWS twin is: a new method must be placed here. */
export const PortAdapters = {
  engine: { createChannel: "liveEngine", startChannel: "liveEngine", stopChannel: "liveEngine", deleteChannel: "liveEngine", livePlayback: null },
  infrastructure: { provision: "accountProvisioning", deprovision: "accountDeprovisioning" },
  assembler: { assemble: "vodAssembly" },
  signer: { signPath: "playbackSigning", signUrl: "playbackSigning" },
  uploads: { presignPut: "mediaStore" },
  scheduler: { replace: "switchSchedule" },
  // check sends nothing to AWS in packages/aws; it is counted all the same, being the port's.
  switcherEngine: { check: "switcherEngine", apply: "switcherEngine", switch: "switcherEngine", health: "switcherEngine", remove: "switcherEngine", thumbnail: "switcherEngine" },
  store: { put: byKey, size: byKey, deletePrefix: byKey, delete: byKey },
} as const satisfies { [Port in keyof Ports]: Record<keyof Ports[Port], Attribution> };

/** `port` with each call of the methods in `attribution` recorded as the adapter it stands for. */
function attributed<P extends object>(port: P, portName: string, attribution: Record<string, Attribution>, recorder: ReachRecorder): P {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || typeof value !== "function" || !(property in attribution)) return value;
      const stands = attribution[property];
      return (...args: unknown[]) => {
        if (stands !== null) recorder.reached(typeof stands === "function" ? stands(args) : stands, `${portName}.${property}`);
        return value.apply(target, args);
      };
    },
  });
}

/** Provisions `<prefix>-<accountId>` buckets as the stacks name them; deprovisioning answers "pending" when told to. */
export class FakeAccountInfrastructure extends FakePort<"provision" | "deprovision"> implements AccountInfrastructure {
  private pending = 0;
  constructor(private readonly prefix: string) {
    super();
  }

  pendNextDeprovision(times = 1): void {
    this.pending += times;
  }

  async provision(accountId: string): Promise<AccountResources> {
    this.called("provision", accountId);
    const distributionId = `E${accountId.slice(4).toUpperCase()}`;
    return {
      bucketName: `${this.prefix}-${accountId}`,
      distributionId,
      cdnBaseUrl: `https://${distributionId.toLowerCase()}.cloudfront.net`,
      publicKeyId: `K${accountId.slice(4).toUpperCase()}`,
      distributionArn: `arn:aws:cloudfront::111122223333:distribution/${distributionId}`,
    };
  }

  async deprovision(accountId: string): Promise<StepResult> {
    this.called("deprovision", accountId);
    if (this.pending === 0) return "done";
    this.pending--;
    return "pending";
  }
}

/** Names its jobs job-1, job-2, … */
export class FakeVodAssembler extends FakePort<"assemble"> implements VodAssembler {
  async assemble(request: AssemblyRequest): Promise<{ jobId: string }> {
    this.called("assemble", request);
    return { jobId: `job-${this.calls.length}` };
  }
}

export class FakeUploadSigner extends FakePort<"presignPut"> implements UploadSigner {
  async presignPut(bucketName: string, key: string, contentType: string, expiresAt: Date): Promise<PresignedUpload> {
    this.called("presignPut", bucketName, key, contentType, expiresAt);
    return { url: `https://${bucketName}.s3.eu-west-1.amazonaws.com/${key}?X-Amz-Expires=900`, headers: { "content-type": contentType } };
  }
}

/** Every adapter a fake, and what the domain is given: the same fakes, each call recorded as its stacks adapter. */
export function reachingAdapters(recorder: ReachRecorder, publisher: RuntimeAdapters["publisher"], prefix: string) {
  const fakes = {
    engine: new FakeLiveEngine(),
    infrastructure: new FakeAccountInfrastructure(prefix),
    assembler: new FakeVodAssembler(),
    signer: new FakeSigner(),
    uploads: new FakeUploadSigner(),
    scheduler: new FakeScheduler(),
    switcherEngine: new FakeSwitcherEngine(),
    store: new FakeObjectStore(),
  } satisfies Ports;
  const wrap = <K extends keyof Ports>(port: K): Ports[K] => attributed(fakes[port], port, PortAdapters[port], recorder);
  const adapters: RuntimeAdapters = {
    publisher,
    engine: wrap("engine"),
    infrastructure: wrap("infrastructure"),
    assembler: wrap("assembler"),
    signer: wrap("signer"),
    uploads: wrap("uploads"),
    scheduler: wrap("scheduler"),
    switcherEngine: wrap("switcherEngine"),
    store: wrap("store"),
  };
  return { fakes, adapters };
}

/** A Lambda handler as middy builds it. */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;
type BusEvent = { source: string; "detail-type": string; detail: unknown; resources?: string[]; [field: string]: unknown };

export const lambdaContext = (functionName: string) =>
  ({ functionName, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 60_000 }) as unknown as Context;

/** Now as EventBridge writes an event's time (whole seconds). */
export const eventTime = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/**
 * The stage's bus: what is published or emitted waits in a queue, and drain() delivers it one event and one rule at
 * a time to that rule's handler, so each adapter call is attributed to exactly one function.
 */
export class StageBus {
  private readonly queue: BusEvent[] = [];
  private handlers?: Record<RuleName, LambdaHandler>;
  readonly deliveries: { rule: RuleName; detailType: string }[] = [];

  constructor(
    private readonly rules: Record<RuleName, EventPattern>,
    private readonly recorder: ReachRecorder,
  ) {}

  readonly publisher: RuntimeAdapters["publisher"] = {
    publish: async (...entries: VisionStreamEntry[]) => {
      for (const entry of entries) this.emit(entry);
    },
  };

  connect(handlers: Record<RuleName, LambdaHandler>): void {
    this.handlers = handlers;
  }

  /** An event as EventBridge delivers it: ours get the envelope the bus adds, AWS's come whole. */
  emit(event: BusEvent): void {
    this.queue.push({ version: "0", id: randomUUID(), account: "111122223333", time: eventTime(), region: "eu-west-1", resources: [], ...event });
  }

  async drain(limit = 200): Promise<void> {
    if (!this.handlers) throw new Error("no handlers connected to the bus");
    for (let delivered = 0; this.queue.length > 0; delivered++) {
      if (delivered >= limit) throw new Error(`the bus still holds ${this.queue.length} events after ${limit}`);
      const event = this.queue.shift()!;
      for (const rule of Object.keys(this.rules) as RuleName[]) {
        if (!matchesPattern(this.rules[rule], event)) continue;
        this.deliveries.push({ rule, detailType: event["detail-type"] });
        const handler = this.handlers[rule];
        await this.recorder.as(rule, () => handler(event as never, lambdaContext(rule)));
      }
    }
  }
}

/** A function reaching an adapter its FunctionAdapters entry lacks: its grants would be missing in AWS. */
export interface Ungranted {
  functionName: FunctionName;
  adapter: Adapter;
  calls: string[];
}

/** Every (function, adapter) of `reach` that `table` does not list. */
export function beyondTable(reach: Reach, table: Readonly<Record<FunctionName, readonly Adapter[]>>): Ungranted[] {
  return [...reach].flatMap(([functionName, adapters]) =>
    [...adapters]
      .filter(([adapter]) => !table[functionName].includes(adapter))
      .map(([adapter, calls]) => ({ functionName, adapter, calls: [...calls].sort() })),
  );
}

export const describeUngranted = (found: readonly Ungranted[]) =>
  found.map(({ functionName, adapter, calls }) => `${functionName} reaches ${adapter} (${calls.join(", ")}) but FunctionAdapters.${functionName} lacks it`).join("\n");

/** The table without `adapter` in `functionName`'s entry: a planted fault. */
export function withoutAdapter(table: Readonly<Record<FunctionName, readonly Adapter[]>>, functionName: FunctionName, adapter: Adapter) {
  return { ...table, [functionName]: table[functionName].filter((listed) => listed !== adapter) };
}
