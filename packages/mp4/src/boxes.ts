import { MalformedMp4 } from "./errors.ts";

/** One ISO BMFF box (ISO/IEC 14496-12) inside a larger buffer: its type, where it starts, its header and total size. */
export interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

/**
 * The size and header of the box at `at`, or undefined when fewer bytes than its header are there.
 * A size of 0 ("to the end of the file") cannot be followed in a stream and is refused.
 */
export function boxHeader(bytes: Buffer, at: number, end = bytes.length): Omit<Box, "start"> | undefined {
  if (end - at < 8) return undefined;
  let size = bytes.readUInt32BE(at);
  const type = bytes.toString("latin1", at + 4, at + 8);
  let headerSize = 8;
  if (size === 1) {
    if (end - at < 16) return undefined;
    const large = bytes.readBigUInt64BE(at + 8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedMp4(`box ${type} is larger than this library handles`);
    size = Number(large);
    headerSize = 16;
  } else if (size === 0) {
    throw new MalformedMp4(`box ${type} has size 0 (to the end of the file), which a stream cannot follow`);
  }
  if (size < headerSize) throw new MalformedMp4(`box ${type} has size ${size}, less than its header`);
  return { type, headerSize, size };
}

/** The boxes of bytes[start, end), which must be whole boxes. */
export function children(bytes: Buffer, start = 0, end = bytes.length): Box[] {
  const boxes: Box[] = [];
  for (let at = start; at < end; ) {
    const header = boxHeader(bytes, at, end);
    if (!header || at + header.size > end) throw new MalformedMp4(`a box at ${at} overruns its parent (ends at ${end})`);
    boxes.push({ ...header, start: at });
    at += header.size;
  }
  return boxes;
}

export const payloadOf = (bytes: Buffer, box: Box) => bytes.subarray(box.start + box.headerSize, box.start + box.size);
export const childrenOf = (bytes: Buffer, box: Box, skip = 0) => children(bytes, box.start + box.headerSize + skip, box.start + box.size);
export const find = (boxes: Box[], type: string) => boxes.find((box) => box.type === type);

export function only(boxes: Box[], type: string, where: string): Box {
  const box = find(boxes, type);
  if (!box) throw new MalformedMp4(`${where} has no ${type}`);
  return box;
}

/** A full box's version and flags. */
export function versionAndFlags(bytes: Buffer, box: Box): { version: number; flags: number } {
  if (box.size - box.headerSize < 4) throw new MalformedMp4(`${box.type} is too short for a full box`);
  const word = bytes.readUInt32BE(box.start + box.headerSize);
  return { version: word >>> 24, flags: word & 0xffffff };
}

/** A box of the given type around the given payload parts (a 32-bit size). */
export function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const header = Buffer.allocUnsafe(8); // small allocations come from Node's pool
  header.writeUInt32BE(size);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, ...parts], size);
}

export function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const word = Buffer.allocUnsafe(4);
  word.writeUInt32BE(((version << 24) | flags) >>> 0);
  return box(type, word, ...parts);
}

/** `source` with a new payload (and type): a header of its size, widened to 64 bits only when 32 no longer hold the size. */
export function rebuilt(source: Box, payload: Buffer[], type = source.type): Buffer {
  const length = payload.reduce((sum, part) => sum + part.length, 0);
  if (source.headerSize === 8 && length + 8 <= 0xffffffff) return box(type, ...payload);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1);
  header.write(type, 4, "latin1");
  header.writeBigUInt64BE(BigInt(length + 16), 8);
  return Buffer.concat([header, ...payload]);
}

export const uint32 = (value: number) => {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
};
