import { Rules, type EventPattern, type RuleName } from "../events/src/patterns.ts";

/** The `pattern` of SST's Bus.subscribe. */
export type SubscriberPattern = { source?: unknown[]; detailType?: unknown[]; detail?: Record<string, unknown> };

/** The Lambda handler of each rule in events/: a rule without a handler fails type-checking. */
export const RuleHandlers = {
  provisionAccount: "packages/functions/src/provision-account.handler",
  releaseAccountChannels: "packages/functions/src/release-account-channels.handler",
  releaseAccountSwitchers: "packages/functions/src/release-account-switchers.handler",
  deprovisionAccount: "packages/functions/src/deprovision-account.handler",
  channelStateChanged: "packages/functions/src/channel-state-changed.handler",
  channelAlert: "packages/functions/src/channel-alert.handler",
  recordingSegmentCreated: "packages/functions/src/recording-segment-created.handler",
  recordingSessionEnded: "packages/functions/src/recording-session-ended.handler",
  recordingJobChanged: "packages/functions/src/recording-job-changed.handler",
  recordingGapDetected: "packages/functions/src/recording-gap-detected.handler",
  switcherSourceHealth: "packages/functions/src/switcher-source-health.handler",
  channelStep: "packages/functions/src/channel-step.handler",
  switcherApply: "packages/functions/src/switcher-apply.handler",
  switcherStackDeployed: "packages/functions/src/switcher-stack-deployed.handler",
  switcherFlowStandby: "packages/functions/src/switcher-flow-standby.handler",
} as const satisfies Record<RuleName, string>;

export const ruleNames = Object.keys(Rules) as RuleName[];

const list = (value: EventPattern[string] | undefined, field: string): unknown[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new Error(`Event pattern field "${field}" must be a list`);
  return [...value];
};

/** Our patterns are EventBridge's JSON; SST's Bus.subscribe spells "detail-type" as detailType and knows no other top-level field. */
export function subscriberPattern(pattern: EventPattern): SubscriberPattern {
  const { source, "detail-type": detailType, detail, ...unsupported } = pattern;
  const fields = Object.keys(unsupported);
  if (fields.length > 0) throw new Error(`Bus.subscribe cannot filter on ${fields.join(", ")}`);
  if (detail !== undefined && Array.isArray(detail)) throw new Error(`Event pattern field "detail" must be an object`);
  const sources = list(source, "source");
  return {
    ...(sources && { source: sources }),
    ...(detailType !== undefined && { detailType: list(detailType, "detail-type") }),
    ...(detail !== undefined && { detail: detail as Record<string, unknown> }),
  };
}

/** Which event bus a rule listens on. */
export type RuleBus = "default" | "visionstream";

/** AWS services publish their events to the account's default bus only; ours go to the VisionStream bus. */
export function ruleBus(pattern: EventPattern): RuleBus {
  const sources = list(pattern.source, "source") ?? [];
  const fromAws = sources.filter((s) => typeof s === "string" && s.startsWith("aws."));
  if (fromAws.length === 0) return "visionstream";
  if (fromAws.length < sources.length) {
    throw new Error(`A rule cannot listen to both buses: AWS service events (${fromAws.join(", ")}) and ours`);
  }
  return "default";
}

export const defaultBusArn = (region: string, accountId: string) =>
  `arn:aws:events:${region}:${accountId}:event-bus/default`;
