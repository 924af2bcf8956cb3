import { awsRuntime } from "./aws-runtime.ts";
import { recordingJobChangedHandler } from "./handlers/recordings.ts";

const runtime = awsRuntime();

export const handler = recordingJobChangedHandler(runtime.recordings, runtime.idempotency);
