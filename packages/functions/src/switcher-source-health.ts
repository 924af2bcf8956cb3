import { awsRuntime } from "./aws-runtime.ts";
import { switcherSourceHealthHandler } from "./handlers/switchers.ts";

export const handler = switcherSourceHealthHandler(awsRuntime().switchers);
