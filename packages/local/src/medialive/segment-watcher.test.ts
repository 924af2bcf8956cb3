import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../testing/runtime.ts";
import { flvInput } from "./ladder-args.ts";
import { parseMediaPlaylist } from "./media-playlist.ts";
import { type RecordedSegment, type SegmentWatcher, watchSegments } from "./segment-watcher.ts";
import { pushFlv } from "../../testing/medialive.ts";
import { startTranscoder } from "./transcoder.ts";

const RENDITIONS = DEFAULT_LADDER.renditions.map(({ name }) => name);
const FLV_ON_STDIN = flvInput();

describe("segment watcher across a transcoder restart", () => {
  let root: string;
  let liveDir: string;
  let bucketDir: string;
  let watcher: SegmentWatcher;
  const reported: RecordedSegment[] = [];
  const errors: unknown[] = [];
  let firstRunLast = 0;
  let secondRunStart = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "visionstream-watcher-"));
    bucketDir = join(root, "bucket");
    liveDir = join(bucketDir, "live", "ch1");
    watcher = watchSegments({
      liveDir,
      bucketDir,
      channelId: "ch1",
      sessionId: "s1",
      renditions: RENDITIONS,
      onSegment: (segment) => void reported.push(segment),
      onError: (error) => void errors.push(error),
    });

    const camera = pushFlv({ seconds: 30, realtime: true });
    const first = startTranscoder({
      ladder: DEFAULT_LADDER, input: FLV_ON_STDIN, stdin: camera.stdout ?? undefined,
      liveDir, startNumber: 1, discontinuity: false, preset: "ultrafast",
    });
    await eventually(async () => (reported.length >= 2 * RENDITIONS.length ? true : undefined), { timeoutMs: 20_000 });
    await first.stop();
    camera.kill("SIGKILL");
    expect((await first.exited).code).toBe(0);
    await watcher.scan();
    firstRunLast = watcher.lastSequence();

    secondRunStart = firstRunLast + 1;
    const second = startTranscoder({
      ladder: DEFAULT_LADDER, input: FLV_ON_STDIN, stdin: pushFlv({ seconds: 5, realtime: true }).stdout ?? undefined,
      liveDir, startNumber: secondRunStart, discontinuity: true, preset: "ultrafast",
    });
    expect((await second.exited).code).toBe(0);
    await watcher.close();
  }, 60_000);

  afterAll(() => rm(root, { recursive: true, force: true }));

  it("records every segment of every rendition once, in order, numbering on across the restart", () => {
    expect(errors).toEqual([]);
    expect(firstRunLast).toBeGreaterThanOrEqual(2);
    for (const rendition of RENDITIONS) {
      const sequences = reported.filter((segment) => segment.rendition === rendition).map(({ sequence }) => sequence);
      expect(sequences.length).toBeGreaterThanOrEqual(firstRunLast + 2);
      expect(sequences).toEqual(sequences.map((_, index) => index + 1));
    }
    expect(watcher.lastSequence()).toBeGreaterThan(firstRunLast + 1);
  });

  it("marks the first segment of the second run, and only it, as a discontinuity", async () => {
    for (const rendition of RENDITIONS) {
      const discontinuous = reported.filter((segment) => segment.rendition === rendition && segment.discontinuity);
      expect(discontinuous.map(({ sequence }) => sequence)).toEqual([secondRunStart]);

      const live = parseMediaPlaylist(await readFile(join(liveDir, rendition, "index.m3u8"), "utf8"));
      expect(live.segments[0]).toMatchObject({ uri: `seg_${String(secondRunStart).padStart(5, "0")}.ts`, discontinuity: true });
      expect(live.mediaSequence).toBe(secondRunStart);
    }
  });

  it("gives each segment its bucket key, size, MD5 etag, duration and wall-clock time", async () => {
    for (const segment of reported) {
      const name = `seg_${String(segment.sequence).padStart(5, "0")}.ts`;
      expect(segment.key).toBe(`recordings/ch1/s1/${segment.rendition}/${name}`);
      const recorded = join(bucketDir, segment.key);
      const bytes = await readFile(recorded);
      expect(segment.size).toBe(bytes.length);
      expect(segment.etag).toBe(createHash("md5").update(bytes).digest("hex"));
      expect(segment.durationSeconds).toBeGreaterThan(0);
      expect(segment.durationSeconds).toBeLessThanOrEqual(2.1);
      expect(Date.parse(segment.programDateTime ?? "")).toBeGreaterThan(Date.now() - 120_000);

      const live = await stat(join(liveDir, segment.rendition, name)).catch(() => undefined);
      if (live) expect(live.ino).toBe((await stat(recorded)).ino);
    }
  });
});

describe("segment watcher and a transcoder stopped before its first picture", () => {
  it("does not record the empty segment it lists, and numbers on after it", async () => {
    const root = await mkdtemp(join(tmpdir(), "visionstream-watcher-empty-"));
    try {
      const liveDir = join(root, "bucket", "live", "ch1");
      await mkdir(join(liveDir, "360p"), { recursive: true });
      await writeFile(join(liveDir, "360p", "seg_00001.ts"), "segment");
      await writeFile(join(liveDir, "360p", "seg_00002.ts"), "");
      // As ffmpeg leaves it, interrupted before it had encoded anything.
      await writeFile(join(liveDir, "360p", "index.m3u8"), "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.000000,\nseg_00001.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:0.000000,\nseg_00002.ts\n#EXT-X-ENDLIST\n");
      const reported: RecordedSegment[] = [];
      const watcher = watchSegments({ liveDir, bucketDir: join(root, "bucket"), channelId: "ch1", sessionId: "s1", renditions: ["360p"], onSegment: (segment) => void reported.push(segment) });
      await watcher.close();

      expect(reported.map(({ sequence }) => sequence)).toEqual([1]);
      expect(await stat(join(root, "bucket", "recordings", "ch1", "s1", "360p", "seg_00002.ts")).catch(() => undefined)).toBeUndefined();
      expect(watcher.lastSequence()).toBe(2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("segment watcher keeping the live playlists", () => {
  it("puts back the last readable playlist over an empty one (what ffmpeg leaves out of space), and leaves a readable one alone", async () => {
    const root = await mkdtemp(join(tmpdir(), "visionstream-watcher-keep-"));
    try {
      const liveDir = join(root, "bucket", "live", "ch1");
      const playlistOf = (rendition: string) => join(liveDir, rendition, "index.m3u8");
      const listing = (sequence: number) => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${sequence}\n#EXTINF:2.000000,\nseg_${String(sequence).padStart(5, "0")}.ts\n`;
      for (const rendition of ["360p", "180p"]) {
        await mkdir(join(liveDir, rendition), { recursive: true });
        await writeFile(join(liveDir, rendition, "seg_00001.ts"), "segment");
        await writeFile(playlistOf(rendition), listing(1));
      }
      const watcher = watchSegments({ liveDir, bucketDir: join(root, "bucket"), channelId: "ch1", sessionId: "s1", renditions: ["360p", "180p"], keepPlaylists: true, onSegment: () => undefined });
      await watcher.scan();
      await writeFile(`${playlistOf("360p")}.tmp`, "");
      await rename(`${playlistOf("360p")}.tmp`, playlistOf("360p"));

      await watcher.restorePlaylists();
      await watcher.close();

      expect(await readFile(playlistOf("360p"), "utf8")).toBe(listing(1));
      expect(await readFile(playlistOf("180p"), "utf8")).toBe(listing(1));
      expect(watcher.lastSequence()).toBe(1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
