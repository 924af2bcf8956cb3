import { liveEngine } from "./aws-adapters/engine.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { apiFunction } from "./api-function.ts";

/** A new channel's MediaLive and MediaPackage resources, with its ingest endpoints, and its signed live playback. */
export const handler = apiFunction("apiLiveEngine", { engine: liveEngine, signer: playbackSigner });
