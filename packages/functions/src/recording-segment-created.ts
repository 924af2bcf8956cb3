import { awsRuntime } from "./aws-runtime.ts";
import { recordingSegmentCreatedHandler } from "./handlers/recordings.ts";

const runtime = awsRuntime("recordingSegmentCreated", {});

export const handler = recordingSegmentCreatedHandler(runtime.recordings, runtime.idempotency);
