import { liveEngine } from "./aws-adapters/engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { channelStepHandler } from "./handlers/channels.ts";

export const handler = channelStepHandler(awsRuntime("channelStep", { engine: liveEngine }).channels);
