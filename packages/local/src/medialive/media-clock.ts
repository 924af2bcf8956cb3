/**
 * The publisher's own clock at a moment of its media, where the protocol carries one (RTMP's timestamps): `source`
 * names the publish it counts in (a new publish starts a new count).
 */
export interface MediaClock {
  source: string;
  /** Milliseconds, 32 bits as RTMP carries them: they wrap after 49.7 days. */
  ms: number;
}

const WRAP = 2 ** 32;

/**
 * The media a silence of `silentMs` on our clock cost: all of it, unless the publisher's clock, within the same
 * publish, moved on by less from the media before the silence to the media after it. Then the silence was ours (a
 * runtime too busy to read for a while, or frozen), and what the publisher sent meanwhile waited in its connection
 * and arrived whole, late. Stamps count modulo 2^32; stamps that went back (by half of that or more, once wrapped)
 * were restarted by the publisher and say nothing about the silence.
 */
export function lostToSilence(before: MediaClock | undefined, after: MediaClock | undefined, silentMs: number): number {
  if (!before || !after || before.source !== after.source) return silentMs;
  const advancedMs = (((after.ms - before.ms) % WRAP) + WRAP) % WRAP;
  return advancedMs >= WRAP / 2 ? silentMs : Math.min(silentMs, advancedMs);
}
