import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  BadRequestException,
  ConflictException,
  DescribeFlowCommand,
  ForbiddenException,
  type MediaConnectClient,
  NotFoundException,
  StartFlowCommand,
  StopFlowCommand,
  UpdateFlowSourceCommand,
} from "@aws-sdk/client-mediaconnect";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import type { Architecture } from "@visionstream/core/switcher/architecture";
import {
  busFlowName,
  flowName,
  type Bus,
  type IngestHealth,
  type MonitorThumbnail,
  type SwitcherEngine,
  type SwitcherSpec,
  type SwitchMode,
  type SwitchOutcome,
} from "@visionstream/core/switcher/switcher";
import { type BusSwitches, ContainerBusSwitches } from "./bus-switches.ts";
import { MEDIACONNECT_REQUESTS_PER_SECOND, MediaConnectRequests, MonitoringDeferred, monitoringBudget, RequestRateLimiter } from "./requests.ts";
import { DynamoBusSwitches, DynamoRequestBudget, type SharedLimitsTable } from "./shared-limits.ts";
import {
  BUSES,
  SwitcherFlowsMissing,
  busSource,
  expectedFlows,
  homeRegion,
  ingestListener,
  listSwitcherFlows,
  type SwitcherFlows,
} from "./switcher-flows.ts";
import { measureIngests, sourceThumbnail } from "./switcher-health.ts";
import { releaseBusSources } from "./switcher-network.ts";

const SLATE = "slate";
/** How long a panel read waits for a place in MediaConnect's budget before the panel keeps its last figures. */
const MONITOR_WAIT_MS = 3_000;
const CUT_NOTE = "MediaConnect switches at the next packet";

/** The panel's answers (health, thumbnails) by key, with when each was asked. */
type Reused<V> = Map<string, { at: number; value: Promise<V> }>;

/**
 * The answer for `key`, reused for `ttlMs`. When the budget defers a fresh one (MonitoringDeferred: switching comes
 * first), the last answer stands; an answer that failed is not kept.
 */
function reused<V>(cache: Reused<V>, key: string, ttlMs: number, load: () => Promise<V>): Promise<V> {
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < ttlMs) return cached.value;
  const value = load().catch(async (error: unknown) => {
    if (error instanceof MonitoringDeferred && cached) return cached.value;
    throw error;
  });
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key));
  return value;
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
  /**
   * Where the request rate and the per-bus debounce are kept so that all Lambda containers share them; without it
   * they hold for this container only (local runtime, tests). leaseMs: how long a dead container can block a bus.
   */
  sharedLimits?: SharedLimitsTable & { leaseMs?: number };
  retry?: { attempts: number; baseMs: number; maxMs: number };
  /** How long a health answer is reused: the panel asks on every read. */
  healthTtlMs?: number;
  /** The CloudWatch client of a region, for the ingests' bit rates; without it they are 0. */
  metrics?: (region: string) => CloudWatchClient;
  /** How long a bus thumbnail is reused: each fetch spends a MediaConnect request, and MediaConnect makes at most one a second. */
  thumbnailTtlMs?: number;
  random?: () => number;
}

/**
 * The switcher on MediaConnect. The stack (stacks/switcher.ts) creates the flows: per ingest `flowName(S, X)` in the
 * ingest's region, an SRT listener with an SRT-listener output over its VPC interface; and `busFlowName(S, bus)` in the
 * home region (the first of the architecture), whose one source calls an ingest's VPC output. Switching re-points
 * that source (UpdateFlowSource), so it is always a cut.
 */
export class AwsSwitcherEngine implements SwitcherEngine {
  private readonly requests: MediaConnectRequests;
  /** The panel's reads: they leave places to switching and give up after MONITOR_WAIT_MS (the last answer is shown). */
  private readonly monitorRequests: MediaConnectRequests;
  private readonly architectureOf: (switcherId: string) => Promise<Architecture | undefined>;
  private readonly debounceMs: number;
  private readonly healthTtlMs: number;
  private readonly cache = new Map<string, Promise<SwitcherFlows>>();
  private readonly buses: BusSwitches;
  private readonly healthCache: Reused<IngestHealth[]> = new Map();
  private readonly metrics: ((region: string) => CloudWatchClient) | undefined;
  private readonly thumbnailTtlMs: number;
  private readonly thumbnails: Reused<MonitorThumbnail | undefined> = new Map();

  constructor({
    client,
    architectureOf,
    requestsPerSecond = MEDIACONNECT_REQUESTS_PER_SECOND,
    debounceMs = 200,
    sharedLimits,
    retry = { attempts: 6, baseMs: 200, maxMs: 3_000 },
    healthTtlMs = 5_000,
    metrics,
    thumbnailTtlMs = 2_000,
    random = Math.random,
  }: AwsSwitcherEngineOptions) {
    this.metrics = metrics;
    this.thumbnailTtlMs = thumbnailTtlMs;
    const budget = sharedLimits ? new DynamoRequestBudget({ ...sharedLimits, limit: requestsPerSecond, random }) : new RequestRateLimiter(requestsPerSecond);
    this.requests = new MediaConnectRequests({ client, budget, retry, random });
    this.monitorRequests = new MediaConnectRequests({ client, budget: monitoringBudget(budget, MONITOR_WAIT_MS), retry, random });
    this.buses = sharedLimits ? new DynamoBusSwitches({ ...sharedLimits, debounceMs }) : new ContainerBusSwitches(debounceMs);
    this.architectureOf = architectureOf;
    this.debounceMs = debounceMs;
    this.healthTtlMs = healthTtlMs;
  }

  /** MediaConnect checks the flows itself when they are created from the architecture file's stack. */
  async check(): Promise<void> {}

  async apply(spec: SwitcherSpec): Promise<void> {
    try {
      await this.applyFlows(spec);
    } catch (error) {
      // MediaConnect refusing the request (a role it cannot assume, a flow it will not start) is not passing: the
      // switcher goes APPLY_FAILED with the reason rather than being retried for ever.
      if (error instanceof BadRequestException || error instanceof ForbiddenException) {
        throw new Conflict(`MediaConnect refused to run switcher ${spec.switcherId}: ${error.message}`, { switcherId: spec.switcherId });
      }
      throw error;
    }
  }

  private async applyFlows(spec: SwitcherSpec): Promise<void> {
    this.forget(spec.switcherId);
    // Without its flows (their stack is not deployed yet) this throws SwitcherFlowsMissing: the switcher waits for the
    // stack's deployment event, which applies it again.
    const flows = await this.flowsOf(spec.switcherId, spec.architecture);
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
    return this.buses
      .switch({ switcherId, bus }, ingestId, (sent) => this.point(switcherId, bus, sent, { skipWhenThere: false }))
      .then(({ sent }) => {
        const superseded = sent !== ingestId;
        const notes = [
          superseded ? `superseded by a switch to ${sent} within ${this.debounceMs} ms; only that one is sent` : undefined,
          mode === "clean" ? CUT_NOTE : undefined,
        ].filter(Boolean);
        return { mode: "cut", ...(superseded && { superseded }), ...(notes.length > 0 && { note: notes.join("; ") }) };
      });
  }

  async health(switcherId: string): Promise<IngestHealth[]> {
    return reused(this.healthCache, switcherId, this.healthTtlMs, () => this.measure(switcherId));
  }

  async remove(switcherId: string): Promise<void> {
    const architecture = await this.architectureOf(switcherId);
    this.forget(switcherId);
    if (!architecture) return;
    const listed = await listSwitcherFlows(this.requests, switcherId, architecture);
    await releaseBusSources(this.requests, switcherId, architecture, listed);
    await this.buses.forget(switcherId);
    for (const flow of listed.values()) {
      if (flow.status !== "ACTIVE" && flow.status !== "STARTING") continue;
      await this.requests.send(flow.region, "StopFlow", (client) => client.send(new StopFlowCommand({ FlowArn: flow.arn }))).catch(
        (error: unknown) => {
          // Already stopping or gone: the stack deletes the flows anyway.
          if (!(error instanceof NotFoundException) && !(error instanceof ConflictException)) throw error;
        },
      );
    }
  }

  /** Re-points the bus flow's source at the ingest flow's VPC output; reloads once when a flow was replaced. */
  private async point(switcherId: string, bus: Bus, ingestId: string, { skipWhenThere }: { skipWhenThere: boolean }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const flows = await this.flowsOf(switcherId);
        const listener = await ingestListener(this.requests, switcherId, flows, ingestId);
        const source = await busSource(this.requests, switcherId, flows, bus);
        if (skipWhenThere && source.listener?.address === listener.address && source.listener.port === listener.port) return;
        await this.requests.send(flows.homeRegion, "UpdateFlowSource", (client) =>
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
    const flows = await listSwitcherFlows(this.requests, switcherId, architecture);
    const missing = expectedFlows(switcherId, architecture).filter(({ name }) => !flows.has(name));
    if (missing.length > 0) throw new SwitcherFlowsMissing(switcherId, missing);
    return { homeRegion: homeRegion(architecture), flows, ingestListeners: new Map(), busSources: new Map() };
  }

  private async startStandby(flows: SwitcherFlows, names: readonly string[]): Promise<void> {
    for (const name of names) {
      const flow = flows.flows.get(name)!;
      if (flow.status !== "STANDBY") continue;
      await this.requests.send(flow.region, "StartFlow", (client) => client.send(new StartFlowCommand({ FlowArn: flow.arn }))).catch(async (error: unknown) => {
        // Another apply (a duplicate event, another region's stack) started it first: nothing left to do.
        if (!(error instanceof ConflictException || error instanceof BadRequestException)) throw error;
        if (!(await this.startedMeanwhile(flow))) throw error;
      });
      flow.status = "STARTING";
    }
  }

  private async startedMeanwhile(flow: { region: string; arn: string }): Promise<boolean> {
    const { Flow: described } = await this.requests.send(flow.region, "DescribeFlow", (client) => client.send(new DescribeFlowCommand({ FlowArn: flow.arn })));
    return described?.Status === "STARTING" || described?.Status === "ACTIVE";
  }

  /** See measureIngests: connected from the flows' status and source metadata, bit rates from CloudWatch. */
  private async measure(switcherId: string): Promise<IngestHealth[]> {
    const architecture = await this.architectureOf(switcherId);
    if (!architecture) throw new NotFound("switcher", switcherId);
    const listed = await listSwitcherFlows(this.monitorRequests, switcherId, architecture);
    return measureIngests(this.monitorRequests, this.metrics, { switcherId, architecture, listed, now: new Date() });
  }

  /** The source thumbnail of the bus flow (the stack enables them on the bus flows only), reused for thumbnailTtlMs. */
  async thumbnail(switcherId: string, bus: Bus): Promise<MonitorThumbnail | undefined> {
    return reused(this.thumbnails, `${switcherId}/${bus}`, this.thumbnailTtlMs, async () => {
      const flow = (await this.flowsOf(switcherId)).flows.get(busFlowName(switcherId, bus))!;
      return sourceThumbnail(this.monitorRequests, flow, new Date()).catch((error: unknown) => {
        if (!(error instanceof NotFoundException)) throw error;
        // The stack replaced the flow: look it up again next time.
        this.forget(switcherId);
        return undefined;
      });
    });
  }

  private forget(switcherId: string): void {
    this.cache.delete(switcherId);
    this.healthCache.delete(switcherId);
  }
}
