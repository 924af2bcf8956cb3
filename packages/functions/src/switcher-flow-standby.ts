import { awsRuntime } from "./aws-runtime.ts";
import { switcherFlowStandbyHandler } from "./handlers/switchers.ts";

export const handler = switcherFlowStandbyHandler(awsRuntime("switcherFlowStandby", {}).switchers);
