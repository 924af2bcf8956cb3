import {
  ConflictException,
  DescribeFlowCommand,
  DescribeFlowSourceMetadataCommand,
  ListFlowsCommand,
  MediaConnectClient,
  NotFoundException,
  StartFlowCommand,
  StopFlowCommand,
  TooManyRequestsException,
  UpdateFlowSourceCommand,
  type Flow,
  type ListedFlow,
} from "@aws-sdk/client-mediaconnect";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import type { Architecture } from "@visionstream/core/switcher/architecture";
import {
  busFlowName,
  flowName,
  type Bus,
  type IngestHealth,
  type SwitcherEngine,
  type SwitcherSpec,
  type SwitchMode,
  type SwitchOutcome,
} from "@visionstream/core/switcher/switcher";

const BUSES: readonly Bus[] = ["live", "preview"];
const SLATE = "slate";
const CUT_NOTE = "MediaConnect switches at the next packet";

/** Flows of a switcher that the stack has not created (yet). */
export class SwitcherFlowsMissing extends Conflict {
  override name = "SwitcherFlowsMissing";
  constructor(
    readonly switcherId: string,
    readonly missing: readonly { name: string; region: string }[],
  ) {
    super(
      `MediaConnect flow${missing.length === 1 ? "" : "s"} ${missing.map((flow) => `${flow.name} (${flow.region})`).join(", ")} ` +
        `of switcher ${switcherId} not found: deploy the switcher stack ` +
        `(VISIONSTREAM_SWITCHER_ID=${switcherId} VISIONSTREAM_SWITCHER_FILE=<architecture file> npx sst deploy)`,
      { switcherId, missing },
    );
  }
}

/** A flow exists but lacks what switching needs (its VPC output's address, its VPC interface). */
export class SwitcherFlowNotReady extends Conflict {
  override name = "SwitcherFlowNotReady";
  constructor(
    readonly flow: string,
    reason: string,
  ) {
    super(`MediaConnect flow ${flow} ${reason}`, { flow });
  }
}

/** MediaConnect kept answering 429 after every retry. */
export class MediaConnectThrottled extends Error {
  override name = "MediaConnectThrottled";
  constructor(
    readonly operation: string,
    readonly attempts: number,
  ) {
    super(`MediaConnect ${operation} was throttled (429) ${attempts} times in a row; try again in a few seconds`);
  }
}

export interface AwsSwitcherEngineOptions {
  /** The MediaConnect client of a region (create them with maxAttempts: 1, so that throttling is retried here only). */
  client: (region: string) => MediaConnectClient;
  /** The architecture of a switcher, for switch/health/remove calls that come without a spec (another Lambda ran apply). */
  architectureOf: (switcherId: string) => Promise<Architecture | undefined>;
  /** MediaConnect allows 5 requests a second per account and region. */
  requestsPerSecond?: number;
  /** Switches of one bus closer together than this are merged: only the last is sent. */
  debounceMs?: number;
  retry?: { attempts: number; baseMs: number; maxMs: number };
  /** How long a health answer is reused: the panel asks on every read. */
  healthTtlMs?: number;
  random?: () => number;
}

interface Listener {
  address: string;
  port: number;
}

interface BusSource {
  flowArn: string;
  sourceArn: string;
  vpcInterfaceName: string;
  listener?: Listener;
}

/** What was found of a switcher's flows; kept until the next apply or a NotFound. */
interface SwitcherFlows {
  homeRegion: string;
  /** flow name → region, ARN and status at lookup time. */
  flows: Map<string, { region: string; arn: string; status: string | undefined }>;
  ingestListeners: Map<string, Listener>;
  busSources: Map<Bus, BusSource>;
}

interface PendingSwitch {
  ingestId: string;
  waiters: { ingestId: string; mode: SwitchMode; resolve: (outcome: SwitchOutcome) => void; reject: (error: unknown) => void }[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * At most `limit` requests in any window of `windowMs`: a bucket of `limit` tokens where each token comes back
 * `windowMs` after it was taken. Stricter than a refilling bucket with a burst, which lets up to twice the limit
 * through in one second.
 */
export class RequestRateLimiter {
  private readonly sent: number[] = [];
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1_000,
  ) {}

  take(): Promise<void> {
    const mine = this.turn.then(() => this.wait());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.windowMs) this.sent.shift();
      if (this.sent.length < this.limit) {
        this.sent.push(now);
        return;
      }
      await sleep(this.sent[0]! + this.windowMs - now);
    }
  }
}

/**
 * The switcher on MediaConnect. The stack (stacks/switcher.ts) creates the flows: per ingest `flowName(S, X)` in the
 * ingest's region, an SRT listener with an SRT-listener output over its VPC interface; and `busFlowName(S, bus)` in the
 * home region (the first of the architecture), whose one source calls an ingest's VPC output. Switching re-points
 * that source (UpdateFlowSource), so it is always a cut.
 */
export class AwsSwitcherEngine implements SwitcherEngine {
  private readonly client: (region: string) => MediaConnectClient;
  private readonly architectureOf: (switcherId: string) => Promise<Architecture | undefined>;
  private readonly limiter: RequestRateLimiter;
  private readonly debounceMs: number;
  private readonly retry: { attempts: number; baseMs: number; maxMs: number };
  private readonly healthTtlMs: number;
  private readonly random: () => number;
  private readonly cache = new Map<string, Promise<SwitcherFlows>>();
  private readonly pending = new Map<string, PendingSwitch>();
  /** Per bus, the last send: a later one waits for it, so the bus ends on the last switch asked. */
  private readonly sending = new Map<string, Promise<unknown>>();
  private readonly healthCache = new Map<string, { at: number; health: Promise<IngestHealth[]> }>();

  constructor({
    client,
    architectureOf,
    requestsPerSecond = 5,
    debounceMs = 200,
    retry = { attempts: 6, baseMs: 200, maxMs: 3_000 },
    healthTtlMs = 5_000,
    random = Math.random,
  }: AwsSwitcherEngineOptions) {
    this.client = client;
    this.architectureOf = architectureOf;
    this.limiter = new RequestRateLimiter(requestsPerSecond);
    this.debounceMs = debounceMs;
    this.retry = retry;
    this.healthTtlMs = healthTtlMs;
    this.random = random;
  }

  /** A switcher is created before its flows (the stack needs its id): until they are deployed there is nothing to start. */
  async apply(spec: SwitcherSpec): Promise<void> {
    this.forget(spec.switcherId);
    let flows: Awaited<ReturnType<typeof this.flowsOf>>;
    try {
      flows = await this.flowsOf(spec.switcherId, spec.architecture);
    } catch (error) {
      if (error instanceof SwitcherFlowsMissing) return;
      throw error;
    }
    const ingestFlows = spec.architecture.ingests.map((ingest) => flowName(spec.switcherId, ingest.id));
    const busFlows = BUSES.map((bus) => busFlowName(spec.switcherId, bus));
    // Ingests first: a bus that starts calling a listener that is not up yet only reconnects later.
    await this.startStandby(flows, ingestFlows);
    const first = spec.architecture.ingests[0]!.id;
    for (const bus of BUSES) {
      const ingestId = spec[bus] ?? first;
      if (ingestId === SLATE) continue;
      await this.point(spec.switcherId, bus, ingestId, { skipWhenThere: true });
    }
    await this.startStandby(flows, busFlows);
  }

  switch(switcherId: string, bus: Bus, ingestId: string, mode: SwitchMode): Promise<SwitchOutcome> {
    if (ingestId === SLATE) {
      return Promise.reject(new InvalidInput("ingestId", "MediaConnect has no slate: fall back to an ingest in AWS"));
    }
    const key = `${switcherId}/${bus}`;
    return new Promise<SwitchOutcome>((resolve, reject) => {
      let pending = this.pending.get(key);
      if (!pending) {
        pending = { ingestId, waiters: [] };
        this.pending.set(key, pending);
        setTimeout(() => void this.flush(key, switcherId, bus), this.debounceMs);
      }
      pending.ingestId = ingestId;
      pending.waiters.push({ ingestId, mode, resolve, reject });
    });
  }

  async health(switcherId: string): Promise<IngestHealth[]> {
    const cached = this.healthCache.get(switcherId);
    if (cached && Date.now() - cached.at < this.healthTtlMs) return cached.health;
    const health = this.measure(switcherId);
    this.healthCache.set(switcherId, { at: Date.now(), health });
    health.catch(() => this.healthCache.delete(switcherId));
    return health;
  }

  async remove(switcherId: string): Promise<void> {
    const architecture = await this.architectureOf(switcherId);
    this.forget(switcherId);
    if (!architecture) return;
    const listed = await this.list(switcherId, architecture);
    for (const flow of listed.values()) {
      if (flow.status !== "ACTIVE" && flow.status !== "STARTING") continue;
      await this.call(flow.region, "StopFlow", (client) => client.send(new StopFlowCommand({ FlowArn: flow.arn }))).catch(
        (error: unknown) => {
          // Already stopping or gone: the stack deletes the flows anyway.
          if (!(error instanceof NotFoundException) && !(error instanceof ConflictException)) throw error;
        },
      );
    }
  }

  private async flush(key: string, switcherId: string, bus: Bus): Promise<void> {
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    const sent = pending.ingestId;
    const previous = this.sending.get(key) ?? Promise.resolve();
    const sending = previous.catch(() => undefined).then(() => this.point(switcherId, bus, sent, { skipWhenThere: false }));
    this.sending.set(key, sending);
    try {
      await sending;
      for (const waiter of pending.waiters) {
        const superseded = waiter.ingestId !== sent;
        const notes = [
          superseded ? `superseded by a switch to ${sent} within ${this.debounceMs} ms; only that one was sent` : undefined,
          waiter.mode === "clean" ? CUT_NOTE : undefined,
        ].filter(Boolean);
        waiter.resolve({ mode: "cut", ...(superseded && { superseded }), ...(notes.length > 0 && { note: notes.join("; ") }) });
      }
    } catch (error) {
      for (const waiter of pending.waiters) waiter.reject(error);
    } finally {
      if (this.sending.get(key) === sending) this.sending.delete(key);
    }
  }

  /** Re-points the bus flow's source at the ingest flow's VPC output; reloads once when a flow was replaced. */
  private async point(switcherId: string, bus: Bus, ingestId: string, { skipWhenThere }: { skipWhenThere: boolean }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const flows = await this.flowsOf(switcherId);
        const listener = await this.ingestListener(switcherId, flows, ingestId);
        const source = await this.busSource(switcherId, flows, bus);
        if (skipWhenThere && source.listener?.address === listener.address && source.listener.port === listener.port) return;
        await this.call(flows.homeRegion, "UpdateFlowSource", (client) =>
          client.send(
            new UpdateFlowSourceCommand({
              FlowArn: source.flowArn,
              SourceArn: source.sourceArn,
              Protocol: "srt-caller",
              SourceListenerAddress: listener.address,
              SourceListenerPort: listener.port,
              VpcInterfaceName: source.vpcInterfaceName,
            }),
          ),
        );
        source.listener = listener;
        return;
      } catch (error) {
        if (!(error instanceof NotFoundException) || attempt > 1) throw error;
        this.forget(switcherId);
      }
    }
  }

  private async flowsOf(switcherId: string, architecture?: Architecture): Promise<SwitcherFlows> {
    let flows = this.cache.get(switcherId);
    if (!flows) {
      flows = this.locate(switcherId, architecture);
      this.cache.set(switcherId, flows);
      flows.catch(() => {
        if (this.cache.get(switcherId) === flows) this.cache.delete(switcherId);
      });
    }
    return flows;
  }

  private async locate(switcherId: string, given?: Architecture): Promise<SwitcherFlows> {
    const architecture = given ?? (await this.architectureOf(switcherId));
    if (!architecture) throw new NotFound("switcher", switcherId);
    const flows = await this.list(switcherId, architecture);
    const missing = expectedFlows(switcherId, architecture).filter(({ name }) => !flows.has(name));
    if (missing.length > 0) throw new SwitcherFlowsMissing(switcherId, missing);
    return { homeRegion: homeRegion(architecture), flows, ingestListeners: new Map(), busSources: new Map() };
  }

  /** The switcher's flows found by name (ListFlows of every region it uses). */
  private async list(switcherId: string, architecture: Architecture): Promise<SwitcherFlows["flows"]> {
    const wanted = new Map(expectedFlows(switcherId, architecture).map((flow) => [flow.name, flow.region]));
    const found: SwitcherFlows["flows"] = new Map();
    for (const region of new Set(wanted.values())) {
      let NextToken: string | undefined;
      do {
        const token = NextToken;
        const page = await this.call(region, "ListFlows", (client) =>
          client.send(new ListFlowsCommand({ MaxResults: 100, ...(token && { NextToken: token }) })),
        );
        for (const flow of page.Flows ?? []) {
          if (flow.Name && flow.FlowArn && wanted.get(flow.Name) === region && usable(flow)) {
            found.set(flow.Name, { region, arn: flow.FlowArn, status: flow.Status });
          }
        }
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return found;
  }

  private async startStandby(flows: SwitcherFlows, names: readonly string[]): Promise<void> {
    for (const name of names) {
      const flow = flows.flows.get(name)!;
      if (flow.status !== "STANDBY") continue;
      await this.call(flow.region, "StartFlow", (client) => client.send(new StartFlowCommand({ FlowArn: flow.arn })));
      flow.status = "STARTING";
    }
  }

  private async describe(region: string, arn: string): Promise<Flow> {
    const { Flow: flow } = await this.call(region, "DescribeFlow", (client) => client.send(new DescribeFlowCommand({ FlowArn: arn })));
    if (!flow) throw new SwitcherFlowNotReady(arn, "was described without its details");
    return flow;
  }

  private async ingestListener(switcherId: string, flows: SwitcherFlows, ingestId: string): Promise<Listener> {
    const known = flows.ingestListeners.get(ingestId);
    if (known) return known;
    const name = flowName(switcherId, ingestId);
    const found = flows.flows.get(name);
    if (!found) throw new InvalidInput("ingestId", `no ingest "${ingestId}" in switcher ${switcherId}`);
    const flow = await this.describe(found.region, found.arn);
    const output = (flow.Outputs ?? []).find((candidate) => candidate.VpcInterfaceAttachment?.VpcInterfaceName);
    if (!output?.ListenerAddress || !output.Port) {
      throw new SwitcherFlowNotReady(name, "has no SRT-listener output with an address on its VPC interface yet");
    }
    const listener = { address: output.ListenerAddress, port: output.Port };
    flows.ingestListeners.set(ingestId, listener);
    return listener;
  }

  private async busSource(switcherId: string, flows: SwitcherFlows, bus: Bus): Promise<BusSource> {
    const known = flows.busSources.get(bus);
    if (known) return known;
    const name = busFlowName(switcherId, bus);
    const found = flows.flows.get(name)!;
    const flow = await this.describe(found.region, found.arn);
    const sourceArn = flow.Source?.SourceArn;
    // The stack creates the flow with a temporary public source (CloudFormation's rule for VPC sources).
    const vpcInterfaceName = flow.Source?.VpcInterfaceName ?? flow.VpcInterfaces?.[0]?.Name;
    if (!sourceArn) throw new SwitcherFlowNotReady(name, "has no source");
    if (!vpcInterfaceName) throw new SwitcherFlowNotReady(name, "has no VPC interface");
    const transport = flow.Source?.Transport;
    const source: BusSource = {
      flowArn: found.arn,
      sourceArn,
      vpcInterfaceName,
      ...(flow.Source?.VpcInterfaceName &&
        transport?.Protocol === "srt-caller" &&
        transport.SourceListenerAddress &&
        transport.SourceListenerPort && { listener: { address: transport.SourceListenerAddress, port: transport.SourceListenerPort } }),
    };
    flows.busSources.set(bus, source);
    return source;
  }

  /**
   * What MediaConnect tells without CloudWatch: connected when the ingest flow is ACTIVE and its source has transport
   * stream metadata (programs). MediaConnect's API has no bit rate or keyframe timing (those are CloudWatch metrics
   * and TR 101 290 events), so bitrateKbps is 0 and lastKeyframeAgeMs null.
   */
  private async measure(switcherId: string): Promise<IngestHealth[]> {
    const architecture = await this.architectureOf(switcherId);
    if (!architecture) throw new NotFound("switcher", switcherId);
    const listed = await this.list(switcherId, architecture);
    const health: IngestHealth[] = [];
    for (const ingest of architecture.ingests) {
      const flow = listed.get(flowName(switcherId, ingest.id));
      let connected = false;
      if (flow?.status === "ACTIVE") {
        const metadata = await this.call(flow.region, "DescribeFlowSourceMetadata", (client) =>
          client.send(new DescribeFlowSourceMetadataCommand({ FlowArn: flow.arn })),
        );
        connected = (metadata.TransportMediaInfo?.Programs ?? []).some((program) => (program.Streams ?? []).length > 0);
      }
      health.push({ ingestId: ingest.id, connected, bitrateKbps: 0, lastKeyframeAgeMs: null });
    }
    return health;
  }

  /** One MediaConnect request: within the rate, retried with backoff and jitter while MediaConnect answers 429. */
  private async call<Output>(region: string, operation: string, request: (client: MediaConnectClient) => Promise<Output>): Promise<Output> {
    for (let attempt = 1; ; attempt++) {
      await this.limiter.take();
      try {
        return await request(this.client(region));
      } catch (error) {
        if (!throttled(error)) throw error;
        if (attempt >= this.retry.attempts) throw new MediaConnectThrottled(operation, attempt);
        const ceiling = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
        await sleep(ceiling / 2 + (this.random() * ceiling) / 2);
      }
    }
  }

  private forget(switcherId: string): void {
    this.cache.delete(switcherId);
    this.healthCache.delete(switcherId);
  }
}

const homeRegion = (architecture: Architecture) => architecture.regions[0]!.id;

function expectedFlows(switcherId: string, architecture: Architecture): { name: string; region: string }[] {
  return [
    ...architecture.ingests.map((ingest) => ({ name: flowName(switcherId, ingest.id), region: ingest.region })),
    ...BUSES.map((bus) => ({ name: busFlowName(switcherId, bus), region: homeRegion(architecture) })),
  ];
}

const usable = (flow: ListedFlow) => flow.Status !== "DELETING";

function throttled(error: unknown): boolean {
  if (error instanceof TooManyRequestsException) return true;
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === "TooManyRequestsException" || $metadata?.httpStatusCode === 429;
}
