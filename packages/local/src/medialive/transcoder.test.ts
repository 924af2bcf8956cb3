import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runningChildren } from "../child-processes.ts";
import { MASTER_PLAYLIST } from "./master-playlist.ts";
import { flvInput } from "./ladder-args.ts";
import { FellBehind } from "./media-queue.ts";
import { parseMediaPlaylist } from "./media-playlist.ts";
import {
  activePicture,
  audioBitrateKbps,
  durationSeconds,
  firstVideoPacketIsKeyframe,
  probeStreams,
  pushFlv,
  syntheticInputArgs,
} from "../../testing/medialive.ts";
import { type Transcoder, type TranscoderExit, type TranscoderOptions, startTranscoder } from "./transcoder.ts";

const FLV_ON_STDIN = flvInput();

/** A channel's first run of the default ladder, encoded fast (ultrafast) unless told otherwise. */
const firstRun = (options: Pick<TranscoderOptions, "input" | "liveDir"> & Partial<TranscoderOptions>) =>
  startTranscoder({ ladder: DEFAULT_LADDER, startNumber: 1, discontinuity: false, preset: "ultrafast", ...options });

const segmentsOf = async (liveDir: string, rendition: string) =>
  (await readdir(join(liveDir, rendition))).filter((name) => name.endsWith(".ts")).sort();

describe("transcoder: 8 s of a 1080p30 camera pushed as FLV", () => {
  let liveDir: string;
  let transcoder: Transcoder;
  let exit: TranscoderExit;

  beforeAll(async () => {
    liveDir = await mkdtemp(join(tmpdir(), "visionstream-engine-"));
    const camera = pushFlv({ seconds: 8, realtime: true });
    transcoder = firstRun({ input: FLV_ON_STDIN, stdin: camera.stdout ?? undefined, liveDir });
    exit = await transcoder.exited;
  }, 60_000);

  afterAll(() => rm(liveDir, { recursive: true, force: true }));

  it("ends cleanly when the camera stops, having reported its progress", () => {
    expect(exit.code, exit.stderrTail).toBe(0);
    const progress = transcoder.progress();
    expect(progress.frames).toBeGreaterThanOrEqual(230);
    expect(progress.outTimeSeconds).toBeGreaterThan(7.5);
    expect(progress.speed).toBeGreaterThan(0.8);
    expect(progress.updatedAt).toBeInstanceOf(Date);
  });

  it("publishes a master playlist with the four renditions, their resolution, bandwidth, codecs and frame rate", async () => {
    const master = await readFile(join(liveDir, MASTER_PLAYLIST), "utf8");
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:(.*)\n(.*)/g)].map(([, attributes, uri]) => ({ attributes, uri }));

    expect(variants.map(({ uri }) => uri)).toEqual(["1080p/index.m3u8", "720p/index.m3u8", "480p/index.m3u8", "240p/index.m3u8"]);
    expect(variants.map(({ attributes }) => /RESOLUTION=(\d+x\d+)/.exec(attributes ?? "")?.[1])).toEqual([
      "1920x1080",
      "1280x720",
      "640x480",
      "320x240",
    ]);
    for (const { attributes } of variants) {
      expect(attributes).toMatch(/BANDWIDTH=\d+/);
      expect(attributes).toMatch(/FRAME-RATE=30\.000/);
      expect(attributes).toMatch(/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    }
  });

  it.each(DEFAULT_LADDER.renditions)("encodes $name as H.264 at its size and 30 fps with AAC at its bitrate", async (rendition) => {
    const segment = join(liveDir, rendition.name, "seg_00002.ts");
    const streams = await probeStreams(segment);
    const video = streams.find((stream) => stream.codec_type === "video");
    const audio = streams.find((stream) => stream.codec_type === "audio");

    expect(video).toMatchObject({ codec_name: "h264", width: rendition.width, height: rendition.height, avg_frame_rate: "30/1" });
    expect(audio).toMatchObject({ codec_name: "aac", sample_rate: "48000", channels: 2 });
    const audioKbps = await audioBitrateKbps(segment);
    expect(audioKbps).toBeGreaterThan(rendition.audioBitrateKbps * 0.85);
    expect(audioKbps).toBeLessThan(rendition.audioBitrateKbps * 1.15);
  });

  it("gives renditions of the same sound bitrate the very same AAC, and the others their own", async () => {
    const soundOf = async (rendition: string) => {
      const segment = join(liveDir, rendition, "seg_00002.ts");
      const { stdout } = await promisify(execFile)("ffmpeg", ["-v", "error", "-i", segment, "-map", "0:a", "-c", "copy", "-f", "adts", "-"], {
        encoding: "buffer",
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(stdout.length, `${rendition}'s sound`).toBeGreaterThan(10_000);
      return createHash("sha256").update(stdout).digest("hex");
    };
    const [fullHd, hd, sd, low] = await Promise.all(DEFAULT_LADDER.renditions.map(({ name }) => soundOf(name)));

    expect(hd).toBe(fullHd);
    expect(low).toBe(sd);
    expect(sd).not.toBe(fullHd);
  });

  it("opens every segment of every rendition with a keyframe, every 2 seconds", async () => {
    for (const { name } of DEFAULT_LADDER.renditions) {
      const playlist = parseMediaPlaylist(await readFile(join(liveDir, name, "index.m3u8"), "utf8"));
      expect(playlist.ended).toBe(true);
      expect(playlist.segments.map(({ uri }) => uri)).toEqual(await segmentsOf(liveDir, name));
      expect(playlist.segments.length).toBeGreaterThanOrEqual(4);
      for (const [index, segment] of playlist.segments.entries()) {
        const path = join(liveDir, name, segment.uri);
        expect(await firstVideoPacketIsKeyframe(path), path).toBe(true);
        if (index === playlist.segments.length - 1) continue;
        expect(segment.durationSeconds).toBeCloseTo(2, 1);
        expect(await durationSeconds(path)).toBeCloseTo(2, 1);
      }
    }
  });
});

describe("transcoder: other shapes of picture", () => {
  it.each([
    { shape: "4:3", width: 1440, height: 1080 },
    { shape: "9:16", width: 1080, height: 1920 },
  ])("pillarboxes a $shape source inside every rendition's frame", async ({ width, height }) => {
    const liveDir = await mkdtemp(join(tmpdir(), "visionstream-engine-"));
    try {
      const transcoder = firstRun({ input: { args: syntheticInputArgs({ seconds: 3, width, height, picture: "color" }), audio: "1:a:0" }, liveDir });
      const exit = await transcoder.exited;
      expect(exit.code, exit.stderrTail).toBe(0);

      for (const rendition of DEFAULT_LADDER.renditions) {
        const segment = join(liveDir, rendition.name, "seg_00001.ts");
        const [video] = (await probeStreams(segment)).filter((stream) => stream.codec_type === "video");
        expect(video).toMatchObject({ width: rendition.width, height: rendition.height });
        const fitted = Math.min(rendition.width, (rendition.height * width) / height);
        const active = await activePicture(segment);
        expect(active.height).toBe(rendition.height);
        expect(Math.abs(active.width - fitted), `${rendition.name}: ${active.width} vs ${fitted}`).toBeLessThanOrEqual(4);
      }
    } finally {
      await rm(liveDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("transcoder: stopping", () => {
  it("stops a live run cleanly: the playlists are finalised and no ffmpeg is left", async () => {
    const liveDir = await mkdtemp(join(tmpdir(), "visionstream-engine-"));
    try {
      const transcoder = firstRun({ input: { args: syntheticInputArgs({ seconds: 60, width: 640, height: 360, realtime: true }), audio: "1:a:0" }, liveDir });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await transcoder.stop();
      const exit = await transcoder.exited;

      expect(exit.code, exit.stderrTail).toBe(0);
      const playlist = parseMediaPlaylist(await readFile(join(liveDir, "240p", "index.m3u8"), "utf8"));
      expect(playlist.ended).toBe(true);
      expect(playlist.segments.length).toBeGreaterThanOrEqual(1);
      expect(runningChildren()).toBe(0);
    } finally {
      await rm(liveDir, { recursive: true, force: true });
    }
  }, 30_000);

  it.each(["exit", "SIGTERM"])("leaves no ffmpeg behind when Node ends by %s", async (ending) => {
    const liveDir = await mkdtemp(join(tmpdir(), "visionstream-engine-"));
    const script = `
      import { startTranscoder } from ${JSON.stringify(new URL("./transcoder.ts", import.meta.url).pathname)};
      import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
      const transcoder = startTranscoder({
        ladder: DEFAULT_LADDER, liveDir: ${JSON.stringify(liveDir)}, startNumber: 1, discontinuity: false, preset: "ultrafast",
        input: { args: ["-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-re", "-f", "lavfi", "-i", "sine"], audio: "1:a:0" },
      });
      console.log(transcoder.process.pid);
      setInterval(() => {}, 1000);
      ${ending === "exit" ? "setTimeout(() => process.exit(0), 500);" : ""}
    `;
    const node = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL(".", import.meta.url).pathname,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const pid = await new Promise<number>((resolve) => node.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString()))));
      expect(isAlive(pid)).toBe(true);
      if (ending === "SIGTERM") setTimeout(() => node.kill("SIGTERM"), 500);
      await new Promise((resolve) => node.once("exit", resolve));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(isAlive(pid)).toBe(false);
    } finally {
      node.kill("SIGKILL");
      await rm(liveDir, { recursive: true, force: true });
    }
  }, 30_000);
});

/** A killed child whose parent is gone stays a zombie until init reaps it: dead all the same. */
function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

describe("transcoder: its feed drops it", () => {
  it.each([
    ["dropped for falling behind", new FellBehind(), true],
    ["ended by another error", new Error("the publisher's connection broke"), undefined],
  ])("is killed when its input stream ends with an error (%s), and the error is its exit's, not the process's", async (_case, error, fellBehind) => {
    const liveDir = await mkdtemp(join(tmpdir(), "transcoder-dropped-"));
    const feed = new PassThrough();
    try {
      const transcoder = firstRun({ input: FLV_ON_STDIN, stdin: feed, liveDir });

      feed.destroy(error);
      const exit = await transcoder.exited;

      expect(exit.signal).toBe("SIGKILL");
      expect(exit.stderrTail).toContain(error.message);
      expect(exit.fellBehind).toBe(fellBehind);
    } finally {
      await rm(liveDir, { recursive: true, force: true });
    }
  });
});

describe("transcoder: CPU priority", () => {
  /** nice value of every thread of a process (field 19 of /proc/<pid>/task/<tid>/stat). */
  async function threadNiceness(pid: number): Promise<number[]> {
    const threads = await readdir(`/proc/${pid}/task`);
    return threads.map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    });
  }

  it("runs ffmpeg and every thread it starts at the niceness it is given", async () => {
    const liveDir = await mkdtemp(join(tmpdir(), "visionstream-engine-nice-"));
    const camera = pushFlv({ seconds: 6, realtime: true });
    const transcoder = firstRun({ input: FLV_ON_STDIN, stdin: camera.stdout ?? undefined, liveDir, niceness: 7 });
    try {
      // once it encodes, x264 and the decoder have started their threads
      for (let waited = 0; transcoder.progress().frames < 30 && waited < 20_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      const pid = transcoder.process.pid!;
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
      const niceness = await threadNiceness(pid);

      expect(transcoder.progress().frames).toBeGreaterThanOrEqual(30);
      expect(command).toBe("ffmpeg");
      expect(niceness.length).toBeGreaterThan(4);
      expect(new Set(niceness)).toEqual(new Set([7]));
    } finally {
      await transcoder.stop();
      camera.kill("SIGKILL");
      await rm(liveDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("transcoder: stop while behind its input", () => {
  it("encodes everything it was given before it ends, however far behind real time it runs", async () => {
    // 12 s of camera, all of it handed over at once: the ladder is necessarily seconds behind when it is stopped
    const camera = pushFlv({ seconds: 12 });
    const flv: Buffer[] = [];
    for await (const chunk of camera.stdout!) flv.push(chunk as Buffer);
    const liveDir = await mkdtemp(join(tmpdir(), "visionstream-engine-drain-"));
    const input = new PassThrough();
    // the default preset (superfast): the slower ladder of a live channel
    // the bound of a channel's drain rather than the 20 s default: this is about encoding everything, not about speed
    const transcoder = firstRun({ input: FLV_ON_STDIN, stdin: input, liveDir, preset: "superfast", stopTimeoutMs: 120_000 });
    try {
      input.write(Buffer.concat(flv));
      const stopping = performance.now();
      await transcoder.stop();
      const stoppedAfterMs = performance.now() - stopping;

      const exit = await transcoder.exited;
      const playlist = parseMediaPlaylist(await readFile(join(liveDir, "240p", "index.m3u8"), "utf8"));
      const encodedSeconds = playlist.segments.reduce((sum, segment) => sum + segment.durationSeconds, 0);
      expect(exit.signal, exit.stderrTail).toBeNull();
      expect(exit.code).toBe(0);
      expect(stoppedAfterMs).toBeGreaterThan(2_000);
      expect(encodedSeconds).toBeGreaterThan(11.5);
    } finally {
      await rm(liveDir, { recursive: true, force: true });
    }
  }, 180_000);
});
