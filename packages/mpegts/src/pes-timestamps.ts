import { PACKET_SIZE, payloadUnitStart, pidOf, readPes, SYNC_BYTE, timestampDelta } from "./packets.ts";

export interface PidTimestamps {
  /** PTS (90 kHz) of the first PES that starts in the bytes. */
  first: number;
  /** PTS (90 kHz) of the last PES that starts in the bytes. */
  last: number;
}

const isMedia = (streamId: number) => (streamId >= 0xc0 && streamId <= 0xef) || streamId === 0xbd;

/**
 * The first and last presentation times of every audio and video PID that starts a PES in `bytes` (whole packets from
 * a packet boundary, e.g. the head or the tail of a segment file). Packets that are not whole or not in sync are skipped.
 */
export function pesTimestamps(bytes: Buffer): Map<number, PidTimestamps> {
  const found = new Map<number, PidTimestamps>();
  for (let at = 0; at + PACKET_SIZE <= bytes.length; at += PACKET_SIZE) {
    const packet = bytes.subarray(at, at + PACKET_SIZE);
    if (packet[0] !== SYNC_BYTE || !payloadUnitStart(packet)) continue;
    const pes = readPes(packet);
    if (pes?.pts === undefined || !isMedia(pes.streamId)) continue;
    const pid = pidOf(packet);
    const known = found.get(pid);
    if (!known) found.set(pid, { first: pes.pts, last: pes.pts });
    else if (timestampDelta(known.last, pes.pts) > 0) known.last = pes.pts;
    else if (timestampDelta(known.first, pes.pts) < 0) known.first = pes.pts;
  }
  return found;
}
