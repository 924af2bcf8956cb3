import { awsRuntime } from "./aws-runtime.ts";
import { provisionAccountHandler } from "./handlers/accounts.ts";

export const handler = provisionAccountHandler(awsRuntime().accounts);
