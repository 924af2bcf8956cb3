import { Conflict } from "@visionstream/core/errors";
import {
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
import type { Architecture } from "@visionstream/core/switcher/architecture";
import { busFlowName, flowName, SwitcherNotDeployed, type SwitcherSpec } from "@visionstream/core/switcher/switcher";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MediaConnectThrottled } from "./requests.ts";
import { AwsSwitcherEngine, type AwsSwitcherEngineOptions } from "./switcher-engine.ts";
import { SwitcherFlowsMissing } from "./switcher-flows.ts";
import { command, festival, metadata, mockMediaConnect } from "./testing.ts";

const mediaconnect = mockMediaConnect();

const switcherId = "sw-0123456789abcdef";
const architecture: Architecture = festival();

const arn = (region: string, name: string) => `arn:aws:mediaconnect:${region}:111122223333:flow:1-${name.length}:${name}`;
const ingestRegion: Record<string, string> = { "stage-a": "eu-west-1", "stage-b": "us-east-1", "stage-c": "eu-west-1" };
const ingestArn = (ingestId: string) => arn(ingestRegion[ingestId]!, flowName(switcherId, ingestId));
const busArn = (bus: "live" | "preview") => arn("eu-west-1", busFlowName(switcherId, bus));
const sourceArn = (bus: "live" | "preview") => `arn:aws:mediaconnect:eu-west-1:111122223333:source:1-${bus}:temporary`;
const listener: Record<string, { address: string; port: number }> = {
  "stage-a": { address: "10.0.1.11", port: 9001 },
  "stage-b": { address: "10.1.1.12", port: 9002 },
  "stage-c": { address: "10.0.1.13", port: 9003 },
};

function listed(status: ListedFlow["Status"] = "ACTIVE", skip: string[] = []): ListedFlow[] {
  const ingests = Object.keys(ingestRegion).map((ingestId) => ({ Name: flowName(switcherId, ingestId), FlowArn: ingestArn(ingestId) }));
  const buses = (["live", "preview"] as const).map((bus) => ({ Name: busFlowName(switcherId, bus), FlowArn: busArn(bus) }));
  return [...ingests, ...buses, { Name: "someone-else", FlowArn: arn("eu-west-1", "someone-else") }]
    .filter((flow) => !skip.includes(flow.Name))
    .map((flow) => ({ ...flow, Status: status, AvailabilityZone: "eu-west-1a", Description: "", SourceType: "OWNED" }));
}

function ingestFlow(ingestId: string): Flow {
  return {
    FlowArn: ingestArn(ingestId),
    Name: flowName(switcherId, ingestId),
    AvailabilityZone: "eu-west-1a",
    Status: "ACTIVE",
    Entitlements: [],
    Source: { Name: "ingest", SourceArn: `${ingestArn(ingestId)}:source`, Transport: { Protocol: "srt-listener" } },
    VpcInterfaces: [{ Name: "switcher", NetworkInterfaceIds: ["eni-1"], NetworkInterfaceType: "ena", RoleArn: "arn:aws:iam::111122223333:role/mc", SecurityGroupIds: ["sg-1"], SubnetId: "subnet-1" }],
    Outputs: [
      {
        Name: "switcher",
        OutputArn: `${ingestArn(ingestId)}:output`,
        Port: listener[ingestId]!.port,
        ListenerAddress: listener[ingestId]!.address,
        Transport: { Protocol: "srt-listener" },
        VpcInterfaceAttachment: { VpcInterfaceName: "switcher" },
      },
    ],
  };
}

function busFlow(bus: "live" | "preview", pointingAt?: string): Flow {
  return {
    FlowArn: busArn(bus),
    Name: busFlowName(switcherId, bus),
    AvailabilityZone: "eu-west-1a",
    Status: "ACTIVE",
    Entitlements: [],
    Outputs: [],
    VpcInterfaces: [{ Name: "switcher", NetworkInterfaceIds: ["eni-2"], NetworkInterfaceType: "ena", RoleArn: "arn:aws:iam::111122223333:role/mc", SecurityGroupIds: ["sg-1"], SubnetId: "subnet-1" }],
    Source: pointingAt
      ? {
          Name: "ingest",
          SourceArn: sourceArn(bus),
          VpcInterfaceName: "switcher",
          Transport: { Protocol: "srt-caller", SourceListenerAddress: listener[pointingAt]!.address, SourceListenerPort: listener[pointingAt]!.port },
        }
      : { Name: "ingest", SourceArn: sourceArn(bus), WhitelistCidr: "192.0.2.1/32", Transport: { Protocol: "srt-listener" } },
  };
}

function flows({ status = "ACTIVE" as ListedFlow["Status"], live = undefined as string | undefined, preview = undefined as string | undefined } = {}) {
  mediaconnect.on(command(ListFlowsCommand)).resolves({ Flows: listed(status), ...metadata });
  for (const ingestId of Object.keys(ingestRegion)) {
    mediaconnect.on(command(DescribeFlowCommand), { FlowArn: ingestArn(ingestId) }).resolves({ Flow: ingestFlow(ingestId), ...metadata });
  }
  mediaconnect.on(command(DescribeFlowCommand), { FlowArn: busArn("live") }).resolves({ Flow: busFlow("live", live), ...metadata });
  mediaconnect.on(command(DescribeFlowCommand), { FlowArn: busArn("preview") }).resolves({ Flow: busFlow("preview", preview), ...metadata });
  mediaconnect.on(command(UpdateFlowSourceCommand)).resolves({ FlowArn: "x", ...metadata });
  mediaconnect.on(command(StartFlowCommand)).resolves({ Status: "STARTING", ...metadata });
  mediaconnect.on(command(StopFlowCommand)).resolves({ Status: "STOPPING", ...metadata });
}

function engine(options: Partial<AwsSwitcherEngineOptions> = {}) {
  return new AwsSwitcherEngine({
    client: (region) => new MediaConnectClient({ region }),
    architectureOf: async (id) => (id === switcherId ? architecture : undefined),
    debounceMs: 20,
    retry: { attempts: 4, baseMs: 1, maxMs: 4 },
    requestsPerSecond: 1_000,
    random: () => 0.5,
    ...options,
  });
}

const spec = (overrides: Partial<SwitcherSpec> = {}): SwitcherSpec => ({
  switcherId,
  accountId: "acc-0123456789abcdef",
  bucketName: "visionstream-test-acc-0123456789abcdef",
  architecture,
  live: "stage-a",
  preview: "stage-b",
  ...overrides,
});

const repoint = (bus: "live" | "preview", ingestId: string) => ({
  FlowArn: busArn(bus),
  SourceArn: sourceArn(bus),
  Protocol: "srt-caller",
  SourceListenerAddress: listener[ingestId]!.address,
  SourceListenerPort: listener[ingestId]!.port,
  VpcInterfaceName: "switcher",
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

beforeEach(() => {
  mediaconnect.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("switch", () => {
  it("re-points the bus flow's SRT caller source at the ingest flow's VPC output", async () => {
    flows();

    const outcome = await engine().switch(switcherId, "live", "stage-b", "cut");

    expect(outcome).toEqual({ mode: "cut" });
    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 1);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("live", "stage-b"));
    expect(mediaconnect).toHaveReceivedCommandWith(command(DescribeFlowCommand), { FlowArn: ingestArn("stage-b") });
  });

  it("cuts when a clean switch is asked, and says so", async () => {
    flows();

    const outcome = await engine().switch(switcherId, "preview", "stage-c", "clean");

    expect(outcome).toEqual({ mode: "cut", note: "MediaConnect switches at the next packet" });
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("preview", "stage-c"));
  });

  it("sends only the last of three quick switches of a bus, and answers every caller", async () => {
    flows();
    const switcher = engine();

    const outcomes = await Promise.all([
      switcher.switch(switcherId, "live", "stage-a", "cut"),
      switcher.switch(switcherId, "live", "stage-b", "cut"),
      switcher.switch(switcherId, "live", "stage-c", "cut"),
    ]);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 1);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("live", "stage-c"));
    expect(outcomes.map((outcome) => outcome.mode)).toEqual(["cut", "cut", "cut"]);
    expect(outcomes[0]!.note).toMatch(/superseded by a switch to stage-c/);
    expect(outcomes[2]).toEqual({ mode: "cut" });
  });

  it("keeps the buses apart: a quick live and preview switch are two calls", async () => {
    flows();
    const switcher = engine();

    await Promise.all([switcher.switch(switcherId, "live", "stage-b", "cut"), switcher.switch(switcherId, "preview", "stage-a", "cut")]);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 2);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("live", "stage-b"));
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("preview", "stage-a"));
  });

  it("retries TooManyRequestsException with backoff, then succeeds", async () => {
    flows();
    const throttled = () => new TooManyRequestsException({ message: "Too many requests", Message: "Too many requests", ...metadata });
    mediaconnect.on(command(UpdateFlowSourceCommand)).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ ...metadata });

    const outcome = await engine().switch(switcherId, "live", "stage-b", "cut");

    expect(outcome).toEqual({ mode: "cut" });
    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 3);
    for (const call of mediaconnect.commandCalls(command(UpdateFlowSourceCommand))) expect(call.args[0].input).toEqual(repoint("live", "stage-b"));
  });

  it("gives up after the last retry with a clear error", async () => {
    flows();
    mediaconnect.on(command(UpdateFlowSourceCommand)).rejects(new TooManyRequestsException({ message: "Too many requests", Message: "Too many requests", ...metadata }));

    const error = await failure(engine().switch(switcherId, "live", "stage-b", "cut"));

    expect(error).toBeInstanceOf(MediaConnectThrottled);
    expect(error.message).toBe("MediaConnect UpdateFlowSource was throttled (429) 4 times in a row; try again in a few seconds");
    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 4);
  });

  it("backs off exponentially with jitter between retries", async () => {
    vi.useFakeTimers();
    flows();
    const at: number[] = [];
    mediaconnect.on(command(UpdateFlowSourceCommand)).callsFake(() => {
      at.push(Date.now());
      if (at.length < 4) throw new TooManyRequestsException({ message: "Too many requests", Message: "Too many requests", ...metadata });
      return { ...metadata };
    });

    const switched = engine({ retry: { attempts: 5, baseMs: 200, maxMs: 3_000 }, random: () => 1, debounceMs: 0 }).switch(switcherId, "live", "stage-b", "cut");
    await vi.advanceTimersByTimeAsync(10_000);
    await switched;

    expect(at.slice(1).map((time, index) => time - at[index]!)).toEqual([200, 400, 800]);
  });

  it("reloads the flows once when MediaConnect no longer knows a cached one", async () => {
    flows();
    const switcher = engine();
    await switcher.switch(switcherId, "live", "stage-b", "cut");
    mediaconnect.resetHistory();
    mediaconnect.on(command(UpdateFlowSourceCommand)).rejectsOnce(new NotFoundException({ message: "not found", Message: "not found", ...metadata })).resolves({ ...metadata });

    await switcher.switch(switcherId, "live", "stage-a", "cut");

    expect(mediaconnect).toHaveReceivedCommandTimes(command(ListFlowsCommand), 2);
    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 2);
    expect(mediaconnect).toHaveReceivedNthCommandWith(command(UpdateFlowSourceCommand), 2, repoint("live", "stage-a"));
  });

  it("refuses the slate, which MediaConnect does not have", async () => {
    flows();

    const error = await failure(engine().switch(switcherId, "live", "slate", "cut"));

    expect(error.message).toMatch(/MediaConnect has no slate/);
    expect(mediaconnect).not.toHaveReceivedCommand(command(UpdateFlowSourceCommand));
  });
});

describe("apply", () => {
  it("finds the flows by name in each region, starts those in standby and sets the live and preview sources", async () => {
    flows({ status: "STANDBY" });

    await engine().apply(spec());

    expect(mediaconnect).toHaveReceivedCommandTimes(command(ListFlowsCommand), 2);
    expect(mediaconnect).toHaveReceivedCommandWith(command(ListFlowsCommand), { MaxResults: 100 });
    expect(mediaconnect).toHaveReceivedCommandTimes(command(StartFlowCommand), 5);
    for (const flowArn of [...Object.keys(ingestRegion).map(ingestArn), busArn("live"), busArn("preview")]) {
      expect(mediaconnect).toHaveReceivedCommandWith(command(StartFlowCommand), { FlowArn: flowArn });
    }
    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 2);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("live", "stage-a"));
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("preview", "stage-b"));
    // Buses start last, once their sources point at a started ingest.
    const calls = mediaconnect.calls().map((call) => call.args[0].constructor.name);
    expect(calls.lastIndexOf("UpdateFlowSourceCommand")).toBeLessThan(calls.lastIndexOf("StartFlowCommand"));
  });

  it("follows ListFlows' pages", async () => {
    flows();
    const all = listed();
    mediaconnect
      .on(command(ListFlowsCommand))
      .resolvesOnce({ Flows: all.slice(0, 2), NextToken: "page-2", ...metadata })
      .resolvesOnce({ Flows: all.slice(2), ...metadata })
      .resolves({ Flows: all, ...metadata });

    await engine().apply(spec());

    expect(mediaconnect).toHaveReceivedCommandWith(command(ListFlowsCommand), { MaxResults: 100, NextToken: "page-2" });
    expect(mediaconnect).not.toHaveReceivedCommand(command(StartFlowCommand));
  });

  it("leaves a bus alone when it already takes the ingest asked, and starts the first ingest on a bus without one", async () => {
    flows({ live: "stage-a" });

    await engine().apply(spec({ live: "stage-a", preview: undefined }));

    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 1);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), repoint("preview", "stage-a"));
  });

  it("refuses to apply a switcher whose flows are not deployed yet (it waits for the stack), names every missing flow, and changes nothing", async () => {
    flows();
    mediaconnect.on(command(ListFlowsCommand)).resolves({ Flows: listed("ACTIVE", [busFlowName(switcherId, "preview"), flowName(switcherId, "stage-b")]), ...metadata });

    const applying = await failure(engine().apply(spec()));
    const error = await failure(engine({ architectureOf: async () => architecture }).switch(switcherId, "live", "stage-a", "cut"));

    expect(applying).toBeInstanceOf(SwitcherNotDeployed);
    expect(error).toBeInstanceOf(SwitcherFlowsMissing);
    expect(error).toBeInstanceOf(Conflict);
    expect(error.message).toBe(
      `MediaConnect flows vs-${switcherId}-stage-b (us-east-1), vs-${switcherId}-bus-preview (eu-west-1) of switcher ${switcherId} not found yet: ` +
        `put "id": "${switcherId}" in its architecture file, add the file to the stage's switcher directory and deploy ` +
        "(VISIONSTREAM_SWITCHER_FILE=<directory> npx sst deploy); the switcher starts its flows when the deployment completes",
    );
    expect(mediaconnect).not.toHaveReceivedCommand(command(StartFlowCommand));
    expect(mediaconnect).not.toHaveReceivedCommand(command(UpdateFlowSourceCommand));
  });

  it("sends at most 5 MediaConnect requests in any second", async () => {
    vi.useFakeTimers();
    flows({ status: "STANDBY" });
    const at: number[] = [];
    // The engine asks for a client right before each request, once it may send.
    const client = (region: string) => {
      at.push(Date.now());
      return new MediaConnectClient({ region });
    };

    const applied = engine({ client, requestsPerSecond: 5 }).apply(spec());
    await vi.advanceTimersByTimeAsync(10_000);
    await applied;

    // 2 ListFlows + 5 StartFlow + 4 DescribeFlow + 2 UpdateFlowSource
    expect(mediaconnect.calls()).toHaveLength(13);
    expect(at).toHaveLength(13);
    for (let index = 5; index < at.length; index++) expect(at[index]! - at[index - 5]!).toBeGreaterThanOrEqual(1_000);
    expect(at.at(-1)! - at[0]!).toBe(2_000);
  });
});

describe("health", () => {
  it("reports an ingest connected when its flow is active and MediaConnect sees its transport stream", async () => {
    flows();
    mediaconnect.on(command(ListFlowsCommand)).resolves({
      Flows: listed().map((flow) => (flow.Name === flowName(switcherId, "stage-c") ? { ...flow, Status: "STANDBY" } : flow)),
      ...metadata,
    });
    mediaconnect.on(command(DescribeFlowSourceMetadataCommand), { FlowArn: ingestArn("stage-a") }).resolves({
      FlowArn: ingestArn("stage-a"),
      Timestamp: new Date(),
      TransportMediaInfo: { Programs: [{ PcrPid: 256, ProgramNumber: 1, ProgramPid: 4096, Streams: [{ Pid: 256, StreamType: "H.264", Codec: "h264" }] }] },
      ...metadata,
    });
    mediaconnect.on(command(DescribeFlowSourceMetadataCommand), { FlowArn: ingestArn("stage-b") }).resolves({
      FlowArn: ingestArn("stage-b"),
      Messages: [{ Code: "NO_DATA", Message: "No data has been received" }],
      ...metadata,
    });

    const health = await engine().health(switcherId);

    expect(health).toEqual([
      { ingestId: "stage-a", connected: true, bitrateKbps: 0, lastKeyframeAgeMs: null, keyframesTimed: false },
      { ingestId: "stage-b", connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null, keyframesTimed: false },
      { ingestId: "stage-c", connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null, keyframesTimed: false },
    ]);
    expect(mediaconnect).toHaveReceivedCommandTimes(command(DescribeFlowSourceMetadataCommand), 2);
    expect(mediaconnect).not.toHaveReceivedCommandWith(command(DescribeFlowSourceMetadataCommand), { FlowArn: ingestArn("stage-c") });
  });

  it("answers from its cache for a few seconds", async () => {
    flows();
    mediaconnect.on(command(DescribeFlowSourceMetadataCommand)).resolves({ ...metadata });
    const switcher = engine();

    await switcher.health(switcherId);
    await switcher.health(switcherId);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(DescribeFlowSourceMetadataCommand), 3);
  });
});

describe("remove", () => {
  it("stops the switcher's running flows and leaves deletion to the stack, its bus flows on a standard source", async () => {
    flows();
    mediaconnect.on(command(ListFlowsCommand)).resolves({
      Flows: listed().map((flow) => (flow.Name === flowName(switcherId, "stage-b") ? { ...flow, Status: "STANDBY" } : flow)),
      ...metadata,
    });

    await engine().remove(switcherId);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(StopFlowCommand), 4);
    expect(mediaconnect).not.toHaveReceivedCommandWith(command(StopFlowCommand), { FlowArn: ingestArn("stage-b") });
    expect(mediaconnect).not.toHaveReceivedCommandWith(command(StopFlowCommand), { FlowArn: arn("eu-west-1", "someone-else") });
    // The bus flows are read to put a VPC source back to a standard one (none here: they were never pointed).
    expect(mediaconnect.commandCalls(command(DescribeFlowCommand)).map((call) => (call.args[0].input as { FlowArn: string }).FlowArn).sort()).toEqual(
      [busArn("live"), busArn("preview")].sort(),
    );
    expect(mediaconnect).not.toHaveReceivedCommand(command(UpdateFlowSourceCommand));
  });

  it("does nothing for a switcher it does not know", async () => {
    flows();

    await engine().remove("sw-ffffffffffffffff");

    expect(mediaconnect.calls()).toHaveLength(0);
  });
});
