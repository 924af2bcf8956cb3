import { objectStore } from "./aws-adapters/store.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { recordingJobChangedHandler } from "./handlers/recordings.ts";

const runtime = awsRuntime("recordingJobChanged", { store: objectStore });

export const handler = recordingJobChangedHandler(runtime.recordings, runtime.idempotency);
