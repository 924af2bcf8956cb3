import { awsRuntime } from "./aws-runtime.ts";
import { resumePendingWorkHandler } from "./handlers/pending-work.ts";

const { channels, accounts, switchers } = awsRuntime();

export const handler = resumePendingWorkHandler(channels, accounts, switchers);
