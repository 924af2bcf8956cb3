import { objectStore } from "./aws-adapters/store.ts";
import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { switcherApplyHandler } from "./handlers/switchers.ts";

export const handler = switcherApplyHandler(awsRuntime("switcherApply", { switcherEngine, store: objectStore }).switchers);
