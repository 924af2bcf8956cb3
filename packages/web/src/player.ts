import Hls, { type ErrorData } from "hls.js";
import { type Failure, hlsFailure, mediaElementFailure } from "./failure.ts";
import { clearKeyLicenseUrl, formatLabel, type PlaybackFormat, playbackFormat, UnknownFormat } from "./playback-format.ts";
import type { PlayerHost } from "./player-host.ts";
import { createPlayerState, record, type Rendition } from "./player-state.ts";
import { signerFor } from "./signed-url.ts";
import { element } from "./dom.ts";

const video = element("#video", HTMLVideoElement);
const status = element("#status", HTMLParagraphElement);
const formatText = element("#format", HTMLParagraphElement);
const errorBox = element("#error", HTMLDivElement);
const renditions = element("#renditions", HTMLElement);
const renditionChoice = element("#rendition-choice", HTMLSelectElement);
const renditionList = element("#rendition-list", HTMLOListElement);

const params = new URLSearchParams(location.search);
const src = params.get("src");
const auth = params.get("auth") ?? "";
const formatParam = params.get("format");
const license = params.get("license");
const state = createPlayerState(src);
window.visionstreamPlayer = state;

const MAX_NETWORK_RECOVERIES = 3;
const MAX_MEDIA_RECOVERIES = 2;

function formatBitrate(bitrate: number): string {
  return bitrate >= 1_000_000 ? `${(bitrate / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bitrate / 1000)} kb/s`;
}

function describe(rendition: Rendition): string {
  return `${rendition.width}×${rendition.height}, ${formatBitrate(rendition.bitrate)}`;
}

function showRenditions(): void {
  renditions.hidden = state.levels.length === 0;
  renditionList.replaceChildren(
    ...state.levels.map((rendition, index) => {
      const item = document.createElement("li");
      item.textContent = describe(rendition);
      if (index === state.currentLevel) item.setAttribute("aria-current", "true");
      return item;
    }),
  );
  if (renditionChoice.options.length !== state.levels.length + 1) {
    const auto = new Option("Auto", "-1");
    renditionChoice.replaceChildren(auto, ...state.levels.map((rendition, index) => new Option(describe(rendition), String(index))));
  }
  renditionChoice.value = state.autoLevel ? "-1" : String(state.currentLevel);
  const current = state.levels[state.currentLevel];
  const autoOption = renditionChoice.options[0];
  if (autoOption) autoOption.textContent = state.autoLevel && current ? `Auto (${current.width}×${current.height})` : "Auto";
}

function showStatus(text: string): void {
  if (!state.fatalError) status.textContent = text;
}

function currentFormatLabel(): string {
  return state.format ? formatLabel(state.format, state.lowLatency) : "";
}

function showFormat(): void {
  formatText.hidden = state.format === null;
  formatText.textContent = state.format ? `Format: ${currentFormatLabel()}` : "";
}

/** "Playing DASH (low latency): 1280×720, 2.0 Mb/s." */
function showPlaying(): void {
  const current = state.levels[state.currentLevel];
  const label = currentFormatLabel();
  const what = [label, current ? describe(current) : ""].filter(Boolean).join(": ");
  showStatus(what ? `Playing ${what}.` : "Playing.");
}

/** The rendition menu drives whichever engine plays: it hands over an index in `state.levels`, or -1 for automatic. */
function onRenditionChoice(choose: (level: number) => void): void {
  renditionChoice.addEventListener("change", () => choose(Number(renditionChoice.value)));
}

function fail(failure: Failure): void {
  if (state.fatalError) return;
  state.fatalError = failure.message;
  record(state, "fatal", `${failure.message} — ${failure.detail}`);
  status.textContent = "Stopped.";
  element("#error-message", HTMLParagraphElement).textContent = failure.message;
  element("#error-detail", HTMLParagraphElement).textContent = failure.detail;
  errorBox.hidden = false;
  video.pause();
  video.removeAttribute("src");
  video.load();
  video.controls = false;
}

function play(): void {
  video.play().catch((error: unknown) => {
    // Other rejections (an unplayable source) arrive as the video's error event too.
    if (!(error instanceof DOMException) || error.name !== "NotAllowedError") return;
    record(state, "autoplayBlocked", error.message);
    showStatus("Ready: press play.");
  });
}

function watchVideoElement(): void {
  video.addEventListener("playing", () => {
    record(state, "playing");
    showPlaying();
  });
  video.addEventListener("waiting", () => {
    record(state, "waiting");
    showStatus("Buffering…");
  });
  video.addEventListener("ended", () => {
    record(state, "ended");
    showStatus("Ended.");
  });
}

async function httpStatusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { method: "HEAD", credentials: "include", cache: "no-store" });
    return response.status;
  } catch {
    return undefined;
  }
}

/** An MP4 file, or HLS played by the browser itself: the `<video>` element loads everything. */
function playWithVideoElement(url: string): void {
  video.addEventListener("error", async () => {
    const mediaError = video.error;
    record(state, "error", `MediaError ${mediaError?.code ?? 0}`);
    fail(mediaElementFailure(mediaError, await httpStatusOf(url)));
  });
  video.src = url;
  play();
}

function isRecoverableNetworkError(data: ErrorData): boolean {
  const code = data.response?.code ?? 0;
  return code === 0 || code >= 500 || /timeout$/i.test(data.details);
}

function playWithHlsJs(source: string, sign: (url: string) => string, licenseUrl: string): void {
  const hls = new Hls({
    xhrSetup(xhr, url) {
      xhr.open("GET", sign(url), true);
      xhr.withCredentials = true;
    },
    // CENC-encrypted fMP4 renditions announce W3C ClearKey; AES-128 keys come through xhrSetup like everything else.
    emeEnabled: true,
    drmSystems: { "org.w3.clearkey": { licenseUrl } },
    licenseXhrSetup(xhr, url) {
      xhr.open("POST", sign(url), true);
      xhr.withCredentials = true;
    },
  });
  let manifestParsed = false;
  let networkRecoveries = 0;
  let mediaRecoveries = 0;

  hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
    manifestParsed = true;
    state.levels = data.levels.map(({ width, height, bitrate }) => ({ width, height, bitrate }));
    record(state, "manifestParsed", `${state.levels.length} renditions`);
    showRenditions();
    play();
  });
  hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
    // Without a `format` in the link, the first playlist tells TS from fMP4 (CMAF) segments: the latter have an init segment.
    if (formatParam || state.format !== "hls" || !data.details.fragments.some((fragment) => fragment.initSegment)) return;
    state.format = "hlsCmaf";
    showFormat();
    if (!video.paused) showPlaying();
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
    state.currentLevel = data.level;
    state.autoLevel = hls.autoLevelEnabled;
    record(state, "levelSwitched", String(data.level));
    showRenditions();
    if (!video.paused) showPlaying();
  });
  hls.on(Hls.Events.FRAG_BUFFERED, () => {
    networkRecoveries = 0;
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    const code = data.response?.code;
    record(state, "error", `${data.fatal ? "fatal " : ""}${data.type}: ${data.details}${code ? ` (HTTP ${code})` : ""}`);
    // Non-fatal errors are retried by hls.js itself, following its load policies.
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && isRecoverableNetworkError(data) && networkRecoveries < MAX_NETWORK_RECOVERIES) {
      networkRecoveries += 1;
      record(state, "recovering", `${manifestParsed ? "startLoad" : "loadSource"} ${networkRecoveries}/${MAX_NETWORK_RECOVERIES}`);
      showStatus("Connection lost: retrying…");
      setTimeout(() => (manifestParsed ? hls.startLoad() : hls.loadSource(source)), 1000 * networkRecoveries);
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < MAX_MEDIA_RECOVERIES) {
      mediaRecoveries += 1;
      record(state, "recovering", `recoverMediaError ${mediaRecoveries}/${MAX_MEDIA_RECOVERIES}`);
      if (mediaRecoveries === MAX_MEDIA_RECOVERIES) hls.swapAudioCodec();
      hls.recoverMediaError();
      return;
    }
    hls.destroy();
    fail(hlsFailure(data));
  });

  onRenditionChoice((level) => {
    hls.currentLevel = level;
    state.autoLevel = hls.autoLevelEnabled;
    record(state, "renditionChosen", String(level));
  });

  hls.loadSource(source);
  hls.attachMedia(video);
}

async function playWithDash(host: PlayerHost, source: string, format: "dash" | "mss"): Promise<void> {
  showStatus("Loading the player…");
  try {
    const { playWithDashJs } = await import("./dash-playback.ts");
    await playWithDashJs(host, { source, format, licenseUrl: clearKeyLicenseUrl(source, license) });
  } catch (error) {
    fail({ message: "cannot play: the player failed to load", detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

function chosenFormat(source: string): PlaybackFormat | undefined {
  try {
    return playbackFormat(source, formatParam);
  } catch (error) {
    if (!(error instanceof UnknownFormat)) throw error;
    fail({ message: "cannot play: the link names an unknown format", detail: error.message });
    return undefined;
  }
}

function start(): void {
  if (!src) {
    fail({ message: "no stream: the link has no src parameter", detail: "player.html?src=<url-encoded URL>&auth=<url-encoded query string>&format=hls|hlsCmaf|dash|mss" });
    return;
  }
  const format = chosenFormat(src);
  if (!format) return;
  watchVideoElement();
  const sign = signerFor(src, auth);
  state.format = format;
  showFormat();
  if (format === "file") {
    state.mode = "file";
    playWithVideoElement(sign(src));
  } else if (format === "dash" || format === "mss") {
    state.mode = "dash.js";
    void playWithDash({ video, state, sign, showRenditions, showFormat, showStatus, showPlaying, fail, onRenditionChoice }, src, format);
  } else if (Hls.isSupported()) {
    state.mode = "hls.js";
    playWithHlsJs(src, sign, clearKeyLicenseUrl(src, license));
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    // Only the first playlist can carry the signature here: the browser loads the rest itself, with signed cookies.
    state.mode = "native";
    playWithVideoElement(sign(src));
  } else {
    fail({ message: "cannot play: this browser plays neither HLS nor Media Source Extensions", detail: navigator.userAgent });
  }
  record(state, "started", `${state.mode ?? "none"} ${format}`);
}

start();
