import type { EventPattern } from "../event-pattern.ts";
import { CloudFormationStackStatusChangePattern } from "./cloudformation.ts";
import { MediaConnectFlowStatusChangePattern, MediaConnectSourceHealthPattern } from "./mediaconnect.ts";

/**
 * What a switcher's region sends on to the home region's default bus, where its handlers listen (EventBridge rules see
 * only their own region's events): the health and status of that switcher's flows in the region, and the status of
 * its CloudFormation stack there. Flows are named vs-<switcherId>-<ingestId> and vs-<switcherId>-bus-<bus>
 * (packages/core/src/switcher/switcher.ts), stacks <stackPrefix>-<switcherId>-<region> (stacks/switcher.ts).
 */
export function switcherForwardingPatterns(switcherId: string, region: string, stackPrefix: string): [flows: EventPattern, stack: EventPattern] {
  const flows: EventPattern = {
    source: MediaConnectSourceHealthPattern.source,
    "detail-type": [...MediaConnectSourceHealthPattern["detail-type"], ...MediaConnectFlowStatusChangePattern["detail-type"]],
    // The flow's ARN is resources[0]: arn:aws:mediaconnect:<region>:<account>:flow:<id>:<name>.
    resources: [{ wildcard: `arn:aws*:mediaconnect:${region}:*:flow:*:vs-${switcherId}-*` }],
  };
  const stack: EventPattern = {
    ...CloudFormationStackStatusChangePattern,
    // A stack id is arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid> (the documented sample prints no uuid).
    detail: { "stack-id": [{ wildcard: `arn:aws*:cloudformation:${region}:*:stack/${stackPrefix}-${switcherId}-*` }] },
  };
  return [flows, stack];
}
