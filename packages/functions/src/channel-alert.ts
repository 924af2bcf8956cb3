import { awsRuntime } from "./aws-runtime.ts";
import { channelAlertHandler } from "./handlers/channels.ts";

const runtime = awsRuntime("channelAlert", {});

export const handler = channelAlertHandler(runtime.channels, runtime.recordings);
