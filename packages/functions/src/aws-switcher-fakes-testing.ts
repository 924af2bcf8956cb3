import {
  BadRequestException,
  ConflictException,
  DescribeFlowCommand,
  DescribeFlowSourceMetadataCommand,
  type Flow,
  ListFlowsCommand,
  MediaConnectClient,
  NotFoundException,
  StartFlowCommand,
  StopFlowCommand,
  UpdateFlowSourceCommand,
} from "@aws-sdk/client-mediaconnect";
import type { Architecture } from "@visionstream/core/switcher/architecture";
import { busFlowName, flowName } from "@visionstream/core/switcher/switcher";
import { command, metadata, mockMediaConnect } from "@visionstream/aws/mediaconnect/testing";

export const mediaconnect = mockMediaConnect();
type Loose = Record<string, unknown>;

const ACCOUNT = "111122223333";
type Entry = { source: string; "detail-type": string; detail: unknown; resources?: string[]; region?: string };

/**
 * MediaConnect as the switcher's stacks leave it (stacks/switcher.ts switcherRegionTemplate): deploying a region's
 * stack creates its flows in STANDBY, the ingest flows with an SRT-listener output on their VPC interface and the home
 * region's bus flows with their closed temporary source. StartFlow, StopFlow and UpdateFlowSource change the flows
 * as MediaConnect does; StopFlow reports the flow's STANDBY as MediaConnect's Flow Status Change event does.
 */
export class FakeSwitcherFlows {
  readonly flows = new Map<string, Flow & { region: string }>();
  /** Flows another apply starts just before this one asks: its StartFlow finds them running (409). */
  readonly startedByAnother = new Set<string>();
  /** Flow name → why MediaConnect refuses to start it (400). */
  readonly refusals = new Map<string, string>();
  private next = 1;

  constructor(private readonly publish: (entry: Entry) => void) {
    mediaconnect.reset();
    const region = async (getClient: () => unknown) => (getClient() as MediaConnectClient).config.region();
    const flow = (arn: unknown) => {
      const found = this.flows.get(String(arn));
      if (!found) throw new NotFoundException({ message: `flow ${String(arn)} not found`, $metadata: {} } as never);
      return found;
    };
    mediaconnect.on(command(ListFlowsCommand)).callsFake(async (_input: Loose, getClient: () => unknown) => {
      const inRegion = await region(getClient);
      const listed = [...this.flows.values()].filter((candidate) => candidate.region === inRegion);
      return { Flows: listed.map(({ FlowArn, Name, Status, AvailabilityZone }) => ({ FlowArn, Name, Status, AvailabilityZone, Description: "", SourceType: "OWNED" })), ...metadata };
    });
    mediaconnect.on(command(DescribeFlowCommand)).callsFake(async (input: Loose) => {
      const { region: _, ...described } = flow(input.FlowArn);
      return { Flow: structuredClone(described), ...metadata };
    });
    mediaconnect.on(command(DescribeFlowSourceMetadataCommand)).callsFake(async (input: Loose) => {
      flow(input.FlowArn);
      return { FlowArn: input.FlowArn, Messages: [], TransportMediaInfo: { Programs: [] }, ...metadata };
    });
    mediaconnect.on(command(StartFlowCommand)).callsFake(async (input: Loose) => {
      const started = flow(input.FlowArn);
      const refusal = this.refusals.get(started.Name!);
      if (refusal) throw new BadRequestException({ message: refusal, $metadata: {} } as never);
      if (this.startedByAnother.delete(started.Name!)) started.Status = "ACTIVE";
      if (started.Status !== "STANDBY") throw new ConflictException({ message: `flow is ${started.Status}`, $metadata: {} } as never);
      started.Status = "ACTIVE";
      return { FlowArn: input.FlowArn, Status: "STARTING", ...metadata };
    });
    mediaconnect.on(command(StopFlowCommand)).callsFake(async (input: Loose) => {
      const stopped = flow(input.FlowArn);
      stopped.Status = "STANDBY";
      this.report(stopped, "STANDBY", "STOPPING");
      return { FlowArn: input.FlowArn, Status: "STOPPING", ...metadata };
    });
    mediaconnect.on(command(UpdateFlowSourceCommand)).callsFake(async (input: Loose) => {
      const updated = flow(input.FlowArn);
      updated.Source = {
        ...updated.Source!,
        VpcInterfaceName: input.VpcInterfaceName as string,
        Transport: {
          Protocol: input.Protocol as "srt-caller",
          SourceListenerAddress: input.SourceListenerAddress as string,
          SourceListenerPort: input.SourceListenerPort as number,
        },
      };
      return { FlowArn: input.FlowArn, Source: updated.Source, ...metadata };
    });
  }

  /** CloudFormation created the region's stack: its flows exist, in STANDBY. Returns the stack's status event. */
  deployStack(prefix: string, switcherId: string, architecture: Architecture, region: string): Entry {
    const home = architecture.regions[0]!.id;
    for (const ingest of architecture.ingests.filter((candidate) => candidate.region === region)) {
      const arn = this.add(region, flowName(switcherId, ingest.id));
      this.flows.get(arn)!.Outputs = [
        {
          Name: "switcher",
          OutputArn: `${arn}:output`,
          Port: ingest.port,
          ListenerAddress: this.listenerOf(ingest.id),
          Transport: { Protocol: "srt-listener" },
          VpcInterfaceAttachment: { VpcInterfaceName: "switcher" },
        },
      ];
    }
    if (region === home) for (const bus of ["live", "preview"] as const) this.add(region, busFlowName(switcherId, bus));
    return this.stackEvent(prefix, switcherId, region, "CREATE_COMPLETE");
  }

  /**
   * A stack update that changed the bus flows' source in the template (another first ingest, another maximum bit rate):
   * CloudFormation puts the temporary source back. Returns the stack's status event.
   */
  updateHomeStack(prefix: string, switcherId: string, architecture: Architecture): Entry {
    for (const bus of ["live", "preview"] as const) {
      const flow = this.named(busFlowName(switcherId, bus))!;
      flow.Source = { Name: "ingest", SourceArn: `${flow.FlowArn}:source`, WhitelistCidr: "192.0.2.1/32", Transport: { Protocol: "srt-listener" } };
    }
    return this.stackEvent(prefix, switcherId, architecture.regions[0]!.id, "UPDATE_COMPLETE");
  }

  private stackEvent(prefix: string, switcherId: string, region: string, status: string): Entry {
    const stackId = `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${prefix}-${switcherId}-${region}/${this.next++}`;
    return {
      region,
      source: "aws.cloudformation",
      "detail-type": "CloudFormation Stack Status Change",
      resources: [stackId],
      detail: { "stack-id": stackId, "status-details": { status, "status-reason": "" }, "client-request-token": "" },
    };
  }

  /** The VPC address of an ingest flow's listener output (its private IP). */
  listenerOf(ingestId: string): string {
    let hash = 0;
    for (const character of ingestId) hash = (hash * 31 + character.charCodeAt(0)) % 250;
    return `10.0.1.${hash + 2}`;
  }

  named(name: string) {
    return [...this.flows.values()].find((candidate) => candidate.Name === name);
  }

  /** The ingest a bus flow's source calls, by its listener address; undefined while on its temporary source. */
  busSource(switcherId: string, bus: "live" | "preview", architecture: Architecture): string | undefined {
    const address = this.named(busFlowName(switcherId, bus))?.Source?.Transport?.SourceListenerAddress;
    return architecture.ingests.find((ingest) => this.listenerOf(ingest.id) === address)?.id;
  }

  private add(region: string, name: string): string {
    const arn = `arn:aws:mediaconnect:${region}:${ACCOUNT}:flow:1-${this.next++}:${name}`;
    this.flows.set(arn, {
      region,
      FlowArn: arn,
      Name: name,
      AvailabilityZone: `${region}a`,
      Status: "STANDBY",
      Entitlements: [],
      Outputs: [],
      VpcInterfaces: [{ Name: "switcher", NetworkInterfaceIds: ["eni-1"], NetworkInterfaceType: "ena", RoleArn: `arn:aws:iam::${ACCOUNT}:role/mc`, SecurityGroupIds: ["sg-1"], SubnetId: "subnet-1" }],
      Source: { Name: "ingest", SourceArn: `${arn}:source`, WhitelistCidr: "192.0.2.1/32", Transport: { Protocol: "srt-listener" } },
    });
    return arn;
  }

  private report(flow: Flow, currentStatus: string, previousStatus: string) {
    this.publish({ region: (flow as { region?: string }).region, source: "aws.mediaconnect", "detail-type": "MediaConnect Flow Status Change", resources: [flow.FlowArn!], detail: { currentStatus, previousStatus } });
  }
}
