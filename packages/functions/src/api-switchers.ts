import { switcherRoutes } from "./api/switchers.ts";
import { switchScheduler } from "./aws-adapters/scheduler.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { apiFunction } from "./api-function.ts";

/** Switchers: switches and health from MediaConnect, lineups in EventBridge Scheduler, signed monitors. */
export const handler = apiFunction("apiSwitchers", [switcherRoutes], { switcherEngine, scheduler: switchScheduler, signer: playbackSigner });
