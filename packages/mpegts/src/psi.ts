import { PACKET_SIZE, payloadOffset, payloadUnitStart, SYNC_BYTE } from "./packets.ts";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    table[i] = crc >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc >>> 0;
}

/** One PSI section in one packet (PAT and PMT of a single program fit). */
export function psiPacket(pid: number, section: Buffer, counter: number): Buffer {
  const packet = Buffer.alloc(PACKET_SIZE, 0xff);
  packet[0] = SYNC_BYTE;
  packet[1] = 0x40 | ((pid >> 8) & 0x1f);
  packet[2] = pid & 0xff;
  packet[3] = 0x10 | (counter & 0x0f);
  packet[4] = 0;
  section.copy(packet, 5);
  return packet;
}

function withCrc(section: Buffer): Buffer {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(section));
  return Buffer.concat([section, crc]);
}

export function patSection(programNumber: number, pmtPid: number, version: number): Buffer {
  const body = Buffer.from([0x00, 0xb0, 13, 0x00, 0x01, 0xc1 | ((version & 0x1f) << 1), 0, 0, programNumber >> 8, programNumber & 0xff, 0xe0 | (pmtPid >> 8), pmtPid & 0xff]);
  return withCrc(body);
}

export interface PmtStream {
  pid: number;
  streamType: number;
  descriptors: Buffer;
}

export function pmtSection(programNumber: number, pcrPid: number, streams: PmtStream[], version: number): Buffer {
  const entries = Buffer.concat(
    streams.map((stream) =>
      Buffer.concat([
        Buffer.from([stream.streamType, 0xe0 | (stream.pid >> 8), stream.pid & 0xff, 0xf0 | (stream.descriptors.length >> 8), stream.descriptors.length & 0xff]),
        stream.descriptors,
      ]),
    ),
  );
  const sectionLength = 9 + entries.length + 4;
  const head = Buffer.from([
    0x02,
    0xb0 | (sectionLength >> 8),
    sectionLength & 0xff,
    programNumber >> 8,
    programNumber & 0xff,
    0xc1 | ((version & 0x1f) << 1),
    0,
    0,
    0xe0 | (pcrPid >> 8),
    pcrPid & 0xff,
    0xf0,
    0,
  ]);
  return withCrc(Buffer.concat([head, entries]));
}

/** The section a PSI packet starts, or undefined when it starts none. */
export function psiSection(packet: Buffer): Buffer | undefined {
  if (!payloadUnitStart(packet)) return undefined;
  const at = payloadOffset(packet);
  if (at < 0) return undefined;
  const start = at + 1 + packet[at]!;
  if (start + 3 > PACKET_SIZE) return undefined;
  const length = ((packet[start + 1]! & 0x0f) << 8) | packet[start + 2]!;
  if (start + 3 + length > PACKET_SIZE) return undefined;
  return packet.subarray(start, start + 3 + length);
}

export const VIDEO_STREAM_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24]);
export const AUDIO_STREAM_TYPES = new Set([0x03, 0x04, 0x0f, 0x11, 0x81, 0x87]);
