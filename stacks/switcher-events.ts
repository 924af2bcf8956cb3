import { switcherForwardingPatterns } from "../events/src/aws/switcher-forwarding.ts";
import { PUBLISH_ACTIONS } from "./permissions.ts";
import { defaultBusArn } from "./rules.ts";
import { allowPolicy, serviceRole } from "./service-role.ts";
import { switcherNames, type SwitcherResources } from "./switcher-resources.ts";

/** What EventBridge may do with a region's forwarded events: put them on the app region's default bus, nothing else. */
export const switcherForwardingPolicy = (appBusArn: string) => allowPolicy([PUBLISH_ACTIONS, [appBusArn]]);

export interface SwitcherForwardingArgs extends SwitcherResources {
  /** Every region of the switcher: its flows and its CloudFormation stacks live there. */
  regions: readonly string[];
  /** Where the stage's handlers listen (its default bus); nothing is forwarded from there. */
  appRegion: string;
  /** Names the switcher's stacks: <stackPrefix>-<switcherId>-<region>. */
  stackPrefix: string;
}

/**
 * EventBridge rules see only their own region's events, so in each other region of the switcher, rules on the default
 * bus send its flows' health and status and its stack's status to the app region's default bus, where the handlers'
 * rules match them as if they were local (the whole event is delivered, its `region` field unchanged: PutTargets,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html). A bus in another region is a
 * target only with a role that may PutEvents on it (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html,
 * https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/eventtarget/#role_arn_nodejs); every commercial
 * region can send to any other (https://aws.amazon.com/blogs/compute/expanding-cross-region-event-routing-with-amazon-eventbridge/).
 * Returns, per forwarding region, what its stack must wait for so that its first events are not lost.
 */
export function switcherEventForwarding(args: SwitcherForwardingArgs): Map<string, $util.Resource[]> {
  const appBusArn = aws.getCallerIdentityOutput().accountId.apply((accountId) => defaultBusArn(args.appRegion, accountId));
  const forwarding = new Map<string, $util.Resource[]>();
  // Protected with the stacks: a deploy without the switcher's file must not stop its health reaching the handlers.
  const { name, options } = switcherNames(args);
  for (const region of args.regions.filter((candidate) => candidate !== args.appRegion)) {
    const { role, policy } = serviceRole(name("SwitcherForwarding", region), {
      principal: "events.amazonaws.com",
      description: `EventBridge in ${region}: switcher ${args.switcherId}'s flow and stack events to ${args.appRegion}`,
      policy: appBusArn.apply((arn) => JSON.stringify(switcherForwardingPolicy(arn))),
    });
    const [flows, stack] = switcherForwardingPatterns(args.switcherId, region, args.stackPrefix);
    const resources: $util.Resource[] = [role, policy];
    for (const [kind, pattern] of [["Flows", flows], ["Stack", stack]] as const) {
      const ruleName = name(`SwitcherForward${kind}`, region);
      const rule = new aws.cloudwatch.EventRule(
        ruleName,
        {
          region,
          description: `Switcher ${args.switcherId}: its ${kind === "Flows" ? "flows' health and status" : "stack's status"} in ${region}, to ${args.appRegion}`,
          eventPattern: JSON.stringify(pattern),
        },
        options(ruleName),
      );
      const target = new aws.cloudwatch.EventTarget(
        ruleName,
        { region, rule: rule.name, arn: appBusArn, roleArn: role.arn },
        // EventBridge assumes the role at the first event: it must already allow PutEvents.
        options(ruleName, [policy]),
      );
      resources.push(rule, target);
    }
    forwarding.set(region, resources);
  }
  return forwarding;
}
