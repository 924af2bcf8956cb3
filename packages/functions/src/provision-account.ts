import { accountInfrastructure } from "./aws-adapters/infrastructure.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { provisionAccountHandler } from "./handlers/accounts.ts";

export const handler = provisionAccountHandler(awsRuntime("provisionAccount", { infrastructure: accountInfrastructure }).accounts);
