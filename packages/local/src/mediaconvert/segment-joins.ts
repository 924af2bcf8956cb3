import { open } from "node:fs/promises";
import { PACKET_SIZE, type PidTimestamps, pesTimestamps, timestampDelta } from "@visionstream/mpegts";

/** Read in steps of this much from each end until every stream has started a PES there, up to MAX_END_BYTES. */
const STEP_BYTES = 256 * PACKET_SIZE;
const MAX_END_BYTES = 8192 * PACKET_SIZE;
/** Longer than any audio or video frame, far shorter than a segment: the next segment picks up where this one ends. */
const CONTINUOUS_TICKS = 0.2 * 90_000;
const FILES_AT_ONCE = 32;

interface SegmentEnds {
  /** The segment's start as ffmpeg reads it: the earliest first PTS of its streams. */
  start: number | undefined;
  head: Map<number, PidTimestamps>;
  tail: Map<number, PidTimestamps>;
}

async function segmentEnds(path: string): Promise<SegmentEnds> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const read = async (from: number, length: number) => {
      const bytes = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(bytes, 0, length, from);
      return pesTimestamps(bytes.subarray(0, bytesRead));
    };
    // Both kinds of stream (a picture and a sound) when the segment has them; a segment of one kind reads to the cap.
    const whole = (found: Map<number, PidTimestamps>, wanted: number) => found.size >= wanted;
    let head = new Map<number, PidTimestamps>();
    for (let length = STEP_BYTES; ; length += STEP_BYTES) {
      head = await read(0, Math.min(length, size));
      if (whole(head, 2) || length >= Math.min(size, MAX_END_BYTES)) break;
    }
    let tail = new Map<number, PidTimestamps>();
    for (let length = STEP_BYTES; ; length += STEP_BYTES) {
      const from = Math.max(0, Math.floor((size - length) / PACKET_SIZE) * PACKET_SIZE);
      tail = await read(from, size - from);
      if (whole(tail, head.size) || from === 0 || length >= MAX_END_BYTES) break;
    }
    let start: number | undefined;
    for (const { first } of head.values()) if (start === undefined || timestampDelta(start, first) < 0) start = first;
    return { start, head, tail };
  } finally {
    await file.close();
  }
}

/** Whether every stream of `next` starts within a frame or so after the same stream of `segment` ended. */
function continues(segment: SegmentEnds, next: SegmentEnds): boolean {
  if (segment.tail.size === 0 || next.head.size === 0) return false;
  for (const [pid, { last }] of segment.tail) {
    const following = next.head.get(pid);
    if (!following) return false;
    const step = timestampDelta(last, following.first);
    if (step <= 0 || step > CONTINUOUS_TICKS) return false;
  }
  return true;
}

/**
 * How long each segment lasts on the timeline of the encoder that wrote it (seconds), where the next segment continues
 * it; undefined at the last segment and where the encoder restarted. ffmpeg's concat demuxer otherwise places each file
 * after the previous one by the span of all its streams, and a segment's sound runs a few milliseconds past its last
 * picture: 5–16 ms more per 2 s segment, 13 s too long over an hour. With these durations, one encoder run keeps its own
 * timestamps in the MP4, and only a restart is closed up as before.
 */
export async function continuousDurations(paths: readonly string[]): Promise<Array<number | undefined>> {
  const ends: SegmentEnds[] = [];
  for (let from = 0; from < paths.length; from += FILES_AT_ONCE) ends.push(...(await Promise.all(paths.slice(from, from + FILES_AT_ONCE).map(segmentEnds))));
  return ends.map((segment, index) => {
    const next = ends[index + 1];
    if (!next || segment.start === undefined || next.start === undefined || !continues(segment, next)) return undefined;
    const ticks = timestampDelta(segment.start, next.start);
    return ticks > 0 ? ticks / 90_000 : undefined;
  });
}
