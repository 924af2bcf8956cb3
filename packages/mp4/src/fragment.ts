import { randomBytes } from "node:crypto";
import { type Box, boxHeader, children, childrenOf, fullBox, only, rebuilt, uint32, versionAndFlags } from "./boxes.ts";
import { MalformedMp4, TruncatedSegment, UnsupportedMp4 } from "./errors.ts";
import { type CencKey, checkKey, IV_SIZE } from "./keys.ts";
import { encryptSample, nextIv, type Subsample } from "./samples.ts";
import { checkProtectable, readTracks, type Track } from "./tracks.ts";

export interface EncryptorOptions {
  /** the first sample's IV (8 bytes); random by default. Each further sample takes the next value. */
  firstIv?: Buffer;
}

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000;
const TRUN_DATA_OFFSET = 0x1;
const SENC_USE_SUBSAMPLES = 0x2;
const ENCRYPTION_BOXES = new Set(["senc", "saiz", "saio"]);
/** More samples than any fragment has: a trun without per-sample fields could claim billions. */
const MAX_SAMPLES = 1 << 20;

interface Run {
  /** where trun's data_offset is, from the start of its traf */
  dataOffsetAt: number;
  dataOffset: number;
  sizes: number[];
}

/** tfhd and trun of one traf: its track, the default sample size, the runs of sample data. */
function readTraf(moof: Buffer, traf: Box, tracks: Map<number, Track>, single: boolean): { track: Track; runs: Run[] } {
  const inTraf = childrenOf(moof, traf);
  if (inTraf.some((child) => ENCRYPTION_BOXES.has(child.type))) throw new UnsupportedMp4("the fragment is encrypted already");
  const tfhd = only(inTraf, "tfhd", "traf");
  const { flags } = versionAndFlags(moof, tfhd);
  const at = tfhd.start + tfhd.headerSize;
  const fields = [0x1, 0x2, 0x8, 0x10, 0x20].map((flag): number => (flags & flag ? (flag === 0x1 ? 8 : 4) : 0));
  if (tfhd.size - tfhd.headerSize < 8 + fields.reduce((sum: number, size) => sum + size, 0)) throw new MalformedMp4("tfhd is too short");
  if (flags & TFHD_BASE_DATA_OFFSET) throw new UnsupportedMp4("tfhd with an explicit base data offset");
  // Without default-base-is-moof the base is the moof only for the first traf, and saio would need the rest.
  if (!(flags & TFHD_DEFAULT_BASE_IS_MOOF) && !single) throw new UnsupportedMp4("several trafs without default-base-is-moof");
  const trackId = moof.readUInt32BE(at + 4);
  const track = tracks.get(trackId);
  if (!track) throw new MalformedMp4(`a traf of track ${trackId}, which the init segment does not have`);
  const defaultSizeAt = at + 8 + fields[0]! + fields[1]! + fields[2]!;
  const defaultSize = flags & 0x10 ? moof.readUInt32BE(defaultSizeAt) : track.defaultSampleSize;
  const runs = inTraf
    .filter((child) => child.type === "trun")
    .map((trun): Run => {
      const { flags: runFlags } = versionAndFlags(moof, trun);
      const end = trun.start + trun.size;
      let cursor = trun.start + trun.headerSize + 4;
      if (!(runFlags & TRUN_DATA_OFFSET)) throw new UnsupportedMp4("trun without a data offset");
      if (end - cursor < 8) throw new MalformedMp4("trun is too short");
      const count = moof.readUInt32BE(cursor);
      const dataOffsetAt = cursor + 4;
      const dataOffset = moof.readInt32BE(dataOffsetAt);
      cursor += 8 + (runFlags & 0x4 ? 4 : 0);
      const entry = [0x100, 0x200, 0x400, 0x800].filter((flag) => runFlags & flag).length * 4;
      const sizeAt = runFlags & 0x100 ? 4 : 0;
      if (cursor + count * entry > end || count > MAX_SAMPLES) throw new MalformedMp4(`trun of ${count} samples overruns its box`);
      const sizes = Array.from({ length: count }, (_, i) => (runFlags & 0x200 ? moof.readUInt32BE(cursor + i * entry + sizeAt) : defaultSize));
      return { dataOffsetAt: dataOffsetAt - traf.start, dataOffset, sizes };
    });
  return { track, runs };
}

/** senc, saiz and saio of one traf's samples; saio's offset is filled in once the moof is laid out. */
function encryptionBoxes(ivs: Buffer[], subsamples: Array<Subsample[] | undefined>) {
  const withSubsamples = subsamples.some((list) => list !== undefined);
  const entries = ivs.map((iv, i) => {
    const list = subsamples[i];
    if (!withSubsamples || !list) return iv;
    const entry = Buffer.allocUnsafe(IV_SIZE + 2 + list.length * 6);
    iv.copy(entry);
    entry.writeUInt16BE(list.length, IV_SIZE);
    list.forEach((part, j) => {
      entry.writeUInt16BE(part.clear, IV_SIZE + 2 + j * 6);
      entry.writeUInt32BE(part.protected, IV_SIZE + 4 + j * 6);
    });
    return entry;
  });
  const senc = fullBox("senc", 0, withSubsamples ? SENC_USE_SUBSAMPLES : 0, uint32(entries.length), ...entries);
  const sizes = entries.map((entry) => entry.length);
  const uniform = sizes.every((size) => size === sizes[0]) && sizes[0]! <= 0xff;
  const saiz = uniform
    ? fullBox("saiz", 0, 0, Buffer.from([sizes[0]!]), uint32(sizes.length))
    : fullBox("saiz", 0, 0, Buffer.from([0]), uint32(sizes.length), Buffer.from(sizes.map((size) => Math.min(size, 0xff))));
  if (!uniform && sizes.some((size) => size > 0xff)) throw new UnsupportedMp4("a sample with more subsamples than saiz can size");
  const saio = fullBox("saio", 0, 0, uint32(1), uint32(0));
  return { senc, saiz, saio };
}

/**
 * Encrypts one moof and the mdat that follows it: the samples of every audio and video track in the mdat, and in
 * each of their trafs saiz, saio and senc (IVs, subsamples); trun data offsets follow the moof's growth.
 * The mdat is encrypted in place.
 */
function encryptFragment(moof: Buffer, mdat: Buffer, tracks: Map<number, Track>, key: Buffer, iv: Buffer): { bytes: Buffer[]; iv: Buffer } {
  const [root] = children(moof);
  const mdatHeader = boxHeader(mdat, 0)!.headerSize;
  const inMoof = childrenOf(moof, root!);
  const trafCount = inMoof.filter((child) => child.type === "traf").length;
  const parts: Buffer[] = [];
  const dataOffsets: number[] = [];
  const auxOffsets: Array<{ saio: number; firstIv: number }> = [];
  let position = root!.headerSize;
  for (const child of inMoof) {
    if (child.type !== "traf") {
      parts.push(moof.subarray(child.start, child.start + child.size));
      position += child.size;
      continue;
    }
    const { track, runs } = readTraf(moof, child, tracks, trafCount === 1);
    const ivs: Buffer[] = [];
    const subsamples: Array<Subsample[] | undefined> = [];
    for (const run of runs) {
      let at = run.dataOffset - moof.length;
      for (const size of run.sizes) {
        if (at < mdatHeader || at + size > mdat.length) throw new MalformedMp4("a sample lies outside the mdat that follows its moof");
        if (track.protection !== "clear") {
          subsamples.push(encryptSample(mdat.subarray(at, at + size), key, iv, track));
          ivs.push(iv);
          iv = nextIv(iv);
        }
        at += size;
      }
    }
    const original = moof.subarray(child.start + child.headerSize, child.start + child.size);
    dataOffsets.push(...runs.map((run) => position + run.dataOffsetAt));
    if (ivs.length === 0) {
      parts.push(moof.subarray(child.start, child.start + child.size));
      position += child.size;
      continue;
    }
    const { senc, saiz, saio } = encryptionBoxes(ivs, subsamples);
    const traf = rebuilt(child, [original, saiz, saio, senc]);
    const sencAt = position + traf.length - senc.length;
    auxOffsets.push({ saio: sencAt - saio.length + 16, firstIv: sencAt + 16 });
    parts.push(traf);
    position += traf.length;
  }
  const grown = rebuilt(root!, parts);
  const growth = grown.length - moof.length;
  for (const at of dataOffsets) grown.writeInt32BE(grown.readInt32BE(at) + growth, at);
  for (const { saio, firstIv } of auxOffsets) grown.writeUInt32BE(firstIv, saio);
  return { bytes: [grown, mdat], iv };
}

/** A sidx waiting for the fragments it indexes, whose sizes change. */
interface PendingIndex {
  sidx: Buffer;
  firstOffsetAt: number;
  referencesAt: number;
  gapLeft: number;
  gapOut: number;
  left: number[];
  out: number[];
  held: Buffer[];
}

function readIndex(sidx: Buffer): PendingIndex {
  const [root] = children(sidx);
  const { version } = versionAndFlags(sidx, root!);
  const firstOffsetAt = root!.headerSize + 4 + 8 + (version === 0 ? 4 : 8);
  const countAt = firstOffsetAt + (version === 0 ? 4 : 8) + 2;
  if (sidx.length < countAt + 2) throw new MalformedMp4("sidx is too short");
  const firstOffset = version === 0 ? sidx.readUInt32BE(firstOffsetAt) : Number(sidx.readBigUInt64BE(firstOffsetAt));
  const count = sidx.readUInt16BE(countAt);
  const referencesAt = countAt + 2;
  if (sidx.length < referencesAt + count * 12) throw new MalformedMp4("sidx references overrun the box");
  const sizes = Array.from({ length: count }, (_, i) => sidx.readUInt32BE(referencesAt + i * 12));
  if (sizes.some((word) => word & 0x80000000)) throw new UnsupportedMp4("a sidx that references another sidx");
  return { sidx, firstOffsetAt, referencesAt, gapLeft: firstOffset, gapOut: 0, left: sizes, out: sizes.map(() => 0), held: [] };
}

/** The sidx with its sizes as they are once encrypted. */
function finishIndex(index: PendingIndex, version: number): Buffer {
  const sidx = Buffer.from(index.sidx);
  if (version === 0) sidx.writeUInt32BE(index.gapOut, index.firstOffsetAt);
  else sidx.writeBigUInt64BE(BigInt(index.gapOut), index.firstOffsetAt);
  index.out.forEach((size, i) => {
    if (size > 0x7fffffff) throw new UnsupportedMp4("an encrypted subsegment larger than sidx can size");
    sidx.writeUInt32BE(size, index.referencesAt + i * 12);
  });
  return sidx;
}

/**
 * Encrypts one media segment of a fragmented MP4 (styp? sidx? (prft? moof mdat)+) as it arrives: `push` gives back
 * the encrypted boxes complete so far (each moof with its mdat, a sidx once the fragments it indexes are done),
 * `end` the rest, and throws if the segment stopped inside a box.
 */
export class FragmentEncryptor {
  readonly #tracks: Map<number, Track>;
  readonly #key: Buffer;
  #iv: Buffer;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #moof: Buffer | undefined;
  #index: { state: PendingIndex; version: number } | undefined;
  #failure: unknown;

  constructor(init: Buffer, key: CencKey, options: EncryptorOptions = {}) {
    checkKey(key);
    const tracks = readTracks(init);
    tracks.forEach(checkProtectable);
    this.#tracks = new Map(tracks.map((track) => [track.trackId, track]));
    this.#key = key.key;
    this.#iv = options.firstIv ? Buffer.from(options.firstIv) : randomBytes(IV_SIZE);
    if (this.#iv.length !== IV_SIZE) throw new RangeError(`an IV has ${IV_SIZE} bytes`);
  }

  push(chunk: Buffer): Buffer {
    if (this.#failure) throw this.#failure;
    if (chunk.length > 0) {
      // A copy: the caller may reuse its buffer, and the samples are encrypted in place.
      this.#pending.push(Buffer.from(chunk));
      this.#pendingLength += chunk.length;
    }
    const out: Buffer[] = [];
    try {
      for (let next = this.#nextBox(); next; next = this.#nextBox()) this.#take(next, out);
    } catch (error) {
      this.#failure = error; // the rest of a segment that went wrong is not encrypted either
      throw error;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  end(): Buffer {
    const rest = this.push(Buffer.alloc(0));
    if (this.#pendingLength > 0) this.#fail(new TruncatedSegment(`the segment ends inside a box (${this.#pendingLength} bytes left over)`));
    if (this.#moof) this.#fail(new TruncatedSegment("the segment ends with a moof and no mdat"));
    if (this.#index) this.#fail(new TruncatedSegment("the segment ends before the last fragment its sidx indexes"));
    return rest;
  }

  #fail(error: Error): never {
    this.#failure = error;
    throw error;
  }

  /** The next whole box of the input, or undefined until it has arrived. */
  #nextBox(): Buffer | undefined {
    if (this.#pendingLength < 8) return undefined;
    if (this.#pending[0]!.length < 16 && this.#pending.length > 1) this.#pending = [Buffer.concat(this.#pending)];
    const header = boxHeader(this.#pending[0]!, 0);
    if (!header || this.#pendingLength < header.size) return undefined;
    const whole = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const rest = whole.subarray(header.size);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingLength = rest.length;
    return whole.subarray(0, header.size);
  }

  #take(bytes: Buffer, out: Buffer[]) {
    const type = bytes.toString("latin1", 4, 8);
    if (this.#moof) {
      if (type !== "mdat") throw new MalformedMp4(`a moof is followed by ${type}, not its mdat`);
      const moof = this.#moof;
      this.#moof = undefined;
      const { bytes: encrypted, iv } = encryptFragment(moof, bytes, this.#tracks, this.#key, this.#iv);
      this.#iv = iv;
      this.#emit(encrypted, moof.length + bytes.length, out);
    } else if (type === "moof") {
      this.#moof = bytes;
    } else if (type === "mdat") {
      throw new MalformedMp4("an mdat without a moof before it");
    } else if (type === "sidx") {
      if (this.#index) throw new UnsupportedMp4("a sidx inside the range of another");
      const [root] = children(bytes);
      this.#index = { state: readIndex(bytes), version: versionAndFlags(bytes, root!).version };
      this.#settleIndex(out);
    } else {
      this.#emit([bytes], bytes.length, out);
    }
  }

  /** Passes encrypted boxes on, or holds them while a sidx waits for the sizes of the fragments it indexes. */
  #emit(parts: Buffer[], inputSize: number, out: Buffer[]) {
    const index = this.#index?.state;
    if (!index) {
      out.push(...parts);
      return;
    }
    index.held.push(...parts);
    const outputSize = parts.reduce((sum, part) => sum + part.length, 0);
    if (index.gapLeft > 0) {
      index.gapLeft -= inputSize;
      index.gapOut += outputSize;
      if (index.gapLeft < 0) throw new MalformedMp4("sidx's first offset falls inside a box");
    } else {
      const at = index.out.findIndex((_, i) => index.left[i]! > 0);
      if (at < 0) throw new MalformedMp4("sidx indexes nothing");
      index.left[at]! -= inputSize;
      index.out[at]! += outputSize;
      if (index.left[at]! < 0) throw new MalformedMp4("a sidx reference ends inside a box");
    }
    this.#settleIndex(out);
  }

  #settleIndex(out: Buffer[]) {
    const pending = this.#index;
    if (!pending || pending.state.gapLeft > 0 || pending.state.left.some((size) => size > 0)) return;
    this.#index = undefined;
    out.push(finishIndex(pending.state, pending.version), ...pending.state.held);
  }
}

/** The whole segment encrypted at once (what FragmentEncryptor gives for it). */
export function encryptSegment(init: Buffer, key: CencKey, segment: Buffer, options: EncryptorOptions = {}): Buffer {
  const encryptor = new FragmentEncryptor(init, key, options);
  const head = encryptor.push(segment);
  const rest = encryptor.end();
  return rest.length === 0 ? head : Buffer.concat([head, rest]);
}
