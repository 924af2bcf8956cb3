import type { Failure } from "./failure.ts";
import type { PlayerState } from "./player-state.ts";

/** What the page gives a playback engine (hls.js, dash.js): the video, the state it fills, and the page's display. */
export interface PlayerHost {
  video: HTMLVideoElement;
  state: PlayerState;
  /** Adds the grant's signature to a URL of the stream's origin. */
  sign(url: string): string;
  /** Shows `state.levels`, `state.currentLevel` and `state.autoLevel`. */
  showRenditions(): void;
  /** Shows `state.format` and `state.lowLatency`. */
  showFormat(): void;
  showStatus(text: string): void;
  /** Tells the viewer what plays: the format and the current rendition. */
  showPlaying(): void;
  fail(failure: Failure): void;
  /** Calls `choose` with the viewer's rendition choice: an index in `state.levels`, or -1 for automatic. */
  onRenditionChoice(choose: (level: number) => void): void;
}
