import { broadcastChannel, ChannelUnavailable, describeChannel, isRunning } from "./broadcast-api.ts";
import { cameraFailure, connectionFailure, describeConnection, DISCONNECTED_GRACE_MS, type Failure, goLiveFailure, NO_H264, NO_MEDIA_DEVICES } from "./broadcast-failure.ts";
import { type BroadcastLink, broadcastLinkOf, InvalidBroadcastLink, parseRememberedLink } from "./broadcast-link.ts";
import {
  audioConstraints,
  DEGRADATION_PREFERENCE,
  describeCapture,
  FRAME_RATE,
  h264Only,
  isResolution,
  NoH264Encoder,
  opusOnly,
  type Resolution,
  RESOLUTIONS,
  videoConstraints,
} from "./broadcast-media.ts";
import { createBroadcastState, record, type BroadcastPhase } from "./broadcast-state.ts";
import { describeLimitation, formatBitrate, formatFrameRate, type OutboundVideo, outboundVideoOf, sendRates } from "./broadcast-stats.ts";
import { publish, unpublish, unpublishOnPageHide, type WhipSession } from "./broadcast-whip.ts";
import { element } from "./dom.ts";

const STATS_INTERVAL_MS = 1_000;
const CHANNEL_INTERVAL_MS = 3_000;
/** How long ICE and DTLS may take after the answer before the connection counts as failed (Chromium's own limit is ~30 s). */
const CONNECT_TIMEOUT_MS = 15_000;
const LINK_STORAGE = "visionstream.broadcastLink";

const preview = element("#preview", HTMLVideoElement);
const capture = element("#capture", HTMLElement);
const channelName = element("#channel-name", HTMLHeadingElement);
const liveBadge = element("#live-badge", HTMLElement);
const errorBox = element("#error", HTMLElement);
const retryButton = element("#retry", HTMLButtonElement);
const setup = element("#setup", HTMLFormElement);
const cameraChoice = element("#camera", HTMLSelectElement);
const microphoneChoice = element("#microphone", HTMLSelectElement);
const resolutionChoice = element("#resolution", HTMLSelectElement);
const goLiveButton = element("#go-live", HTMLButtonElement);
const stopButton = element("#stop", HTMLButtonElement);
const status = element("#status", HTMLElement);
const figures = {
  connection: element("#connection-state", HTMLElement),
  bitrate: element("#sent-bitrate", HTMLElement),
  frameRate: element("#sent-frame-rate", HTMLElement),
  picture: element("#sent-picture", HTMLElement),
  channel: element("#channel-state", HTMLElement),
  expiry: element("#link-expiry", HTMLElement),
};

const state = createBroadcastState(isResolution(resolutionChoice.value) ? resolutionChoice.value : "1080p");
window.visionstreamBroadcast = state;

// --- Display ---

/** What keeps the page from ever going live (an incomplete link, no H.264): shown whenever nothing else is. */
let blocker: Failure | null = null;

function block(failure: Failure): void {
  blocker = failure;
  showError(failure);
  if (state.phase === "preview") setPhase("preview");
}

function showError(shown: Failure | null, retry?: () => void): void {
  const failure = shown ?? blocker;
  state.error = failure?.message ?? null;
  if (shown) record(state, "error", `${shown.message} — ${shown.detail}`);
  errorBox.hidden = failure === null;
  element("#error-message", HTMLElement).textContent = failure?.message ?? "";
  element("#error-detail", HTMLElement).textContent = failure?.detail ?? "";
  retryButton.hidden = retry === undefined || failure !== shown;
  retryButton.onclick = retry ? () => retry() : null;
}

const clock = (epochMs: number) => new Date(epochMs).toLocaleTimeString();

function showStatus(): void {
  const channelDown = state.channel !== null && !isRunning(state.channel);
  const words: Record<BroadcastPhase, string> = {
    off: "No camera.",
    preview: blocker ? "Cannot go live: see above." : channelDown ? "The channel is not running: start it, then go live." : "Ready: press Go live.",
    connecting: "Connecting to the broadcast server…",
    live: state.liveSince ? `Live since ${clock(state.liveSince)}.` : "Live.",
    stopping: "Stopping…",
  };
  status.textContent = words[state.phase];
}

function setPhase(phase: BroadcastPhase): void {
  state.phase = phase;
  record(state, "phase", phase);
  const onAir = phase === "connecting" || phase === "live" || phase === "stopping";
  goLiveButton.hidden = onAir;
  goLiveButton.disabled = phase !== "preview" || blocker !== null;
  stopButton.hidden = !onAir;
  stopButton.disabled = phase === "stopping";
  liveBadge.hidden = phase !== "live";
  document.title = phase === "live" ? "● Live — VisionStream broadcast" : "VisionStream broadcast";
  if (!onAir) {
    state.connectionState = null;
    state.sent = null;
    figures.connection.textContent = "Not connected";
    figures.bitrate.textContent = figures.frameRate.textContent = figures.picture.textContent = "—";
  }
  showStatus();
}

// --- The link: its token moves from the fragment to this tab's storage, out of the address bar. ---

function readLink(): BroadcastLink | undefined {
  let remembered: string | null = null;
  try {
    remembered = sessionStorage.getItem(LINK_STORAGE);
  } catch {
    // Storage refused (private mode): a reload needs the link again.
  }
  try {
    const found = broadcastLinkOf(location.href, parseRememberedLink(remembered));
    try {
      sessionStorage.setItem(LINK_STORAGE, JSON.stringify(found));
    } catch {
      // As above.
    }
    if (location.hash) history.replaceState(null, "", `${location.pathname}${location.search}`);
    return found;
  } catch (error) {
    if (!(error instanceof InvalidBroadcastLink)) throw error;
    block({ message: "This is not a complete broadcast link: ask for a new one.", detail: error.message });
    return undefined;
  }
}

const link = readLink();

function checkH264(): void {
  if (typeof RTCPeerConnection === "undefined") {
    block({ message: "This browser cannot broadcast: it has no WebRTC.", detail: navigator.userAgent });
    return;
  }
  try {
    h264Only(RTCRtpSender.getCapabilities("video")?.codecs ?? []);
  } catch (error) {
    if (!(error instanceof NoH264Encoder)) throw error;
    block(NO_H264);
  }
}

if (link) checkH264();

// --- Camera and microphone ---

let stream: MediaStream | undefined;

const currentResolution = (): Resolution => (isResolution(resolutionChoice.value) ? resolutionChoice.value : "1080p");
const trackOf = (kind: "video" | "audio") => (kind === "video" ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0]);

function showCapture(): void {
  capture.textContent = describeCapture(trackOf("video")?.getSettings() ?? {});
}

function watchTrack(track: MediaStreamTrack): void {
  track.addEventListener("ended", () => {
    if (trackOf(track.kind as "video" | "audio") !== track) return;
    record(state, "trackEnded", track.kind);
    const what = track.kind === "video" ? "camera" : "microphone";
    showError({ message: `The ${what} stopped (unplugged, or taken by the system): choose another, or plug it back in and press Retry.`, detail: `${track.label}: ended` }, () => void switchDevice(track.kind as "video" | "audio"));
  });
}

async function showDevices(): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const fill = (select: HTMLSelectElement, kind: MediaDeviceKind, noun: string, current: string | undefined) => {
    const found = devices.filter((device) => device.kind === kind && device.deviceId !== "");
    select.replaceChildren(...found.map((device, index) => new Option(device.label || `${noun} ${index + 1}`, device.deviceId)));
    if (current && found.some((device) => device.deviceId === current)) select.value = current;
    select.disabled = found.length === 0;
  };
  fill(cameraChoice, "videoinput", "Camera", trackOf("video")?.getSettings().deviceId);
  fill(microphoneChoice, "audioinput", "Microphone", trackOf("audio")?.getSettings().deviceId);
}

async function startCamera(): Promise<void> {
  status.textContent = "Starting the camera…";
  if (!navigator.mediaDevices?.getUserMedia) {
    showError(NO_MEDIA_DEVICES);
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: videoConstraints(currentResolution(), cameraChoice.value || undefined),
      audio: audioConstraints(microphoneChoice.value || undefined),
    });
  } catch (error) {
    record(state, "cameraRefused", error instanceof Error ? error.name : String(error));
    setPhase("off");
    showError(cameraFailure(error), () => void startCamera());
    return;
  }
  stream.getTracks().forEach(watchTrack);
  preview.srcObject = stream;
  showCapture();
  showError(null);
  await showDevices();
  record(state, "camera", describeCapture(trackOf("video")?.getSettings() ?? {}));
  setPhase("preview");
}

/** Another device for `kind`, in the preview and, while live, in the broadcast (replaceTrack: no new negotiation). */
async function switchDevice(kind: "video" | "audio"): Promise<void> {
  if (!stream) return startCamera();
  const deviceId = (kind === "video" ? cameraChoice : microphoneChoice).value || undefined;
  let track: MediaStreamTrack | undefined;
  try {
    const fresh = await navigator.mediaDevices.getUserMedia(kind === "video" ? { video: videoConstraints(currentResolution(), deviceId) } : { audio: audioConstraints(deviceId) });
    track = kind === "video" ? fresh.getVideoTracks()[0] : fresh.getAudioTracks()[0];
  } catch (error) {
    showError(cameraFailure(error), () => void switchDevice(kind));
    return;
  }
  if (!track) return;
  const previous = trackOf(kind);
  await senders?.[kind].replaceTrack(track);
  if (previous) {
    stream.removeTrack(previous);
    previous.stop();
  }
  stream.addTrack(track);
  watchTrack(track);
  showCapture();
  showError(null);
  record(state, "deviceSwitched", `${kind}: ${track.label}`);
}

async function changeResolution(): Promise<void> {
  state.resolution = currentResolution();
  record(state, "resolution", state.resolution);
  const track = trackOf("video");
  if (!track) return;
  const { deviceId } = track.getSettings();
  try {
    await track.applyConstraints(videoConstraints(state.resolution, deviceId));
  } catch {
    await switchDevice("video");
  }
  showCapture();
  if (senders) await applyVideoParameters(senders.video);
}

// --- Broadcasting ---

let peer: RTCPeerConnection | undefined;
let senders: Record<"video" | "audio", RTCRtpSender> | undefined;
let session: WhipSession | undefined;
let timers: ReturnType<typeof setTimeout>[] = [];
let previousSample: OutboundVideo | undefined;

/** The resolution's bitrate cap, 30 fps at most, and what to give up first when the encoder cannot keep up. */
async function applyVideoParameters(sender: RTCRtpSender): Promise<void> {
  const capped = () => {
    const parameters = sender.getParameters();
    for (const encoding of parameters.encodings) {
      encoding.maxBitrate = RESOLUTIONS[state.resolution].maxBitrate;
      encoding.maxFramerate = FRAME_RATE;
    }
    return parameters;
  };
  try {
    await sender.setParameters({ ...capped(), degradationPreference: DEGRADATION_PREFERENCE });
  } catch (error) {
    // A browser that takes no degradation preference still takes the cap.
    record(state, "parameters", error instanceof Error ? error.message : String(error));
    await sender.setParameters(capped()).catch(() => undefined);
  }
}

/** Sets H.264 only for video and Opus for audio; the capabilities the browser checks them against differ between versions. */
function preferCodecs(transceiver: RTCRtpTransceiver, kind: "video" | "audio"): void {
  const choose = kind === "video" ? h264Only : opusOnly;
  try {
    transceiver.setCodecPreferences(choose(RTCRtpSender.getCapabilities(kind)?.codecs ?? []));
  } catch (error) {
    if (error instanceof NoH264Encoder) throw error;
    transceiver.setCodecPreferences(choose(RTCRtpReceiver.getCapabilities(kind)?.codecs ?? []));
  }
}

function after(ms: number, work: () => void): void {
  timers.push(setTimeout(work, ms));
}

function clearTimers(): void {
  timers.forEach(clearTimeout);
  timers = [];
}

function showConnection(connection: RTCPeerConnectionState): void {
  state.connectionState = connection;
  figures.connection.textContent = describeConnection(connection);
}

async function sampleStats(from: RTCPeerConnection): Promise<void> {
  if (peer !== from) return;
  const entries: unknown[] = [];
  (await from.getStats()).forEach((entry) => entries.push(entry));
  const sample = outboundVideoOf(entries);
  if (sample) {
    const rates = sendRates(previousSample, sample);
    previousSample = sample;
    if (rates) {
      const limitation = describeLimitation(sample.qualityLimitationReason);
      state.sent = { ...rates, ...(sample.frameWidth ? { width: sample.frameWidth, height: sample.frameHeight } : {}), ...(limitation ? { limitation } : {}) };
      figures.bitrate.textContent = formatBitrate(rates.bitrate);
      figures.frameRate.textContent = formatFrameRate(rates.framesPerSecond);
      figures.picture.textContent = sample.frameWidth ? `${sample.frameWidth}×${sample.frameHeight}${limitation ? `, ${limitation}` : ""}` : "—";
    }
  }
  if (peer === from) after(STATS_INTERVAL_MS, () => void sampleStats(from));
}

function watchConnection(connection: RTCPeerConnection): void {
  let disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  connection.addEventListener("connectionstatechange", () => {
    if (peer !== connection) return;
    const now = connection.connectionState;
    record(state, "connection", now);
    showConnection(now);
    clearTimeout(disconnectedTimer);
    if (now === "connected") {
      if (state.phase === "connecting") {
        state.liveSince = Date.now();
        setPhase("live");
        previousSample = undefined;
        void sampleStats(connection);
      }
    } else if (now === "disconnected") {
      disconnectedTimer = setTimeout(() => void endBroadcast(connectionFailure("disconnected", DISCONNECTED_GRACE_MS)), DISCONNECTED_GRACE_MS);
      timers.push(disconnectedTimer);
    } else if (now === "failed" || now === "closed") {
      void endBroadcast(connectionFailure(now));
    }
  });
}

async function goLive(): Promise<void> {
  if (!link || !stream || state.phase !== "preview") return;
  const video = trackOf("video");
  const audio = trackOf("audio");
  if (!video || !audio) return;
  showError(null);
  const connection = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  peer = connection;
  state.liveSince = null;
  setPhase("connecting");
  showConnection(connection.connectionState);
  try {
    const videoTransceiver = connection.addTransceiver(video, {
      direction: "sendonly",
      streams: [stream],
      sendEncodings: [{ maxBitrate: RESOLUTIONS[state.resolution].maxBitrate, maxFramerate: FRAME_RATE }],
    });
    const audioTransceiver = connection.addTransceiver(audio, { direction: "sendonly", streams: [stream] });
    preferCodecs(videoTransceiver, "video");
    preferCodecs(audioTransceiver, "audio");
    senders = { video: videoTransceiver.sender, audio: audioTransceiver.sender };
    await applyVideoParameters(videoTransceiver.sender);
    watchConnection(connection);
    const published = await publish(connection, { endpoint: link.whipUrl, token: link.token });
    if (peer !== connection) {
      void unpublish(published, { token: link.token });
      return;
    }
    session = published;
    record(state, "published", published.resourceUrl);
    after(CONNECT_TIMEOUT_MS, () => {
      if (peer === connection && state.phase === "connecting") void endBroadcast(connectionFailure("failed"));
    });
  } catch (error) {
    if (peer !== connection) return;
    await endBroadcast(error instanceof NoH264Encoder ? NO_H264 : goLiveFailure(error));
  }
}

/** Ends the broadcast (DELETE of the session, then the connection), back to the preview; with `failure`, says why. */
async function endBroadcast(failure?: Failure): Promise<void> {
  const connection = peer;
  const ending = session;
  if (!connection) return;
  peer = undefined;
  senders = undefined;
  session = undefined;
  clearTimers();
  setPhase("stopping");
  if (ending && link) record(state, "unpublished", `HTTP ${await unpublish(ending, { token: link.token })}`);
  connection.close();
  state.liveSince = null;
  setPhase(stream ? "preview" : "off");
  if (failure) showError(failure);
}

// --- The channel, from the API ---

async function pollChannel(): Promise<void> {
  if (!link) return;
  try {
    const channel = await broadcastChannel(link.apiBase, link.token);
    state.channel = channel;
    channelName.textContent = channel.name;
    figures.channel.textContent = describeChannel(channel, Date.now());
    figures.expiry.textContent = new Date(channel.expiresAt).toLocaleString();
    showStatus();
  } catch (error) {
    if (!(error instanceof ChannelUnavailable)) throw error;
    figures.channel.textContent = `Unknown: ${error.message}`;
    record(state, "channelUnavailable", error.message);
    if (error.status === 401) {
      // A broadcast on air goes on: the token is checked when going live.
      if (state.phase !== "live") block({ message: "This broadcast link has expired or is not valid: ask for a new link.", detail: error.message });
      return;
    }
  }
  setTimeout(() => void pollChannel(), CHANNEL_INTERVAL_MS);
}

// --- Wiring ---

setup.addEventListener("submit", (event) => {
  event.preventDefault();
  void goLive();
});
stopButton.addEventListener("click", () => void endBroadcast());
cameraChoice.addEventListener("change", () => void switchDevice("video"));
microphoneChoice.addEventListener("change", () => void switchDevice("audio"));
resolutionChoice.addEventListener("change", () => void changeResolution());
navigator.mediaDevices?.addEventListener("devicechange", () => void showDevices());
window.addEventListener("pagehide", () => {
  if (session && link) unpublishOnPageHide(session, { token: link.token, ...(navigator.sendBeacon ? { sendBeacon: (url: string) => navigator.sendBeacon(url) } : {}) });
  peer?.close();
});

setPhase("off");
void pollChannel();
void startCamera();
