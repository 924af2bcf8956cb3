import { createDecipheriv, randomBytes } from "node:crypto";
import { parse, types } from "hls-parser";
import { describe, expect, it } from "vitest";
import { encryptedMediaPlaylist, encryptSegment, type SegmentEncryption, segmentIv } from "./hls-aes.ts";

const SOURCE = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:18:17.800+0000
seg_00007.ts
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:18:19.800+0000
seg_00008.ts
#EXT-X-DISCONTINUITY
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:18:21.800+0000
seg_00009.ts
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:18:23.800+0000
seg_00010.ts
#EXT-X-ENDLIST
`;

const KID_A = "0123456789abcdef0123456789abcdef";
const KID_B = "fedcba9876543210fedcba9876543210";
const published = (entries: [number, string][]) =>
  new Map<number, SegmentEncryption>(entries.map(([sequence, kid]) => [sequence, { kid, iv: segmentIv(sequence) }]));
const mediaPlaylist = (text: string) => parse(text) as types.MediaPlaylist;

describe("HLS AES-128", () => {
  it("encrypts a segment in AES-128-CBC with PKCS7 padding, which the key and IV undo", () => {
    // prepare
    const key = { kid: KID_A, key: randomBytes(16) };
    const clear = randomBytes(188 * 7);
    const iv = segmentIv(42);
    // act
    const encrypted = encryptSegment(clear, key, iv);
    // assess
    expect(encrypted.length).toBe(clear.length + 16 - (clear.length % 16));
    const decipher = createDecipheriv("aes-128-cbc", key.key, iv);
    expect(Buffer.concat([decipher.update(encrypted), decipher.final()]).equals(clear)).toBe(true);
  });

  it("writes the media sequence number as the IV, big-endian on 16 bytes", () => {
    expect(segmentIv(0x0102).toString("hex")).toBe("00000000000000000000000000000102");
  });

  it("lists only published segments, each under the key tag of its key and IV", () => {
    // act
    const text = encryptedMediaPlaylist(SOURCE, published([[7, KID_A], [8, KID_A], [9, KID_B]]))!;
    // assess
    const playlist = mediaPlaylist(text);
    expect(playlist.segments.map(({ uri }) => uri)).toEqual(["seg_00007.ts", "seg_00008.ts", "seg_00009.ts"]);
    expect(playlist.endlist).toBe(false);
    expect(playlist.mediaSequenceBase).toBe(7);
    expect(playlist.segments[2]!.discontinuity).toBe(true);
    expect(text.match(/#EXT-X-KEY:/g)).toHaveLength(3);
    expect(text).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="../keys/${KID_B}",IV=0x00000000000000000000000000000009`);
    expect(playlist.segments[0]!.programDateTime?.toISOString()).toBe("2026-12-06T10:18:17.800Z");
  });

  it("ends the playlist once every segment is published", () => {
    const text = encryptedMediaPlaylist(SOURCE, published([[7, KID_A], [8, KID_A], [9, KID_B], [10, KID_B]]))!;
    expect(mediaPlaylist(text).endlist).toBe(true);
  });

  it("starts after segments that were lost, and publishes nothing before the first segment is", () => {
    const text = encryptedMediaPlaylist(SOURCE, published([[9, KID_B], [10, KID_B]]))!;
    const playlist = mediaPlaylist(text);
    expect(playlist.mediaSequenceBase).toBe(9);
    expect(playlist.segments.map(({ uri }) => uri)).toEqual(["seg_00009.ts", "seg_00010.ts"]);
    expect(encryptedMediaPlaylist(SOURCE, published([]))).toBeUndefined();
  });
});
