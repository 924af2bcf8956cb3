import { awsRuntime } from "./aws-runtime.ts";
import { switcherApplyHandler } from "./handlers/switchers.ts";

export const handler = switcherApplyHandler(awsRuntime().switchers);
