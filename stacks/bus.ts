import { stageRules } from "../events/src/patterns.ts";
import { functionPermissions } from "./function-permissions.ts";
import { functionArgs, resourcePrefix, stageGrants, switchSchedule } from "./functions.ts";
import { replayArchive } from "./replay.ts";
import { RuleHandlers, defaultBusArn, ruleBus, ruleNames, subscriberPattern } from "./rules.ts";

export const bus = new sst.aws.Bus("Bus");

export const archive = replayArchive("BusArchive", bus.arn);

/** What AWS's events match for this stage: the segment rule only its own account buckets. */
const rules = stageRules(resourcePrefix);

/** Where MediaLive's (and every other AWS service's) events arrive. */
const awsEventsBusArn = $util
  .all([aws.getRegionOutput().region, aws.getCallerIdentityOutput().accountId])
  .apply(([region, accountId]) => defaultBusArn(region, accountId));

for (const rule of ruleNames) {
  const name = rule.charAt(0).toUpperCase() + rule.slice(1);
  const subscriber = functionArgs(RuleHandlers[rule], bus, { permissions: functionPermissions(rule, stageGrants), timeout: "1 minute" });
  const args = { pattern: subscriberPattern(rules[rule]) };
  if (ruleBus(rules[rule]) === "default") sst.aws.Bus.subscribe(name, awsEventsBusArn, subscriber, args);
  else bus.subscribe(name, subscriber, args);
}

/** Stops channels that have had no input for too long. */
export const stopIdleChannels = new sst.aws.Cron("StopIdleChannels", {
  schedule: "rate(5 minutes)",
  function: functionArgs("packages/functions/src/stop-idle-channels.handler", bus, {
    permissions: functionPermissions("stopIdleChannels", stageGrants),
    timeout: "1 minute",
  }),
});

/**
 * Steps still pending (a channel UPDATING after UpdateChannel, a distribution still deploying) emit no event when they
 * can go on: their step events are published again every minute.
 */
export const resumePendingWork = new sst.aws.Cron("ResumePendingWork", {
  schedule: "rate(1 minute)",
  function: functionArgs("packages/functions/src/resume-pending-work.handler", bus, {
    permissions: functionPermissions("resumePendingWork", stageGrants),
    timeout: "1 minute",
  }),
});

/** Invoked by EventBridge Scheduler when a switcher's lineup entry is due (see stacks/switcher.ts). */
export const scheduledSwitch = new sst.aws.Function(
  "ScheduledSwitch",
  functionArgs("packages/functions/src/scheduled-switch.handler", bus, {
    name: switchSchedule.functionName,
    permissions: functionPermissions("scheduledSwitch", stageGrants),
    timeout: "1 minute",
  }),
);
