import { PACKET_SIZE, payloadUnitStart, pidOf, readPes, SYNC_BYTE, TIMESTAMP_WRAP, timestampDelta } from "@visionstream/mpegts";
import type { MediaClock } from "./media-clock.ts";

/** The 90 kHz ticks of MPEG-TS timestamps in a millisecond. */
const TICKS_PER_MS = 90;
const isAudioOrVideo = (streamId: number) => (streamId & 0xe0) === 0xc0 || (streamId & 0xf0) === 0xe0;

/** What one chunk of MPEG-TS told of the publisher's clock. */
export interface TsClockReading {
  /** A timestamp was in it. */
  timed: boolean;
  /** The most that one stream's timestamps jumped forward within it, or from the chunk before (0 when none), in ms. */
  skippedMs: number;
}

/**
 * The publisher's clock in MPEG-TS as it arrives, in chunks that need not hold whole packets (srt-live-transmit's
 * reads): the later of the latest decoding times (or presentation times, where a PES carries no other) of its audio and
 * video streams. Each stream's latest is the one it carried last, not the largest, so that an encoder that starts
 * again (its times going back) is seen as such. A stream's times that jump forward tell media that never arrived
 * (datagrams lost before we read them).
 */
export class TsMediaClock {
  /** The start of a packet that the last chunk cut off. */
  private carry: Buffer | undefined;
  private readonly latestOf = new Map<number, number>();

  read(chunk: Buffer): TsClockReading {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    const reading: TsClockReading = { timed: false, skippedMs: 0 };
    let at = 0;
    while (at + PACKET_SIZE <= bytes.length) {
      // Out of step (bytes lost, or a stream that does not start on a packet): on to the next sync byte.
      if (bytes[at] !== SYNC_BYTE) {
        at = bytes.indexOf(SYNC_BYTE, at + 1);
        if (at < 0) return reading;
        continue;
      }
      const packet = bytes.subarray(at, at + PACKET_SIZE);
      at += PACKET_SIZE;
      if (!payloadUnitStart(packet)) continue;
      const pes = readPes(packet);
      const time = pes?.dts ?? pes?.pts;
      if (!pes || time === undefined || !isAudioOrVideo(pes.streamId)) continue;
      const pid = pidOf(packet);
      const previous = this.latestOf.get(pid);
      if (previous !== undefined) reading.skippedMs = Math.max(reading.skippedMs, timestampDelta(previous, time) / TICKS_PER_MS);
      this.latestOf.set(pid, time);
      reading.timed = true;
    }
    if (at < bytes.length) this.carry = Buffer.from(bytes.subarray(at));
    return reading;
  }

  /** The clock as of the last timestamp read, counted in `source`; undefined before any. */
  clock(source: string): MediaClock | undefined {
    let latest: number | undefined;
    for (const time of this.latestOf.values()) if (latest === undefined || timestampDelta(latest, time) > 0) latest = time;
    return latest === undefined ? undefined : { source, ms: latest / TICKS_PER_MS, wrapMs: TIMESTAMP_WRAP / TICKS_PER_MS };
  }
}
