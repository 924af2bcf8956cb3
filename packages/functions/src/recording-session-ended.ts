import { vodAssembler } from "./aws-adapters/assembler.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { recordingSessionEndedHandler } from "./handlers/recordings.ts";

const runtime = awsRuntime("recordingSessionEnded", { assembler: vodAssembler });

export const handler = recordingSessionEndedHandler(runtime.recordings, runtime.idempotency);
