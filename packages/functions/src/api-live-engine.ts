import { channelCreationRoutes } from "./api/channel-creation.ts";
import { channelPlaybackRoutes } from "./api/channel-playback.ts";
import { liveEngine } from "./aws-adapters/engine.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { apiFunction } from "./api-function.ts";

/** A new channel's MediaLive and MediaPackage resources, with its ingest endpoints, and its signed live playback. */
export const handler = apiFunction("apiLiveEngine", [channelCreationRoutes, channelPlaybackRoutes], { engine: liveEngine, signer: playbackSigner });
