import { DescribeFlowCommand, ListFlowsCommand, type Flow, type ListedFlow } from "@aws-sdk/client-mediaconnect";
import { Conflict, InvalidInput } from "@visionstream/core/errors";
import type { Architecture } from "@visionstream/core/switcher/architecture";
import { busFlowName, flowName, SwitcherNotDeployed, type Bus } from "@visionstream/core/switcher/switcher";
import type { MediaConnectRequests } from "./requests.ts";

export const BUSES: readonly Bus[] = ["live", "preview"];

/** Flows of a switcher that the stack has not created (yet). */
export class SwitcherFlowsMissing extends SwitcherNotDeployed {
  override name = "SwitcherFlowsMissing";
  constructor(
    readonly switcherId: string,
    readonly missing: readonly { name: string; region: string }[],
  ) {
    super(
      `MediaConnect flow${missing.length === 1 ? "" : "s"} ${missing.map((flow) => `${flow.name} (${flow.region})`).join(", ")} ` +
        `of switcher ${switcherId} not found yet: put "id": "${switcherId}" in its architecture file, add the file to the ` +
        "stage's switcher directory and deploy (VISIONSTREAM_SWITCHER_FILE=<directory> npx sst deploy); " +
        "the switcher starts its flows when the deployment completes",
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

export interface Listener {
  address: string;
  port: number;
}

export interface BusSource {
  flowArn: string;
  sourceArn: string;
  vpcInterfaceName: string;
  listener?: Listener;
}

/** flow name → region, ARN and status at lookup time. */
export type ListedFlows = Map<string, { region: string; arn: string; status: string | undefined }>;

/** What was found of a switcher's flows; kept until the next apply or a NotFound. */
export interface SwitcherFlows {
  homeRegion: string;
  flows: ListedFlows;
  ingestListeners: Map<string, Listener>;
  busSources: Map<Bus, BusSource>;
}

export const homeRegion = (architecture: Architecture) => architecture.regions[0]!.id;

export function expectedFlows(switcherId: string, architecture: Architecture): { name: string; region: string }[] {
  return [
    ...architecture.ingests.map((ingest) => ({ name: flowName(switcherId, ingest.id), region: ingest.region })),
    ...BUSES.map((bus) => ({ name: busFlowName(switcherId, bus), region: homeRegion(architecture) })),
  ];
}

/** The switcher's flows found by name (ListFlows of every region it uses). */
export async function listSwitcherFlows(
  requests: MediaConnectRequests,
  switcherId: string,
  architecture: Architecture,
): Promise<ListedFlows> {
  const wanted = new Map(expectedFlows(switcherId, architecture).map((flow) => [flow.name, flow.region]));
  const found: ListedFlows = new Map();
  for (const region of new Set(wanted.values())) {
    let NextToken: string | undefined;
    do {
      const token = NextToken;
      const page = await requests.send(region, "ListFlows", (client) =>
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

export function ingestListener(requests: MediaConnectRequests, switcherId: string, flows: SwitcherFlows, ingestId: string): Promise<Listener> {
  return remembered(flows.ingestListeners, ingestId, async () => {
    const name = flowName(switcherId, ingestId);
    const found = flows.flows.get(name);
    if (!found) throw new InvalidInput("ingestId", `no ingest "${ingestId}" in switcher ${switcherId}`);
    const flow = await describeFlow(requests, found.region, found.arn);
    const output = (flow.Outputs ?? []).find((candidate) => candidate.VpcInterfaceAttachment?.VpcInterfaceName);
    if (!output?.ListenerAddress || !output.Port) {
      throw new SwitcherFlowNotReady(name, "has no SRT-listener output with an address on its VPC interface yet");
    }
    return { address: output.ListenerAddress, port: output.Port };
  });
}

export function busSource(requests: MediaConnectRequests, switcherId: string, flows: SwitcherFlows, bus: Bus): Promise<BusSource> {
  return remembered(flows.busSources, bus, async () => {
    const name = busFlowName(switcherId, bus);
    const found = flows.flows.get(name)!;
    const flow = await describeFlow(requests, found.region, found.arn);
    const sourceArn = flow.Source?.SourceArn;
    // The stack creates the flow with a temporary public source (CloudFormation's rule for VPC sources).
    const vpcInterfaceName = flow.Source?.VpcInterfaceName ?? flow.VpcInterfaces?.[0]?.Name;
    if (!sourceArn) throw new SwitcherFlowNotReady(name, "has no source");
    if (!vpcInterfaceName) throw new SwitcherFlowNotReady(name, "has no VPC interface");
    const transport = flow.Source?.Transport;
    return {
      flowArn: found.arn,
      sourceArn,
      vpcInterfaceName,
      ...(flow.Source?.VpcInterfaceName &&
        transport?.Protocol === "srt-caller" &&
        transport.SourceListenerAddress &&
        transport.SourceListenerPort && { listener: { address: transport.SourceListenerAddress, port: transport.SourceListenerPort } }),
    };
  });
}

/** Looked up once, then kept with the switcher's flows. */
async function remembered<K, V>(cache: Map<K, V>, key: K, lookUp: () => Promise<V>): Promise<V> {
  const known = cache.get(key);
  if (known) return known;
  const value = await lookUp();
  cache.set(key, value);
  return value;
}

async function describeFlow(requests: MediaConnectRequests, region: string, arn: string): Promise<Flow> {
  const { Flow: flow } = await requests.send(region, "DescribeFlow", (client) => client.send(new DescribeFlowCommand({ FlowArn: arn })));
  if (!flow) throw new SwitcherFlowNotReady(arn, "was described without its details");
  return flow;
}

const usable = (flow: ListedFlow) => flow.Status !== "DELETING";
