import type { PlaybackFormat } from "./playback-format.ts";

/** One rendition of the stream, as its master playlist (or manifest) announces it. */
export interface Rendition {
  width: number;
  height: number;
  bitrate: number;
}

export interface PlayerEvent {
  /** Milliseconds since the page started. */
  at: number;
  type: string;
  detail?: string;
}

/** What the page exposes as `window.visionstreamPlayer`, for tests and monitoring. */
export interface PlayerState {
  src: string | null;
  mode: "hls.js" | "dash.js" | "native" | "file" | null;
  /** The format being played, from the link's `format` or inferred from `src`; null until known. */
  format: PlaybackFormat | null;
  /** Whether the player runs in its low-latency live mode (dash.js, following the manifest's signalling). */
  lowLatency: boolean;
  levels: Rendition[];
  /** Index in `levels` of the rendition being played, -1 until one is. */
  currentLevel: number;
  autoLevel: boolean;
  fatalError: string | null;
  events: PlayerEvent[];
}

declare global {
  interface Window {
    visionstreamPlayer: PlayerState;
  }
}

const MAX_EVENTS = 500;

export function createPlayerState(src: string | null): PlayerState {
  return { src, mode: null, format: null, lowLatency: false, levels: [], currentLevel: -1, autoLevel: true, fatalError: null, events: [] };
}

export function record(state: PlayerState, type: string, detail?: string): void {
  state.events.push({ at: Math.round(performance.now()), type, ...(detail === undefined ? {} : { detail }) });
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
}
