/**
 * The publisher's own clock at a moment of its media, where the protocol carries one (RTMP's timestamps, MPEG-TS's
 * decoding times): `source` names the publish it counts in (a new publish starts a new count).
 */
export interface MediaClock {
  source: string;
  /** Milliseconds on the publisher's clock, counted modulo wrapMs. */
  ms: number;
  /** Where the count starts again: 2^32 ms for RTMP's 32 bits (49.7 days; the default), 2^33 / 90 ms for MPEG-TS's 33 bits of 90 kHz (26.5 hours). */
  wrapMs?: number;
}

const RTMP_WRAP_MS = 2 ** 32;

/**
 * The media a silence of `silentMs` on our clock cost: all of it, unless the publisher's clock, within the same
 * publish, moved on by less from the media before the silence to the media after it. Then the silence was ours (a
 * runtime too busy to read for a while, or frozen), and what the publisher sent meanwhile waited in its connection
 * (or a socket's buffer) and arrived whole, late. Stamps count modulo their wrap; stamps that went back (by half of it
 * or more, once wrapped) were restarted by the publisher and say nothing about the silence.
 */
export function lostToSilence(before: MediaClock | undefined, after: MediaClock | undefined, silentMs: number): number {
  if (!before || !after || before.source !== after.source) return silentMs;
  const wrap = after.wrapMs ?? RTMP_WRAP_MS;
  if ((before.wrapMs ?? RTMP_WRAP_MS) !== wrap) return silentMs;
  const advancedMs = (((after.ms - before.ms) % wrap) + wrap) % wrap;
  return advancedMs >= wrap / 2 ? silentMs : Math.min(silentMs, advancedMs);
}
