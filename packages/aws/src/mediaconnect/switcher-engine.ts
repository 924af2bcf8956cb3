import {
  ConflictException,
  DescribeFlowSourceMetadataCommand,
  type MediaConnectClient,
  NotFoundException,
  StartFlowCommand,
  StopFlowCommand,
  UpdateFlowSourceCommand,
} from "@aws-sdk/client-mediaconnect";
import { InvalidInput, NotFound } from "@visionstream/core/errors";
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
import { MediaConnectRequests } from "./requests.ts";
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

const SLATE = "slate";
const CUT_NOTE = "MediaConnect switches at the next packet";

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

interface PendingSwitch {
  ingestId: string;
  waiters: { ingestId: string; mode: SwitchMode; resolve: (outcome: SwitchOutcome) => void; reject: (error: unknown) => void }[];
}

/**
 * The switcher on MediaConnect. The stack (stacks/switcher.ts) creates the flows: per ingest `flowName(S, X)` in the
 * ingest's region, an SRT listener with an SRT-listener output over its VPC interface; and `busFlowName(S, bus)` in the
 * home region (the first of the architecture), whose one source calls an ingest's VPC output. Switching re-points
 * that source (UpdateFlowSource), so it is always a cut.
 */
export class AwsSwitcherEngine implements SwitcherEngine {
  private readonly requests: MediaConnectRequests;
  private readonly architectureOf: (switcherId: string) => Promise<Architecture | undefined>;
  private readonly debounceMs: number;
  private readonly healthTtlMs: number;
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
    this.requests = new MediaConnectRequests({ client, requestsPerSecond, retry, random });
    this.architectureOf = architectureOf;
    this.debounceMs = debounceMs;
    this.healthTtlMs = healthTtlMs;
  }

  /** A switcher is created before its flows (the stack needs its id): until they are deployed there is nothing to start. */
  /** MediaConnect checks the flows itself when they are created from the architecture file's stack. */
  async check(): Promise<void> {}

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
    const listed = await listSwitcherFlows(this.requests, switcherId, architecture);
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
      await this.requests.send(flow.region, "StartFlow", (client) => client.send(new StartFlowCommand({ FlowArn: flow.arn })));
      flow.status = "STARTING";
    }
  }

  /**
   * What MediaConnect tells without CloudWatch: connected when the ingest flow is ACTIVE and its source has transport
   * stream metadata (programs). MediaConnect's API has no bit rate or keyframe timing (those are CloudWatch metrics
   * and TR 101 290 events), so bitrateKbps is 0 and lastKeyframeAgeMs null.
   */
  private async measure(switcherId: string): Promise<IngestHealth[]> {
    const architecture = await this.architectureOf(switcherId);
    if (!architecture) throw new NotFound("switcher", switcherId);
    const listed = await listSwitcherFlows(this.requests, switcherId, architecture);
    const health: IngestHealth[] = [];
    for (const ingest of architecture.ingests) {
      const flow = listed.get(flowName(switcherId, ingest.id));
      let connected = false;
      if (flow?.status === "ACTIVE") {
        const metadata = await this.requests.send(flow.region, "DescribeFlowSourceMetadata", (client) =>
          client.send(new DescribeFlowSourceMetadataCommand({ FlowArn: flow.arn })),
        );
        connected = (metadata.TransportMediaInfo?.Programs ?? []).some((program) => (program.Streams ?? []).length > 0);
      }
      health.push({ ingestId: ingest.id, connected, bitrateKbps: 0, lastKeyframeAgeMs: null });
    }
    return health;
  }

  private forget(switcherId: string): void {
    this.cache.delete(switcherId);
    this.healthCache.delete(switcherId);
  }
}
