import { open } from "node:fs/promises";
import { PACKET_SIZE, type PidTimestamps, pesTimestamps, timestampDelta } from "@visionstream/mpegts";

/** Read in steps of this much from each end until every stream has started a PES there, up to MAX_END_BYTES. */
const STEP_BYTES = 256 * PACKET_SIZE;
const MAX_END_BYTES = 8192 * PACKET_SIZE;
/** Longer than any audio or video frame, far shorter than a segment: the next segment picks up where this one ends. */
const CONTINUOUS_TICKS = 0.2 * 90_000;
/** What a segment whose timestamps cannot be read is counted as, in seconds: longer than any segment we write. */
const UNREAD_SEGMENT_SECONDS = 10;
const FILES_AT_ONCE = 32;

interface SegmentEnds {
  /** The segment's start as ffmpeg reads it: the earliest first PTS of its streams. */
  start: number | undefined;
  /** The latest PTS of its streams. */
  end: number | undefined;
  head: Map<number, PidTimestamps>;
  tail: Map<number, PidTimestamps>;
}

/** The earliest and the latest of each PID's timestamps in both. */
function merged(into: Map<number, PidTimestamps>, more: Map<number, PidTimestamps>): Map<number, PidTimestamps> {
  for (const [pid, { first, last }] of more) {
    const known = into.get(pid);
    if (!known) into.set(pid, { first, last });
    else {
      if (timestampDelta(known.first, first) < 0) known.first = first;
      if (timestampDelta(known.last, last) > 0) known.last = last;
    }
  }
  return into;
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
    // Each step reads only the bytes the steps before it did not.
    const limit = Math.min(size, MAX_END_BYTES);
    const head = new Map<number, PidTimestamps>();
    for (let from = 0; from < limit && head.size < 2; from += STEP_BYTES) merged(head, await read(from, Math.min(STEP_BYTES, limit - from)));
    const tail = new Map<number, PidTimestamps>();
    const lowest = Math.max(0, Math.floor((size - MAX_END_BYTES) / PACKET_SIZE) * PACKET_SIZE);
    for (let to = size; to > lowest && tail.size < head.size; ) {
      const from = Math.max(lowest, Math.floor((to - STEP_BYTES) / PACKET_SIZE) * PACKET_SIZE);
      merged(tail, await read(from, to - from));
      to = from;
    }
    let start: number | undefined;
    for (const { first } of head.values()) if (start === undefined || timestampDelta(start, first) < 0) start = first;
    let end: number | undefined;
    for (const { last } of tail.values()) if (end === undefined || timestampDelta(end, last) > 0) end = last;
    return { start, end, head, tail };
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

/** ffmpeg's concatf protocol keeps every file of a stream open: a run is read in parts of at most this many segments. */
const SEGMENTS_PER_PART = 256;

export interface RunPart {
  /** Consecutive segments of one encoder run, read by ffmpeg as one MPEG-TS stream. */
  paths: string[];
  /** Where the next part continues this one: the seconds from this part's start to the next's, on the encoder's clock. */
  duration?: number;
}

export interface EncoderRuns {
  /** The segments in order, cut where the encoder restarted (or a segment's timestamps could not be read). */
  parts: RunPart[];
  /** At least the media's length in seconds: every segment's span, plus a frame each. */
  seconds: number;
}

/**
 * The segments cut into the runs of the encoder that wrote them: within a run each segment carries on the stream of the
 * one before it, so the run read as one MPEG-TS stream has the encoder's own timestamps. Joined file by file, ffmpeg's
 * concat demuxer probes every file again (most of a remux's CPU) and places each after the previous one by the span of
 * all its streams, where a segment's sound runs 5–16 ms past its last picture: 13 s too long over an hour. A long run
 * is read in parts, each placed at the next one's exact start; only the joins between runs (a reconnect) are left to the
 * concat demuxer, which closes them up.
 */
export async function encoderRuns(paths: readonly string[], segmentsPerPart = SEGMENTS_PER_PART): Promise<EncoderRuns> {
  const ends: SegmentEnds[] = [];
  for (let from = 0; from < paths.length; from += FILES_AT_ONCE) ends.push(...(await Promise.all(paths.slice(from, from + FILES_AT_ONCE).map(segmentEnds))));
  const parts: (RunPart & { start: number | undefined })[] = [];
  let seconds = 0;
  ends.forEach((segment, index) => {
    const path = paths[index]!;
    const previous = ends[index - 1];
    const part = parts.at(-1);
    if (part && previous && continues(previous, segment)) {
      if (part.paths.length < segmentsPerPart) part.paths.push(path);
      else {
        const ticks = part.start === undefined || segment.start === undefined ? 0 : timestampDelta(part.start, segment.start);
        if (ticks > 0) part.duration = ticks / 90_000;
        parts.push({ paths: [path], start: segment.start });
      }
    } else parts.push({ paths: [path], start: segment.start });
    const span = segment.start === undefined || segment.end === undefined ? undefined : timestampDelta(segment.start, segment.end);
    seconds += span === undefined || span < 0 ? UNREAD_SEGMENT_SECONDS : span / 90_000 + 0.1;
  });
  return { parts: parts.map(({ paths: partPaths, duration }) => (duration === undefined ? { paths: partPaths } : { paths: partPaths, duration })), seconds };
}
