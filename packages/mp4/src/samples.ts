import { createCipheriv } from "node:crypto";
import { MalformedMp4 } from "./errors.ts";
import { IV_SIZE } from "./keys.ts";
import type { Track } from "./tracks.ts";

/** One subsample of ISO/IEC 23001-7 7.2: clear bytes, then protected ones. */
export interface Subsample {
  clear: number;
  protected: number;
}

const MAX_CLEAR = 0xffff;
const BLOCK = 16;

/** The 16-byte AES-CTR counter block of a sample: its 8-byte IV, then a block counter from 0. */
function counterBlock(iv: Buffer): Buffer {
  const block = Buffer.allocUnsafe(BLOCK).fill(0, IV_SIZE);
  iv.copy(block, 0, 0, IV_SIZE);
  return block;
}

/** Whether a NAL unit carries a coded slice (VCL), the only kind that is encrypted. */
function isSlice(sample: Buffer, at: number, syntax: "avc" | "hevc"): boolean {
  if (syntax === "avc") {
    const type = sample[at]! & 0x1f;
    return type >= 1 && type <= 5;
  }
  return ((sample[at]! >> 1) & 0x3f) < 32;
}

/**
 * Encrypts one sample in place with AES-128-CTR under the 'cenc' scheme and returns its subsamples: for H.264/HEVC
 * each slice NAL unit keeps its length, its header and enough leading bytes clear that the protected part is whole
 * 16-byte blocks, other NAL units stay clear; audio (and anything else) is protected whole (no subsamples). The
 * counter runs on from one protected part to the next within the sample.
 */
export function encryptSample(sample: Buffer, key: Buffer, iv: Buffer, track: Track): Subsample[] | undefined {
  const cipher = createCipheriv("aes-128-ctr", key, counterBlock(iv));
  const protect = (start: number, end: number) => {
    cipher.update(sample.subarray(start, end)).copy(sample, start);
  };
  if (!track.nalSyntax || !track.nalLengthSize) {
    protect(0, sample.length);
    return undefined;
  }
  const lengthSize = track.nalLengthSize;
  const headerSize = track.nalSyntax === "avc" ? 1 : 2;
  const subsamples: Subsample[] = [];
  const add = (clear: number, protectedBytes: number) => {
    for (; clear > MAX_CLEAR; clear -= MAX_CLEAR) subsamples.push({ clear: MAX_CLEAR, protected: 0 });
    subsamples.push({ clear, protected: protectedBytes });
  };
  let clear = 0;
  for (let at = 0; at < sample.length; ) {
    if (at + lengthSize > sample.length) throw new MalformedMp4(`a NAL unit length overruns its sample (${sample.length} bytes)`);
    const end = at + lengthSize + sample.readUIntBE(at, lengthSize);
    if (end > sample.length) throw new MalformedMp4(`a NAL unit overruns its sample (${sample.length} bytes)`);
    const unit = end - at;
    const slice = unit >= lengthSize + headerSize && isSlice(sample, at + lengthSize, track.nalSyntax);
    const protectedBytes = slice ? Math.floor((unit - lengthSize - headerSize) / BLOCK) * BLOCK : 0;
    clear += unit - protectedBytes;
    if (protectedBytes > 0) {
      add(clear, protectedBytes);
      protect(end - protectedBytes, end);
      clear = 0;
    }
    at = end;
  }
  if (clear > 0 || subsamples.length === 0) add(clear, 0);
  return subsamples;
}

/** The next IV: the 8 bytes read as one big-endian counter, plus one. */
export function nextIv(iv: Buffer): Buffer {
  const next = Buffer.from(iv);
  for (let at = IV_SIZE - 1; at >= 0; at--) {
    next[at] = (next[at]! + 1) & 0xff;
    if (next[at] !== 0) break;
  }
  return next;
}
