import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { scheduledSwitchHandler } from "./handlers/switchers.ts";

export const handler = scheduledSwitchHandler(awsRuntime("scheduledSwitch", { switcherEngine }).switchers);
