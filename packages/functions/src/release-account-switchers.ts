import { switchScheduler } from "./aws-adapters/scheduler.ts";
import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { releaseAccountSwitchersHandler } from "./handlers/accounts.ts";

export const handler = releaseAccountSwitchersHandler(awsRuntime("releaseAccountSwitchers", { switcherEngine, scheduler: switchScheduler }).accounts);
