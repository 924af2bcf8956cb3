import { Rules, type RuleName } from "../events/src/patterns.ts";
import { functionArgs, resourcePrefix } from "./functions.ts";
import { deprovisionPermissions, provisionPermissions } from "./permissions.ts";
import { replayArchive } from "./replay.ts";
import { RuleHandlers, ruleNames, subscriberPattern } from "./rules.ts";

export const bus = new sst.aws.Bus("Bus");

export const archive = replayArchive("BusArchive", bus.arn);

/** What each reaction may do beyond the tables and the bus; `[]` when nothing. */
const rulePermissions: Record<RuleName, sst.aws.FunctionPermissionArgs[]> = {
  provisionAccount: provisionPermissions(resourcePrefix),
  deprovisionAccount: deprovisionPermissions(resourcePrefix),
};

for (const rule of ruleNames) {
  const name = rule.charAt(0).toUpperCase() + rule.slice(1);
  bus.subscribe(
    name,
    functionArgs(RuleHandlers[rule], bus, { permissions: rulePermissions[rule], timeout: "1 minute" }),
    { pattern: subscriberPattern(Rules[rule]) },
  );
}
