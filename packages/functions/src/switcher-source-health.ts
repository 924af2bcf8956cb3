import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { switcherSourceHealthHandler } from "./handlers/switchers.ts";

export const handler = switcherSourceHealthHandler(awsRuntime("switcherSourceHealth", { switcherEngine }).switchers);
