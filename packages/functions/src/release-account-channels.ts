import { liveEngine } from "./aws-adapters/engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { releaseAccountChannelsHandler } from "./handlers/accounts.ts";

export const handler = releaseAccountChannelsHandler(awsRuntime("releaseAccountChannels", { engine: liveEngine }).accounts);
