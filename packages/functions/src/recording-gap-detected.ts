import { awsRuntime } from "./aws-runtime.ts";
import { recordingGapDetectedHandler } from "./handlers/recordings.ts";

const runtime = awsRuntime("recordingGapDetected", {});

export const handler = recordingGapDetectedHandler(runtime.recordings, runtime.idempotency);
