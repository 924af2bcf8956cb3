import { recordingRoutes } from "./api/recordings.ts";
import { vodAssembler } from "./aws-adapters/assembler.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { objectStore } from "./aws-adapters/store.ts";
import { apiFunction } from "./api-function.ts";

/** Recordings: a retry's MediaConvert job, their signed MP4s, their removal from the bucket. */
export const handler = apiFunction("apiRecordings", [recordingRoutes], { assembler: vodAssembler, store: objectStore, signer: playbackSigner });
