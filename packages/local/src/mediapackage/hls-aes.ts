import { createCipheriv } from "node:crypto";
import { parse, stringify, types } from "hls-parser";
import type { ContentKey } from "@visionstream/core/keys/content-keys";
import { parseMediaPlaylist } from "../medialive/media-playlist.ts";

/** A segment's IV: its media sequence number as a 128-bit big-endian integer (the IV HLS implies when none is given). */
export function segmentIv(mediaSequence: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(mediaSequence), 8);
  return iv;
}

/** HLS AES-128: the whole segment in AES-128-CBC with PKCS7 padding (RFC 8216 section 5.2). */
export function encryptSegment(clear: Buffer, key: ContentKey, iv: Buffer): Buffer {
  const cipher = createCipheriv("aes-128-cbc", key.key, iv);
  return Buffer.concat([cipher.update(clear), cipher.final()]);
}

/** How one published segment is encrypted. */
export interface SegmentEncryption {
  kid: string;
  iv: Buffer;
}

/** Where a player asks for a key, relative to a rendition's playlist: live/<ch>/keys/<kid>. */
export const keyUri = (kid: string) => `../keys/${kid}`;

/**
 * The source media playlist as viewers get it: the segments already published, each behind the EXT-X-KEY of its key and
 * IV, from the first published one to the last. A segment lost between them (gone before it was read) stays listed as
 * an EXT-X-GAP, which players skip: the playlist goes on past it, with the same timeline and sequence numbers.
 * Undefined when no segment is published yet.
 */
export function encryptedMediaPlaylist(source: string, published: ReadonlyMap<number, SegmentEncryption>): string | undefined {
  parseMediaPlaylist(source); // the engine's own checks: a media playlist, read whole
  const playlist = parse(source) as types.MediaPlaylist;
  const listed = playlist.segments.filter((segment) => segment.uri !== "");
  const firstIndex = listed.findIndex((segment) => published.has(segment.mediaSequenceNumber));
  const lastIndex = listed.findLastIndex((segment) => published.has(segment.mediaSequenceNumber));
  if (firstIndex < 0) return undefined;
  const kept = listed.slice(firstIndex, lastIndex + 1);
  for (const segment of kept) {
    const encryption = published.get(segment.mediaSequenceNumber);
    // hls-parser reads the IV by index, so a Buffer serves where its types say ArrayBuffer
    if (encryption) segment.key = new types.Key({ method: "AES-128", uri: keyUri(encryption.kid), iv: encryption.iv as unknown as ArrayBuffer });
    else segment.gap = true;
  }
  const first = kept[0]!;
  playlist.endlist = playlist.endlist && kept.at(-1) === playlist.segments.at(-1);
  playlist.mediaSequenceBase = first.mediaSequenceNumber;
  playlist.discontinuitySequenceBase = first.discontinuitySequence;
  playlist.segments = kept;
  return `${stringify(playlist)}\n`;
}
