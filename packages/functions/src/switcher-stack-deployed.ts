import { awsRuntime } from "./aws-runtime.ts";
import { switcherStackDeployedHandler } from "./handlers/switchers.ts";

export const handler = switcherStackDeployedHandler(awsRuntime("switcherStackDeployed", {}).switchers);
