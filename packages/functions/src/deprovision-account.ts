import { awsRuntime } from "./aws-runtime.ts";
import { deprovisionAccountHandler } from "./handlers/accounts.ts";

export const handler = deprovisionAccountHandler(awsRuntime().accounts);
