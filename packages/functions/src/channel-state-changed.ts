import { liveEngine } from "./aws-adapters/engine.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { channelStateChangedHandler } from "./handlers/channels.ts";

export const handler = channelStateChangedHandler(awsRuntime("channelStateChanged", { engine: liveEngine }).channels);
