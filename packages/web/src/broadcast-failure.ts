import type { Failure } from "./failure.ts";
import { WhipFailure } from "./broadcast-whip.ts";

export type { Failure };

const detailOf = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Why getUserMedia gave no camera or microphone, in words the broadcaster can act on. */
export function cameraFailure(error: unknown): Failure {
  const name = error instanceof Error ? error.name : "";
  const detail = detailOf(error);
  switch (name) {
    case "NotAllowedError":
      return { message: "The browser was not allowed to use the camera and microphone: allow them for this page (the camera icon in the address bar), then press Retry.", detail };
    case "NotFoundError":
      return { message: "No camera or microphone was found: connect one, then press Retry.", detail };
    case "NotReadableError":
      return { message: "The camera or microphone could not be started: another application may be using it. Close it, then press Retry.", detail };
    case "OverconstrainedError":
      return { message: "The chosen camera or microphone is no longer available, or cannot give that picture: choose another, then press Retry.", detail };
    case "SecurityError":
      return { message: "This page may not use the camera here: it must be opened over https (or from this computer).", detail };
    default:
      return { message: "The camera and microphone could not be started.", detail };
  }
}

/** A page with no navigator.mediaDevices: an insecure origin, or a browser without it. */
export const NO_MEDIA_DEVICES: Failure = {
  message: "This browser gives this page no camera: open the link over https, in a current browser.",
  detail: "navigator.mediaDevices is undefined",
};

/** A browser without an H.264 encoder for WebRTC (some Chromium builds without proprietary codecs). */
export const NO_H264: Failure = {
  message: "This browser cannot send H.264 video, which the broadcast server forwards without re-encoding: use a current Chrome, Edge, Safari or Firefox.",
  detail: 'RTCRtpSender.getCapabilities("video") lists no video/H264',
};

/** Why going live was refused, from the WHIP endpoint's answer (its JSON error message as the detail). */
export function goLiveFailure(error: unknown): Failure {
  if (!(error instanceof WhipFailure)) return { message: "Going live failed.", detail: detailOf(error) };
  const detail = error.status ? `HTTP ${error.status}${error.serverMessage ? `: ${error.serverMessage}` : ""}` : error.message;
  switch (true) {
    case error.status === 0:
      return { message: "The broadcast server did not answer: check the network connection, then Go live again.", detail };
    case error.status === 401:
      return { message: "This broadcast link has expired or is not valid: ask for a new link.", detail };
    case error.status === 403:
      return { message: "Not allowed to broadcast to this channel: the link is for another channel, or this network's address is not on the channel's allow-list.", detail };
    // 409 is any state that does not allow it (not running, a full allow-list in AWS, another input type): the server's words say which.
    case error.status === 409 && /\bis (CREATED|IDLE|STOPPED|STOPPING|STARTING)\b/.test(error.serverMessage ?? ""):
      return { message: "The channel is not running: start it, then Go live again.", detail };
    case error.status === 409:
      return { message: `The channel cannot take a broadcast now${error.serverMessage ? `: ${error.serverMessage}` : "."}`, detail };
    case error.status === 404:
      return { message: "The broadcast server does not know this channel: ask for a new link.", detail };
    case error.status >= 500:
      return { message: "The broadcast server failed: try again in a moment.", detail };
    case error.status >= 400:
      return { message: `The broadcast server refused the stream${error.serverMessage ? `: ${error.serverMessage}` : "."}`, detail };
    default:
      return { message: `The broadcast server's answer could not be used: ${error.message}.`, detail };
  }
}

/** How long "disconnected" may last before the broadcast is taken as lost: ICE often recovers from a short drop by itself. */
export const DISCONNECTED_GRACE_MS = 10_000;

/** The connection dropped for good: ICE failed, the server closed it, or it stayed disconnected past the grace period. */
export function connectionFailure(state: RTCPeerConnectionState, sinceMs = 0): Failure {
  if (state === "failed") {
    return {
      message: "The connection to the broadcast server failed: the network may block the media (UDP). Try another network, then Go live again.",
      detail: "connection state: failed",
    };
  }
  if (state === "closed") {
    return { message: "The broadcast server ended the broadcast: someone may have gone live on this channel after you.", detail: "connection state: closed" };
  }
  return {
    message: `The connection to the broadcast server was lost for ${Math.round(sinceMs / 1000)} s: check the network, then Go live again. (A broadcast started on this channel by someone else also ends yours.)`,
    detail: `connection state: ${state}`,
  };
}

const CONNECTION_WORDS: Record<RTCPeerConnectionState, string> = {
  new: "Not connected",
  connecting: "Connecting…",
  connected: "Connected",
  disconnected: "Interrupted: reconnecting…",
  failed: "Failed",
  closed: "Closed",
};

export function describeConnection(state: RTCPeerConnectionState): string {
  return CONNECTION_WORDS[state];
}
