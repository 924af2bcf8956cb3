import { mediaRoutes } from "./api/media.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { objectStore } from "./aws-adapters/store.ts";
import { uploadSigner } from "./aws-adapters/uploads.ts";
import { apiFunction } from "./api-function.ts";

/** The media library: presigned uploads into the bucket, signed playback, removal. */
export const handler = apiFunction("apiMedia", [mediaRoutes], { uploads: uploadSigner, store: objectStore, signer: playbackSigner });
