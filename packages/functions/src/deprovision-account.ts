import { accountInfrastructure } from "./aws-adapters/infrastructure.ts";
import { liveEngine } from "./aws-adapters/engine.ts";
import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { switchScheduler } from "./aws-adapters/scheduler.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { deprovisionAccountHandler } from "./handlers/accounts.ts";

export const handler = deprovisionAccountHandler(awsRuntime("deprovisionAccount", { infrastructure: accountInfrastructure, engine: liveEngine, switcherEngine, scheduler: switchScheduler }).accounts);
