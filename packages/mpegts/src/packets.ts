/** MPEG-TS packet fields a relay reads and rewrites (ISO/IEC 13818-1). */
export const PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;
export const TIMESTAMP_WRAP = 2 ** 33;

export const pidOf = (packet: Buffer) => ((packet[1]! & 0x1f) << 8) | packet[2]!;
export const payloadUnitStart = (packet: Buffer) => (packet[1]! & 0x40) !== 0;
const hasAdaptation = (packet: Buffer) => (packet[3]! & 0x20) !== 0;
export const hasPayload = (packet: Buffer) => (packet[3]! & 0x10) !== 0;

export function setPid(packet: Buffer, pid: number) {
  packet[1] = (packet[1]! & 0xe0) | ((pid >> 8) & 0x1f);
  packet[2] = pid & 0xff;
}

export function setContinuity(packet: Buffer, counter: number) {
  packet[3] = (packet[3]! & 0xf0) | (counter & 0x0f);
}

/** Offset of the payload in the packet, or -1 when there is none. */
export function payloadOffset(packet: Buffer): number {
  if (!hasPayload(packet)) return -1;
  const offset = hasAdaptation(packet) ? 5 + packet[4]! : 4;
  return offset < PACKET_SIZE ? offset : -1;
}

export const randomAccess = (packet: Buffer) => hasAdaptation(packet) && packet[4]! > 0 && (packet[5]! & 0x40) !== 0;

const hasPcr = (packet: Buffer) => hasAdaptation(packet) && packet[4]! >= 7 && (packet[5]! & 0x10) !== 0;

/** The 33-bit PCR base (90 kHz), or undefined. */
export function readPcr(packet: Buffer): number | undefined {
  if (!hasPcr(packet)) return undefined;
  return packet[6]! * 2 ** 25 + packet[7]! * 2 ** 17 + packet[8]! * 2 ** 9 + packet[9]! * 2 + (packet[10]! >> 7);
}

export function writePcr(packet: Buffer, base: number) {
  packet[6] = Math.floor(base / 2 ** 25) & 0xff;
  packet[7] = Math.floor(base / 2 ** 17) & 0xff;
  packet[8] = Math.floor(base / 2 ** 9) & 0xff;
  packet[9] = Math.floor(base / 2) & 0xff;
  packet[10] = ((base & 1) << 7) | (packet[10]! & 0x7f);
}

function readTimestamp(packet: Buffer, at: number): number {
  return ((packet[at]! >> 1) & 0x07) * 2 ** 30 + packet[at + 1]! * 2 ** 22 + (packet[at + 2]! >> 1) * 2 ** 15 + packet[at + 3]! * 2 ** 7 + (packet[at + 4]! >> 1);
}

function writeTimestamp(packet: Buffer, at: number, value: number) {
  packet[at] = (packet[at]! & 0xf1) | ((Math.floor(value / 2 ** 30) & 0x07) << 1);
  packet[at + 1] = Math.floor(value / 2 ** 22) & 0xff;
  packet[at + 2] = ((Math.floor(value / 2 ** 15) & 0x7f) << 1) | 1;
  packet[at + 3] = Math.floor(value / 2 ** 7) & 0xff;
  packet[at + 4] = ((value & 0x7f) << 1) | 1;
}

export interface PesHeader {
  /** Where the PES header starts in the packet. */
  at: number;
  streamId: number;
  /** PES_packet_length: 0 when unbounded (video). */
  length: number;
  pts?: number;
  dts?: number;
  /** Where the elementary stream's bytes start in the packet. */
  dataAt: number;
}

/** The PES header at the start of a payload unit, when it is whole in this packet. */
export function readPes(packet: Buffer): PesHeader | undefined {
  const at = payloadOffset(packet);
  if (at < 0 || at + 9 > PACKET_SIZE || packet[at] !== 0 || packet[at + 1] !== 0 || packet[at + 2] !== 1) return undefined;
  const streamId = packet[at + 3]!;
  const length = (packet[at + 4]! << 8) | packet[at + 5]!;
  const flags = packet[at + 7]! >> 6;
  const dataAt = at + 9 + packet[at + 8]!;
  const header: PesHeader = { at, streamId, length, dataAt };
  if (flags & 0b10 && at + 14 <= PACKET_SIZE) header.pts = readTimestamp(packet, at + 9);
  if (flags === 0b11 && at + 19 <= PACKET_SIZE) header.dts = readTimestamp(packet, at + 14);
  return header;
}

export const wrap = (value: number) => ((value % TIMESTAMP_WRAP) + TIMESTAMP_WRAP) % TIMESTAMP_WRAP;
/** b - a on the 33-bit circle, in (-2^32, 2^32]. */
export function timestampDelta(a: number, b: number): number {
  const delta = wrap(b - a);
  return delta > TIMESTAMP_WRAP / 2 ? delta - TIMESTAMP_WRAP : delta;
}

/** Moves the packet's PCR and its PES header's PTS/DTS by `offset` (90 kHz). */
export function rebase(packet: Buffer, offset: number): PesHeader | undefined {
  const pcr = readPcr(packet);
  if (pcr !== undefined) writePcr(packet, wrap(pcr + offset));
  if (!payloadUnitStart(packet)) return undefined;
  const pes = readPes(packet);
  if (!pes) return undefined;
  if (pes.pts !== undefined) writeTimestamp(packet, pes.at + 9, (pes.pts = wrap(pes.pts + offset)));
  if (pes.dts !== undefined) writeTimestamp(packet, pes.at + 14, (pes.dts = wrap(pes.dts + offset)));
  return pes;
}
