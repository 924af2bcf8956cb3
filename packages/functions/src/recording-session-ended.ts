import { awsRuntime } from "./aws-runtime.ts";
import { recordingSessionEndedHandler } from "./handlers/recordings.ts";

const runtime = awsRuntime();

export const handler = recordingSessionEndedHandler(runtime.recordings, runtime.idempotency);
