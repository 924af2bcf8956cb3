import { execFile } from "node:child_process";
import { createDecipheriv, randomBytes } from "node:crypto";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, types } from "hls-parser";
import { describe, expect, it } from "vitest";
import { launchChromium } from "../../testing/browser.ts";
import { encryptedMediaPlaylist, encryptSegment, type SegmentEncryption, segmentIv } from "./hls-aes.ts";

const run = promisify(execFile);

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

  it("lists a segment lost mid-window as a gap, keeping what follows, its sequence numbers and timeline", () => {
    // act
    const text = encryptedMediaPlaylist(SOURCE, published([[7, KID_A], [9, KID_B], [10, KID_B]]))!;
    // assess
    const playlist = mediaPlaylist(text);
    expect(playlist.segments.map(({ uri, gap }) => [uri, gap ?? false])).toEqual([
      ["seg_00007.ts", false],
      ["seg_00008.ts", true],
      ["seg_00009.ts", false],
      ["seg_00010.ts", false],
    ]);
    expect(playlist.segments.map(({ mediaSequenceNumber }) => mediaSequenceNumber)).toEqual([7, 8, 9, 10]);
    expect(playlist.segments[2]!.discontinuity).toBe(true);
    expect(playlist.endlist).toBe(true);
    expect(text.match(/#EXT-X-GAP/g)).toHaveLength(1);
    expect(text.match(/#EXT-X-KEY:/g)).toHaveLength(3);
  });

  it("lists no segment after the last one published: they are not there yet", () => {
    const playlist = mediaPlaylist(encryptedMediaPlaylist(SOURCE, published([[7, KID_A], [8, KID_A]]))!);
    expect(playlist.segments.map(({ uri }) => uri)).toEqual(["seg_00007.ts", "seg_00008.ts"]);
    expect(playlist.endlist).toBe(false);
  });

  it("starts after segments that were lost, and publishes nothing before the first segment is", () => {
    const text = encryptedMediaPlaylist(SOURCE, published([[9, KID_B], [10, KID_B]]))!;
    const playlist = mediaPlaylist(text);
    expect(playlist.mediaSequenceBase).toBe(9);
    expect(playlist.segments.map(({ uri }) => uri)).toEqual(["seg_00009.ts", "seg_00010.ts"]);
    expect(encryptedMediaPlaylist(SOURCE, published([]))).toBeUndefined();
  });
});

describe("HLS AES-128 with a lost segment, played by hls.js in Chromium", () => {
  it("plays on through the gap to the end", async () => {
    // prepare: six 1 s segments, each in AES-128, the third lost
    const dir = await mkdtemp(join(tmpdir(), "hls-gap-"));
    // The page and hls.js from here; the playlist, segments and key through the page's routes.
    const server = createServer((request, response) => {
      if (request.url === "/hls.js") {
        return void readFile(join(process.cwd(), "node_modules/hls.js/dist/hls.min.js")).then((body) =>
          response.writeHead(200, { "content-type": "text/javascript" }).end(body),
        );
      }
      response.writeHead(200, { "content-type": "text/html" }).end('<video muted playsinline></video><script src="/hls.js"></script>');
    });
    const browser = await launchChromium();
    try {
      await run("ffmpeg", [
        "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=6", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", "-hls_playlist_type", "vod", "-start_number", "1",
        "-hls_segment_filename", join(dir, "seg_%05d.ts"), join(dir, "source.m3u8"),
      ]);
      const key = { kid: KID_A, key: randomBytes(16) };
      const source = await readFile(join(dir, "source.m3u8"), "utf8");
      const segments = (parse(source) as types.MediaPlaylist).segments;
      expect(segments).toHaveLength(6);
      const publishedSegments = new Map<number, SegmentEncryption>();
      for (const segment of segments) {
        if (segment.mediaSequenceNumber === 3) continue;
        const iv = segmentIv(segment.mediaSequenceNumber);
        await writeFile(join(dir, segment.uri), encryptSegment(await readFile(join(dir, segment.uri)), key, iv));
        publishedSegments.set(segment.mediaSequenceNumber, { kid: key.kid, iv });
      }
      await rm(join(dir, "seg_00003.ts"));
      const playlist = encryptedMediaPlaylist(source, publishedSegments)!;
      expect(playlist).toContain("#EXT-X-GAP");
      await writeFile(join(dir, "index.m3u8"), playlist);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const page = await browser.newPage();
      const requested: string[] = [];
      // the key URI ../keys/<kid> of /media/index.m3u8
      await page.route(`${origin}/keys/${KID_A}`, (route) => route.fulfill({ status: 200, body: key.key }));
      await page.route(`${origin}/media/**`, async (route) => {
        const name = new URL(route.request().url()).pathname.slice("/media/".length);
        requested.push(name);
        const body = await readFile(join(dir, name)).catch(() => undefined);
        await (body ? route.fulfill({ status: 200, body }) : route.fulfill({ status: 404 }));
      });
      await page.goto(`${origin}/page.html`);
      // act
      const outcome = await page.evaluate(
        (url) =>
          new Promise<{ outcome: string; errors: string[]; stalledMs: number }>((resolve) => {
            const video = document.querySelector("video")!;
            const w = window as unknown as Record<string, any>;
            const errors: string[] = [];
            const at = new Map<string, number>();
            const done = (outcome: string) =>
              resolve({ outcome, errors, stalledMs: (at.get("bufferSeekOverHole") ?? Infinity) - (at.get("bufferStalledError") ?? 0) });
            setTimeout(() => done(`timed out at ${video.currentTime} s`), 25_000);
            video.addEventListener("timeupdate", () => video.currentTime >= 5 && done("played"));
            const hls = new w.Hls({});
            hls.on(w.Hls.Events.ERROR, (_: unknown, data: { fatal: boolean; details: string }) => {
              errors.push(data.details);
              if (!at.has(data.details)) at.set(data.details, performance.now());
              if (data.fatal) done(`hls.js: ${data.details}`);
            });
            hls.loadSource(url);
            hls.attachMedia(video);
            void video.play().catch(() => {});
          }),
        `${origin}/media/index.m3u8`,
      );
      // assess
      // hls.js skips the gap: a short stall at its start, then a seek over it; nothing fatal, nothing else
      expect(outcome.outcome).toBe("played");
      expect(new Set(outcome.errors)).toEqual(new Set(["fragGap", "bufferStalledError", "bufferSeekOverHole"]));
      expect(outcome.stalledMs).toBeLessThan(2_000);
      expect(requested).toContain("seg_00004.ts");
      expect(requested).not.toContain("seg_00003.ts");
      await page.close();
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
