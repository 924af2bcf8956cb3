import { awsRuntime } from "./aws-runtime.ts";
import { resumePendingWorkHandler } from "./handlers/pending-work.ts";

const { channels, accounts, switchers } = awsRuntime("resumePendingWork", {});

export const handler = resumePendingWorkHandler(channels, accounts, switchers);
