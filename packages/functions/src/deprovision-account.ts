import { accountInfrastructure } from "./aws-adapters/infrastructure.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { deprovisionAccountHandler } from "./handlers/accounts.ts";

export const handler = deprovisionAccountHandler(awsRuntime("deprovisionAccount", { infrastructure: accountInfrastructure }).accounts);
