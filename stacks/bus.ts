import { Rules, type RuleName } from "../events/src/patterns.ts";
import { functionArgs, mediaConvertRoleArn, mediaLiveRoleArn, resourcePrefix, switchSchedule } from "./functions.ts";
import {
  deprovisionPermissions,
  liveEnginePermissions,
  provisionPermissions,
  recordingStorePermissions,
  switcherEnginePermissions,
  vodAssemblyPermissions,
} from "./permissions.ts";
import { replayArchive } from "./replay.ts";
import { RuleHandlers, defaultBusArn, ruleBus, ruleNames, subscriberPattern } from "./rules.ts";

export const bus = new sst.aws.Bus("Bus");

export const archive = replayArchive("BusArchive", bus.arn);

/** What each reaction may do beyond the tables and the bus; `[]` when nothing. */
const rulePermissions: Record<RuleName, sst.aws.FunctionPermissionArgs[]> = {
  provisionAccount: provisionPermissions(resourcePrefix),
  deprovisionAccount: deprovisionPermissions(resourcePrefix),
  channelStateChanged: liveEnginePermissions(mediaLiveRoleArn),
  channelAlert: liveEnginePermissions(mediaLiveRoleArn),
  recordingSegmentCreated: [],
  recordingSessionEnded: vodAssemblyPermissions(mediaConvertRoleArn),
  recordingJobChanged: recordingStorePermissions(resourcePrefix),
  recordingGapDetected: [],
  switcherSourceHealth: switcherEnginePermissions(),
};

/** Where MediaLive's (and every other AWS service's) events arrive. */
const awsEventsBusArn = $util
  .all([aws.getRegionOutput().region, aws.getCallerIdentityOutput().accountId])
  .apply(([region, accountId]) => defaultBusArn(region, accountId));

for (const rule of ruleNames) {
  const name = rule.charAt(0).toUpperCase() + rule.slice(1);
  const subscriber = functionArgs(RuleHandlers[rule], bus, { permissions: rulePermissions[rule], timeout: "1 minute" });
  const args = { pattern: subscriberPattern(Rules[rule]) };
  if (ruleBus(Rules[rule]) === "default") sst.aws.Bus.subscribe(name, awsEventsBusArn, subscriber, args);
  else bus.subscribe(name, subscriber, args);
}

/** Stops channels that have had no input for too long. */
export const stopIdleChannels = new sst.aws.Cron("StopIdleChannels", {
  schedule: "rate(5 minutes)",
  function: functionArgs("packages/functions/src/stop-idle-channels.handler", bus, {
    permissions: liveEnginePermissions(mediaLiveRoleArn),
    timeout: "1 minute",
  }),
});

/** Invoked by EventBridge Scheduler when a switcher's lineup entry is due (see stacks/switcher.ts). */
export const scheduledSwitch = new sst.aws.Function(
  "ScheduledSwitch",
  functionArgs("packages/functions/src/scheduled-switch.handler", bus, {
    name: switchSchedule.functionName,
    permissions: switcherEnginePermissions(),
    timeout: "1 minute",
  }),
);
