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
 * The source media playlist as viewers get it: only the segments already published, each behind the EXT-X-KEY of its
 * key and IV. A segment that was lost (gone before it was read) cuts the playlist: it starts after it.
 * Undefined when no segment is published yet.
 */
export function encryptedMediaPlaylist(source: string, published: ReadonlyMap<number, SegmentEncryption>): string | undefined {
  parseMediaPlaylist(source); // the engine's own checks: a media playlist, read whole
  const playlist = parse(source) as types.MediaPlaylist;
  const kept: types.Segment[] = [];
  for (const segment of playlist.segments) {
    if (segment.uri === "") break;
    const encryption = published.get(segment.mediaSequenceNumber);
    if (!encryption) {
      if (kept.length > 0) break;
      continue;
    }
    // hls-parser reads the IV by index, so a Buffer serves where its types say ArrayBuffer
    segment.key = new types.Key({ method: "AES-128", uri: keyUri(encryption.kid), iv: encryption.iv as unknown as ArrayBuffer });
    kept.push(segment);
  }
  const first = kept[0];
  if (!first) return undefined;
  const complete = kept.length === playlist.segments.length;
  playlist.endlist = playlist.endlist && complete;
  playlist.mediaSequenceBase = first.mediaSequenceNumber;
  playlist.discontinuitySequenceBase = first.discontinuitySequence;
  playlist.segments = kept;
  return `${stringify(playlist)}\n`;
}
