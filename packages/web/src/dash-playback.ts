import type { MediaPlayerClass, Representation } from "dashjs";
import { type DashError, dashErrorIsFatal, dashFailure, isDashManifestError, mediaElementFailure } from "./failure.ts";
import type { PlayerHost } from "./player-host.ts";
import { record } from "./player-state.ts";

export interface DashPlayback {
  source: string;
  format: "dash" | "mss";
  /** Where ClearKey licenses are asked for (signed like every other request); used only if the stream is encrypted. */
  licenseUrl: string;
}

const CLEAR_KEY = "org.w3.clearkey";

function rendition({ width, height, bandwidth }: Representation) {
  return { width, height, bitrate: bandwidth };
}

/**
 * DASH and Smooth Streaming with dash.js, loaded only here so HLS pages never download it. dash.js's own live
 * settings are kept: it turns its low-latency mode (and catch-up) on by itself when the manifest signals it.
 */
export async function playWithDashJs(host: PlayerHost, { source, format, licenseUrl }: DashPlayback): Promise<void> {
  const { state, video, sign } = host;
  // dash.js finds its Smooth Streaming handler on the global `dashjs` that this module fills in.
  const [{ MediaPlayer }] = await Promise.all([import("dashjs"), format === "mss" ? import("dashjs/mss") : undefined]);
  const player: MediaPlayerClass = MediaPlayer().create();
  const events = MediaPlayer.events;
  const manifestPath = new URL(source, location.href).pathname;
  const lastStatus = { manifest: undefined as number | undefined, other: undefined as number | undefined };
  let videoRepresentations: Representation[] = [];

  player.addRequestInterceptor(async (request) => {
    request.url = sign(request.url);
    request.credentials = "include";
    return request;
  });
  player.addResponseInterceptor(async (response) => {
    const status = response.status ?? 0;
    if (status === 0 || status >= 400) {
      const isManifest = new URL(response.request.url, location.href).pathname === manifestPath;
      lastStatus[isManifest ? "manifest" : "other"] = status || undefined;
    }
    return response;
  });
  player.setProtectionData({ [CLEAR_KEY]: { serverURL: sign(licenseUrl), withCredentials: true } });

  const showLevel = (representation: Representation | null) => {
    const index = representation ? videoRepresentations.findIndex(({ id }) => id === representation.id) : -1;
    if (index === -1 || index === state.currentLevel) return;
    state.currentLevel = index;
    record(state, "levelSwitched", String(index));
    host.showRenditions();
    if (!video.paused) host.showPlaying();
  };

  player.on(events.STREAM_INITIALIZED, () => {
    videoRepresentations = player.getRepresentationsByType("video");
    state.levels = videoRepresentations.map(rendition);
    state.lowLatency = player.getLowLatencyModeEnabled();
    record(state, "manifestParsed", `${state.levels.length} renditions${state.lowLatency ? ", low latency" : ""}`);
    host.showFormat();
    host.showRenditions();
    showLevel(player.getCurrentRepresentationForType("video"));
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (event) => {
    if (event.mediaType === "video") showLevel(event.newRepresentation);
  });
  player.on(events.ERROR, (event) => {
    const error = (event as { error: unknown }).error;
    const dashError: DashError =
      typeof error === "object" && error !== null && "code" in error
        ? { code: Number((error as DashError).code), message: String((error as DashError).message ?? "") }
        : { code: null, message: String(error) };
    const status = isDashManifestError(dashError) ? lastStatus.manifest : lastStatus.other;
    const fatal = dashErrorIsFatal(dashError, status);
    record(state, "error", `${fatal ? "fatal " : ""}dash.js ${dashError.code ?? "?"}: ${dashError.message}${status ? ` (HTTP ${status})` : ""}`);
    if (!fatal) return;
    player.reset();
    host.fail(dashFailure(dashError, status));
  });
  player.on(events.PLAYBACK_ERROR, () => {
    record(state, "error", `MediaError ${video.error?.code ?? 0}`);
    player.reset();
    host.fail(mediaElementFailure(video.error, undefined));
  });

  host.onRenditionChoice((level) => {
    const chosen = videoRepresentations[level];
    const auto = level === -1 || !chosen;
    player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: auto } } } });
    // Replaces what is buffered (like hls.js's currentLevel), so the viewer sees the choice at once, not after the buffer.
    if (!auto) player.setRepresentationForTypeById("video", chosen.id, true);
    state.autoLevel = auto;
    record(state, "renditionChosen", String(level));
    host.showRenditions();
  });

  player.initialize(video, source, true);
}
