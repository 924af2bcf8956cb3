import Hls, { type ErrorData } from "hls.js";

/** What the viewer is told when playback stops for good: the cause in plain words, then what failed. */
export interface Failure {
  message: string;
  detail: string;
}

export function httpFailureMessage(status: number | undefined): string {
  if (status === 401 || status === 403) return "not allowed: the link expired or is invalid";
  if (status === 404 || status === 410) return "not found: the stream does not exist or is no longer available";
  if (status !== undefined && status >= 500) return "server error: the stream's server failed, try again later";
  if (status !== undefined && status >= 400) return `refused: the stream's server answered HTTP ${status}`;
  return "unreachable: the stream's server did not answer (network or CORS)";
}

const LOADED_THING: Partial<Record<string, string>> = {
  [Hls.ErrorDetails.MANIFEST_LOAD_ERROR]: "the playlist",
  [Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT]: "the playlist",
  [Hls.ErrorDetails.LEVEL_LOAD_ERROR]: "a rendition playlist",
  [Hls.ErrorDetails.LEVEL_LOAD_TIMEOUT]: "a rendition playlist",
  [Hls.ErrorDetails.AUDIO_TRACK_LOAD_ERROR]: "an audio playlist",
  [Hls.ErrorDetails.AUDIO_TRACK_LOAD_TIMEOUT]: "an audio playlist",
  [Hls.ErrorDetails.FRAG_LOAD_ERROR]: "a segment",
  [Hls.ErrorDetails.FRAG_LOAD_TIMEOUT]: "a segment",
  [Hls.ErrorDetails.KEY_LOAD_ERROR]: "the decryption key",
  [Hls.ErrorDetails.KEY_LOAD_TIMEOUT]: "the decryption key",
};

export function hlsFailure(data: ErrorData): Failure {
  const status = data.response?.code || undefined;
  if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
    const thing = LOADED_THING[data.details] ?? "the stream";
    const timedOut = /timeout$/i.test(data.details);
    return {
      message: timedOut ? "unreachable: the stream's server did not answer in time" : httpFailureMessage(status),
      detail: `${status ? `HTTP ${status}` : timedOut ? "timeout" : "no answer"} loading ${thing} (${data.details})`,
    };
  }
  if (data.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR || data.details === Hls.ErrorDetails.LEVEL_EMPTY_ERROR) {
    return { message: "cannot play: the playlist is not valid HLS", detail: data.details };
  }
  if (data.details === Hls.ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR) {
    return { message: "cannot play: this browser does not support the stream's codecs", detail: data.details };
  }
  if (data.type === Hls.ErrorTypes.MEDIA_ERROR || data.type === Hls.ErrorTypes.MUX_ERROR) {
    return { message: "cannot play: the video could not be decoded", detail: data.details };
  }
  return { message: "cannot play: the player failed", detail: `${data.type}: ${data.details}` };
}

const MEDIA_ERROR_MESSAGES: Record<number, string> = {
  1: "stopped: loading was aborted",
  2: "unreachable: the video could not be downloaded",
  3: "cannot play: the video could not be decoded",
  4: "cannot play: the video could not be loaded or its format is not supported",
};

/** A `<video>` error, made precise by the HTTP status of the file when it can be read. */
export function mediaElementFailure(error: MediaError | null, status: number | undefined): Failure {
  const code = error?.code ?? 0;
  const detail = `${status ? `HTTP ${status}, ` : ""}MediaError ${code}${error?.message ? `: ${error.message}` : ""}`;
  if (status !== undefined && status >= 400) return { message: httpFailureMessage(status), detail };
  return { message: MEDIA_ERROR_MESSAGES[code] ?? "cannot play: the video failed", detail };
}
