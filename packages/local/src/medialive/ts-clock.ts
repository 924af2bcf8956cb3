import { PACKET_SIZE, payloadUnitStart, pidOf, readPes, SYNC_BYTE, TIMESTAMP_WRAP, timestampDelta } from "@visionstream/mpegts";
import type { MediaClock } from "./media-clock.ts";

/** The 90 kHz ticks of MPEG-TS timestamps in a millisecond. */
const TICKS_PER_MS = 90;
/**
 * A stream's time this far behind the clock is an encoder that started again (or new streams in place of the old):
 * the streams seen before are forgotten. Streams of one encoder lie well within it of each other (ffmpeg's muxer
 * interleaves within 0.7 s).
 */
const RESTART_TICKS = 5_000 * TICKS_PER_MS;
/**
 * A stream whose last timestamp came this long before the latest of any stream is left out of the clock: an encoder
 * that started again on other PIDs, or dropped a track, does not hold the clock at its old time.
 */
const STALE_MS = 2_000;
const isAudioOrVideo = (streamId: number) => (streamId & 0xe0) === 0xc0 || (streamId & 0xf0) === 0xe0;

/** What one chunk of MPEG-TS told of the publisher's clock. */
export interface TsClockReading {
  /** A timestamp was in it. */
  timed: boolean;
  /** How far the clock moved on over it (0 when it did not, or went back), in ms: media that never arrived, when large. */
  advancedMs: number;
}

/**
 * The publisher's clock in MPEG-TS as it arrives, in chunks that need not hold whole packets (srt-live-transmit's
 * reads): the later of the latest decoding times (or presentation times, where a PES carries no other) of its audio and
 * video streams. Each stream's latest is the one it carried last, not the largest, and a time far behind the clock
 * forgets the other streams, so that an encoder that starts again (its times going back) is seen as such.
 */
export class TsMediaClock {
  /** The start of a packet that the last chunk cut off. */
  private carry: Buffer | undefined;
  /** Each stream's last time, and when it came (our clock). */
  private readonly latestOf = new Map<number, { time: number; seenAt: number }>();
  private lastSeenAt = 0;

  read(chunk: Buffer): TsClockReading {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    const before = this.latest();
    const now = Date.now();
    let timed = false;
    let at = 0;
    while (at + PACKET_SIZE <= bytes.length) {
      // Out of step (bytes lost, or a stream that does not start on a packet): on to the next sync byte.
      if (bytes[at] !== SYNC_BYTE) {
        at = bytes.indexOf(SYNC_BYTE, at + 1);
        if (at < 0) break;
        continue;
      }
      const packet = bytes.subarray(at, at + PACKET_SIZE);
      at += PACKET_SIZE;
      if (!payloadUnitStart(packet)) continue;
      const pes = readPes(packet);
      const time = pes?.dts ?? pes?.pts;
      if (!pes || time === undefined || !isAudioOrVideo(pes.streamId)) continue;
      const latest = this.latest();
      if (latest !== undefined && timestampDelta(latest, time) < -RESTART_TICKS) this.latestOf.clear();
      this.latestOf.set(pidOf(packet), { time, seenAt: now });
      this.lastSeenAt = now;
      timed = true;
    }
    if (at >= 0 && at < bytes.length) this.carry = Buffer.from(bytes.subarray(at));
    const after = this.latest();
    const advancedMs = before === undefined || after === undefined ? 0 : Math.max(0, timestampDelta(before, after) / TICKS_PER_MS);
    return { timed, advancedMs };
  }

  /** The clock as of the last timestamp read, counted in `source`; undefined before any. */
  clock(source: string): MediaClock | undefined {
    const latest = this.latest();
    return latest === undefined ? undefined : { source, ms: latest / TICKS_PER_MS, wrapMs: TIMESTAMP_WRAP / TICKS_PER_MS };
  }

  private latest(): number | undefined {
    let latest: number | undefined;
    for (const { time, seenAt } of this.latestOf.values()) {
      if (this.lastSeenAt - seenAt > STALE_MS) continue;
      if (latest === undefined || timestampDelta(latest, time) > 0) latest = time;
    }
    return latest;
  }
}
