import {
  DescribeFlowCommand,
  ListFlowsCommand,
  MediaConnectClient,
  NotFoundException,
  StopFlowCommand,
  UpdateFlowSourceCommand,
  type Flow,
} from "@aws-sdk/client-mediaconnect";
import { busFlowName, flowName } from "@visionstream/core/switcher/switcher";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { MediaConnectRequests, RequestRateLimiter } from "./requests.ts";
import { AwsSwitcherEngine } from "./switcher-engine.ts";
import type { ListedFlows } from "./switcher-flows.ts";
import { busStandbySource, releaseBusSources } from "./switcher-network.ts";
import { command, festival, metadata, mockMediaConnect } from "./testing.ts";

const mediaconnect = mockMediaConnect();

const switcherId = "sw-0123456789abcdef";
const network = { regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "us-east-1": { vpcCidr: "10.30.0.0/16" } }, outputAllowCidrs: ["192.0.2.0/24"] };
/** stage-a at home, stage-b abroad with the highest bit rate (the bus flows' standard source takes it). */
const twoStages = (file: Record<string, any>) => {
  file.ingests = file.ingests.slice(0, 2);
  file.ingests[1].maxBitrateKbps = 30000;
};
const withNetwork = festival((file) => {
  twoStages(file);
  file.network = network;
});
const withoutNetwork = festival(twoStages);

const arn = (region: string, name: string) => `arn:aws:mediaconnect:${region}:111122223333:flow:1-abc:${name}`;
const busArn = (bus: "live" | "preview") => arn("eu-west-1", busFlowName(switcherId, bus));
const sourceArn = (bus: "live" | "preview") => `arn:aws:mediaconnect:eu-west-1:111122223333:source:1-${bus}:ingest`;
const listed: ListedFlows = new Map([
  [flowName(switcherId, "stage-a"), { region: "eu-west-1", arn: arn("eu-west-1", flowName(switcherId, "stage-a")), status: "ACTIVE" }],
  [flowName(switcherId, "stage-b"), { region: "us-east-1", arn: arn("us-east-1", flowName(switcherId, "stage-b")), status: "ACTIVE" }],
  [busFlowName(switcherId, "live"), { region: "eu-west-1", arn: busArn("live"), status: "ACTIVE" }],
  [busFlowName(switcherId, "preview"), { region: "eu-west-1", arn: busArn("preview"), status: "STANDBY" }],
]);

function busFlow(bus: "live" | "preview", onVpc: boolean): Flow {
  return {
    FlowArn: busArn(bus),
    Name: busFlowName(switcherId, bus),
    AvailabilityZone: "eu-west-1b",
    Entitlements: [],
    Outputs: [],
    Status: "ACTIVE",
    Source: onVpc
      ? { Name: "ingest", SourceArn: sourceArn(bus), VpcInterfaceName: "switcher", Transport: { Protocol: "srt-caller", SourceListenerAddress: "10.30.4.5", SourceListenerPort: 9002 } }
      : { Name: "ingest", SourceArn: sourceArn(bus), WhitelistCidr: "192.0.2.1/32", IngestPort: 9001, Transport: { Protocol: "srt-listener" } },
  };
}

const requests = () =>
  new MediaConnectRequests({
    client: (region) => new MediaConnectClient({ region }),
    budget: new RequestRateLimiter(1_000),
    retry: { attempts: 2, baseMs: 1, maxMs: 2 },
    random: () => 0.5,
  });

beforeEach(() => {
  mediaconnect.reset();
});

describe("releaseBusSources", () => {
  it("puts a bus flow's source back on the stack's standard source when it is on the VPC interface, so the stack can be deleted", async () => {
    mediaconnect.on(command(DescribeFlowCommand), { FlowArn: busArn("live") }).resolves({ Flow: busFlow("live", true), ...metadata });
    mediaconnect.on(command(DescribeFlowCommand), { FlowArn: busArn("preview") }).resolves({ Flow: busFlow("preview", false), ...metadata });
    mediaconnect.on(command(UpdateFlowSourceCommand)).resolves({ FlowArn: busArn("live"), ...metadata });

    await releaseBusSources(requests(), switcherId, withNetwork, listed);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(DescribeFlowCommand), 2);
    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 1);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), {
      FlowArn: busArn("live"),
      SourceArn: sourceArn("live"),
      Protocol: "srt-listener",
      IngestPort: 1024,
      WhitelistCidr: "192.0.2.1/32",
      MaxBitrate: 80_000_000,
    });
  });

  it("sends nothing that changes a flow the second time, nor for flows that are gone", async () => {
    mediaconnect.on(command(DescribeFlowCommand)).callsFake((input: { FlowArn: string }) => ({
      Flow: busFlow(input.FlowArn === busArn("live") ? "live" : "preview", false),
      ...metadata,
    }));
    const gone: ListedFlows = new Map([...listed].filter(([name]) => name !== busFlowName(switcherId, "preview")));

    await releaseBusSources(requests(), switcherId, withNetwork, gone);

    expect(mediaconnect.commandCalls(command(DescribeFlowCommand)).map((call) => (call.args[0].input as { FlowArn: string }).FlowArn)).toEqual([busArn("live")]);
    expect(mediaconnect).not.toHaveReceivedCommand(command(UpdateFlowSourceCommand));
  });

  it("passes over a bus flow deleted meanwhile", async () => {
    mediaconnect.on(command(DescribeFlowCommand), { FlowArn: busArn("live") }).rejects(new NotFoundException({ message: "gone", $metadata: {} } as never));
    mediaconnect.on(command(DescribeFlowCommand), { FlowArn: busArn("preview") }).resolves({ Flow: busFlow("preview", true), ...metadata });
    mediaconnect.on(command(UpdateFlowSourceCommand)).resolves({ FlowArn: busArn("preview"), ...metadata });

    await releaseBusSources(requests(), switcherId, withNetwork, listed);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 1);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), { FlowArn: busArn("preview"), SourceArn: sourceArn("preview") });
  });

  it("releases the bus flows of a switcher without the network section too: its stack has the same rule", async () => {
    mediaconnect.on(command(DescribeFlowCommand)).callsFake((input: { FlowArn: string }) => ({ Flow: busFlow(input.FlowArn === busArn("live") ? "live" : "preview", true), ...metadata }));
    mediaconnect.on(command(UpdateFlowSourceCommand)).resolves({ FlowArn: busArn("live"), ...metadata });

    await releaseBusSources(requests(), switcherId, withoutNetwork, listed);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 2);
    expect(mediaconnect).toHaveReceivedCommandWith(command(UpdateFlowSourceCommand), { FlowArn: busArn("live"), SourceArn: sourceArn("live"), Protocol: "srt-listener" });
  });
});

describe("the engine's remove", () => {
  it("with the network section, first puts the bus flows back on their standard source, then stops the flows", async () => {
    // Every region answers with all flows: the engine keeps those of the region it asked.
    const flows = [...listed].map(([Name, flow]) => ({ Name, FlowArn: flow.arn, Status: flow.status, AvailabilityZone: `${flow.region}b`, Description: "", SourceType: "OWNED" }));
    mediaconnect.on(command(ListFlowsCommand)).resolves({ Flows: flows, ...metadata });
    mediaconnect.on(command(DescribeFlowCommand)).callsFake((input: { FlowArn: string }) => ({ Flow: busFlow(input.FlowArn === busArn("live") ? "live" : "preview", true), ...metadata }));
    mediaconnect.on(command(UpdateFlowSourceCommand)).resolves({ FlowArn: busArn("live"), ...metadata });
    mediaconnect.on(command(StopFlowCommand)).resolves({ Status: "STOPPING", ...metadata });
    const engine = new AwsSwitcherEngine({ client: (region) => new MediaConnectClient({ region }), architectureOf: async () => withNetwork, requestsPerSecond: 1_000 });

    await engine.remove(switcherId);

    expect(mediaconnect).toHaveReceivedCommandTimes(command(UpdateFlowSourceCommand), 2);
    const sent = mediaconnect.calls().map((call) => (call.args[0] as object).constructor.name);
    expect(sent.lastIndexOf("UpdateFlowSourceCommand")).toBeLessThan(sent.indexOf("StopFlowCommand"));
    expect(mediaconnect).toHaveReceivedCommandTimes(command(StopFlowCommand), 3);
  });
});

describe("busStandbySource", () => {
  it("is the closed listener on the first ingest's port, with the highest ingest bit rate", () => {
    expect(busStandbySource()).toEqual({ Protocol: "srt-listener", IngestPort: 1024, WhitelistCidr: "192.0.2.1/32", MaxBitrate: 80_000_000 });
  });
});
