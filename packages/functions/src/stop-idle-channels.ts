import { awsRuntime } from "./aws-runtime.ts";
import { stopIdleChannelsHandler } from "./handlers/channels.ts";

export const handler = stopIdleChannelsHandler(awsRuntime("stopIdleChannels", {}).channels);
