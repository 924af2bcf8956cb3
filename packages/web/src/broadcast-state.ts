import type { BroadcastChannel } from "./broadcast-api.ts";
import type { Resolution } from "./broadcast-media.ts";

/**
 * Where the broadcast is: no media yet, previewing the camera, connecting to the server, live, or stopping.
 * A failure brings it back to "preview" (or "off" without a camera) with `error` set.
 */
export type BroadcastPhase = "off" | "preview" | "connecting" | "live" | "stopping";

export interface BroadcastEvent {
  /** Milliseconds since the page started. */
  at: number;
  type: string;
  detail?: string;
}

/** What the page exposes as `window.visionstreamBroadcast`, for tests and for looking into it from the console. */
export interface BroadcastState {
  phase: BroadcastPhase;
  resolution: Resolution;
  /** The RTCPeerConnection's state while connecting or live. */
  connectionState: RTCPeerConnectionState | null;
  /** The latest figures of the video sender, once a second while live. */
  sent: { bitrate: number; framesPerSecond: number; width?: number; height?: number; limitation?: string } | null;
  channel: BroadcastChannel | null;
  /** The message on screen, null when none. */
  error: string | null;
  /** Epoch milliseconds of the last time the connection became "connected" after Go live. */
  liveSince: number | null;
  events: BroadcastEvent[];
}

declare global {
  interface Window {
    visionstreamBroadcast: BroadcastState;
  }
}

const MAX_EVENTS = 500;

export function createBroadcastState(resolution: Resolution): BroadcastState {
  return { phase: "off", resolution, connectionState: null, sent: null, channel: null, error: null, liveSince: null, events: [] };
}

export function record(state: BroadcastState, type: string, detail?: string): void {
  state.events.push({ at: Math.round(performance.now()), type, ...(detail === undefined ? {} : { detail }) });
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
}
