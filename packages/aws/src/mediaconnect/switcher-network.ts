import { DescribeFlowCommand, NotFoundException, UpdateFlowSourceCommand } from "@aws-sdk/client-mediaconnect";
import { type Architecture, BUS_STANDBY_PORT, MAX_INGEST_BITRATE_KBPS } from "@visionstream/core/switcher/architecture";
import { busFlowName } from "@visionstream/core/switcher/switcher";
import type { MediaConnectRequests } from "./requests.ts";
import { BUSES, type ListedFlows } from "./switcher-flows.ts";

/** TEST-NET-1 (RFC 5737), as the stack's template declares it: nothing sends from there, so the source admits no one. */
const NOBODY = "192.0.2.1/32";

/**
 * The standard source the stack declares on the live and preview flows (stacks/switcher.ts, switcherRegionTemplate):
 * a closed SRT listener. It is the same for every file (the port kept from outputs, the most an ingest may send), so
 * that a stack update never changes it and so never puts it back on a bus the switcher has pointed at an ingest.
 */
export function busStandbySource() {
  return { Protocol: "srt-listener" as const, IngestPort: BUS_STANDBY_PORT, WhitelistCidr: NOBODY, MaxBitrate: MAX_INGEST_BITRATE_KBPS * 1000 };
}

/**
 * What CloudFormation cannot do for a switcher's flows, done before its stack is deleted. CloudFormation creates a flow only with a standard source, so the engine re-points the live and
 * preview flows' source at an ingest over the VPC interface (apply, switch); CloudFormation does not know of that
 * change, and the source must be a standard one again before the stack can be deleted
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-mediaconnect-flowvpcinterface.html,
 * "Important"). Idempotent: a bus flow already on a standard source, or gone, is left alone.
 */
export async function releaseBusSources(requests: MediaConnectRequests, switcherId: string, architecture: Architecture, flows: ListedFlows): Promise<void> {
  for (const bus of BUSES) {
    const found = flows.get(busFlowName(switcherId, bus));
    if (!found) continue;
    const flow = await requests
      .send(found.region, "DescribeFlow", (client) => client.send(new DescribeFlowCommand({ FlowArn: found.arn })))
      .then(
        (described) => described.Flow,
        (error: unknown) => {
          // Deleted meanwhile: nothing left to release.
          if (error instanceof NotFoundException) return undefined;
          throw error;
        },
      );
    const sourceArn = flow?.Source?.SourceArn;
    if (!sourceArn || !flow.Source?.VpcInterfaceName) continue;
    await requests.send(found.region, "UpdateFlowSource", (client) =>
      client.send(new UpdateFlowSourceCommand({ FlowArn: found.arn, SourceArn: sourceArn, ...busStandbySource() })),
    );
  }
}
