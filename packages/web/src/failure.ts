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
  if (data.type === Hls.ErrorTypes.KEY_SYSTEM_ERROR) {
    // A ClearKey licence refused by the CDN reads like any other refused request; anything else is the browser's CDM.
    return status
      ? { message: httpFailureMessage(status), detail: `HTTP ${status} loading the decryption key (${data.details})` }
      : { message: "cannot play: the stream could not be decrypted", detail: data.details };
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

/** A dash.js error (`player.on("error")`): its code and message. */
export interface DashError {
  code: number | null;
  message: string | null;
}

// dash.js's error codes (dashjs' Errors and ProtectionErrors), by what they mean to the viewer.
const DASH_LOADING: Partial<Record<number, string>> = {
  11: "the manifest",
  25: "the manifest",
  17: "a segment",
  27: "a segment",
  28: "an initialization segment",
  114: "the decryption key",
};
const DASH_INVALID_MANIFEST = new Set([10, 31, 32, 34]);
const DASH_UNSUPPORTED = new Set([23, 35, 201]);
const DASH_CANNOT_DECRYPT = new Set([24, 36, 100, 101, 102, 103, 104, 105, 106, 107, 108, 110, 111, 112, 113]);
/** Passing troubles dash.js lives with or retries itself: clock sync, a late segment, a live manifest update. */
const DASH_TRANSIENT = new Set([16, 17, 20, 21, 22, 27, 33]);

/** Whether a dash.js error is about loading the manifest (else a segment or key), to pick the HTTP status that explains it. */
export function isDashManifestError(error: DashError): boolean {
  return error.code === 11 || error.code === 25;
}

/**
 * Whether a dash.js error stops playback for good. `status` is the HTTP status of the last failed request of
 * its kind: a segment refused for lack of a grant is fatal, a late one is not.
 */
export function dashErrorIsFatal(error: DashError, status?: number): boolean {
  if (error.code === null) return false;
  if (!DASH_TRANSIENT.has(error.code)) return true;
  return (error.code === 17 || error.code === 27) && (status === 401 || status === 403);
}

/** The HTTP status a license error carries in its message: `… status is "Forbidden" (403) …`. */
function licenseStatus(message: string): number | undefined {
  const match = /\((\d{3})\)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

export function dashFailure(error: DashError, status?: number): Failure {
  const code = error.code ?? 0;
  const message = error.message ?? "";
  const loading = DASH_LOADING[code];
  if (loading) {
    const httpStatus = code === 114 ? licenseStatus(message) : status || undefined;
    return { message: httpFailureMessage(httpStatus), detail: `${httpStatus ? `HTTP ${httpStatus}` : "no answer"} loading ${loading} (dash.js ${code})` };
  }
  const detail = `dash.js ${code}: ${message}`;
  if (DASH_INVALID_MANIFEST.has(code)) return { message: "cannot play: the manifest is not valid", detail };
  if (DASH_UNSUPPORTED.has(code)) return { message: "cannot play: this browser does not support the stream's codecs", detail };
  if (DASH_CANNOT_DECRYPT.has(code)) return { message: "cannot play: the stream could not be decrypted", detail };
  if (code === 20 || code === 21) return { message: "cannot play: the video could not be decoded", detail };
  return { message: "cannot play: the player failed", detail };
}
