import { awsRuntime } from "./aws-runtime.ts";
import { channelAlertHandler } from "./handlers/channels.ts";

export const handler = channelAlertHandler(awsRuntime().channels);
