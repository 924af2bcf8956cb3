import { Rules, type EventPattern, type RuleName } from "../events/src/patterns.ts";

/** The `pattern` of SST's Bus.subscribe. */
export type SubscriberPattern = { source?: unknown[]; detailType?: unknown[]; detail?: Record<string, unknown> };

/** The Lambda handler of each rule in events/: a rule without a handler fails type-checking. */
export const RuleHandlers = {
  provisionAccount: "packages/functions/src/provision-account.handler",
  deprovisionAccount: "packages/functions/src/deprovision-account.handler",
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
  // AWS services publish to the default bus only; a rule on them belongs there, not on ours.
  if (sources?.some((s) => typeof s === "string" && s.startsWith("aws."))) {
    throw new Error(`Rules on AWS service events (${sources.join(", ")}) must subscribe to the default bus`);
  }
  return {
    ...(sources && { source: sources }),
    ...(detailType !== undefined && { detailType: list(detailType, "detail-type") }),
    ...(detail !== undefined && { detail: detail as Record<string, unknown> }),
  };
}
