import { chmod, mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AssemblyRequest, vodKey } from "@visionstream/core";
import { MediaConvertJobStateChange, MediaConvertJobStateChangePattern } from "@visionstream/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalLayout } from "../account-infrastructure.ts";
import { LocalBus } from "../eventbridge/bus.ts";
import { runningChildren } from "../child-processes.ts";
import { durationSeconds, ffprobeJson, probeStreams } from "../../testing/medialive.ts";
import { LOCAL_MEDIACONVERT_QUEUE, LocalVodAssembler, MEDIACONVERT_INPUT_NOT_FOUND, MEDIACONVERT_UNKNOWN_ERROR } from "./assembler.ts";
import { KeyOutsideBucket } from "../s3/object-store.ts";
import { firstPacket, lastPacket, recordSegments } from "../../testing/mediaconvert.ts";

const BUCKET = "visionstream-local-acc-vod";
const CHANNEL = "ch-abcdefghij012345";

function request(recordingId: string, sessionId: string, attempt = 1): AssemblyRequest {
  return {
    recordingId,
    accountId: "acc-vod",
    bucketName: BUCKET,
    sourcePrefix: `recordings/${CHANNEL}/${sessionId}/1080p/`,
    outputKey: vodKey(recordingId),
    attempt,
  };
}

/** Every job event the bus routes, parsed with the catalogue's schema. */
function jobEvents(bus: LocalBus) {
  const events: MediaConvertJobStateChange[] = [];
  bus.subscribe("test", MediaConvertJobStateChangePattern, async (event) => {
    events.push(MediaConvertJobStateChange.parse(event));
  });
  const of = (jobId: string) => events.filter((event) => event.detail.jobId === jobId);
  return {
    of,
    async end(jobId: string, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await bus.idle();
        const end = of(jobId).find((event) => event.detail.status === "COMPLETE" || event.detail.status === "ERROR");
        if (end) return end;
        if (Date.now() > deadline) throw new Error(`no end for job ${jobId}: ${JSON.stringify(of(jobId))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

function complete(event: MediaConvertJobStateChange) {
  if (event.detail.status !== "COMPLETE") throw new Error(`expected COMPLETE, got ${JSON.stringify(event.detail)}`);
  return event.detail;
}

function failed(event: MediaConvertJobStateChange) {
  if (event.detail.status !== "ERROR") throw new Error(`expected ERROR, got ${JSON.stringify(event.detail)}`);
  return event.detail;
}

/** The top-level boxes of an MP4, in file order. */
async function topLevelBoxes(path: string): Promise<string[]> {
  const file = await open(path);
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(16);
    const boxes: string[] = [];
    for (let offset = 0; offset < size; ) {
      await file.read(header, 0, 16, offset);
      const type = header.toString("latin1", 4, 8);
      const short = header.readUInt32BE(0);
      const boxSize = short === 1 ? Number(header.readBigUInt64BE(8)) : short === 0 ? size - offset : short;
      if (boxSize < 8) throw new Error(`bad box ${type} at ${offset}`);
      boxes.push(type);
      offset += boxSize;
    }
    return boxes;
  } finally {
    await file.close();
  }
}

const packetCount = async (path: string, stream: "v" | "a") =>
  Number(
    (await ffprobeJson<{ streams: { nb_read_packets: string }[] }>(["-count_packets", "-select_streams", `${stream}:0`, "-show_entries", "stream=nb_read_packets", path]))
      .streams[0]?.nb_read_packets,
  );

describe("LocalVodAssembler", () => {
  let dataDir: string;
  let layout: LocalLayout;
  let bus: LocalBus;
  let events: ReturnType<typeof jobEvents>;
  let assembler: LocalVodAssembler;
  const bucketPath = (key: string) => join(layout.bucketDir(BUCKET), key);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "visionstream-vod-"));
    layout = new LocalLayout(dataDir);
    bus = new LocalBus();
    events = jobEvents(bus);
    assembler = new LocalVodAssembler({ layout, bus });
  });

  afterAll(async () => {
    await assembler.close();
    await bus.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe("20 s of segments", () => {
    const recording = request("rec-aaaaaaaaaaaaaaaa", "session-a");
    let jobId: string;
    let end: MediaConvertJobStateChange;

    beforeAll(async () => {
      await recordSegments({ dir: bucketPath(recording.sourcePrefix), seconds: 20, startNumber: 1 });
      ({ jobId } = await assembler.assemble(recording));
      end = await events.end(jobId);
    }, 60_000);

    it("announces PROGRESSING, then COMPLETE with the MP4, its duration and picture size, for the recording", async () => {
      const detail = complete(end);

      expect(events.of(jobId).map((event) => event.detail.status)).toEqual(["PROGRESSING", "COMPLETE"]);
      expect(jobId).toBe("local-rec-aaaaaaaaaaaaaaaa-1");
      expect(end.resources).toEqual([`arn:aws:mediaconvert:local:000000000000:jobs/${jobId}`]);
      expect(detail).toMatchObject({ accountId: "000000000000", queue: LOCAL_MEDIACONVERT_QUEUE, userMetadata: { recordingId: recording.recordingId, accountId: "acc-vod" } });
      expect(LOCAL_MEDIACONVERT_QUEUE).toBe("arn:aws:mediaconvert:local:000000000000:queues/Default");
      expect(Math.abs(detail.timestamp - Date.now())).toBeLessThan(60_000);
      expect(detail.outputGroupDetails).toHaveLength(1);
      expect(detail.outputGroupDetails[0]?.type).toBe("FILE_GROUP");
      const output = detail.outputGroupDetails[0]?.outputDetails[0];
      expect(output?.outputFilePaths).toEqual([`s3://${BUCKET}/vod/rec-aaaaaaaaaaaaaaaa.mp4`]);
      expect(output?.durationInMs).toBeGreaterThan(19_500);
      expect(output?.durationInMs).toBeLessThan(20_500);
      expect(output?.videoDetails).toMatchObject({ widthInPx: 320, heightInPx: 240 });
    });

    it("writes an MP4 of the recorded duration, leaving no temporary file beside it", async () => {
      const mp4 = bucketPath(recording.outputKey);

      expect(Math.abs((await durationSeconds(mp4)) - 20)).toBeLessThan(0.5);
      expect(await readdir(bucketPath("vod"))).toEqual(["rec-aaaaaaaaaaaaaaaa.mp4"]);
    });

    it("keeps the encoder's own timeline across segment joins: the last picture is where it was, to the millisecond", async () => {
      const mp4 = bucketPath(recording.outputKey);
      const [firstSegmentVideo, lastSegmentVideo, firstMp4Video, lastMp4Video] = await Promise.all([
        firstPacket(bucketPath(`${recording.sourcePrefix}seg_00001.ts`), "v"),
        lastPacket(bucketPath(`${recording.sourcePrefix}seg_00010.ts`), "v"),
        firstPacket(mp4, "v"),
        lastPacket(mp4, "v"),
      ]);

      // Joining by each file's span of all its streams added 5–16 ms per 2 s segment: 13 s over an hour.
      expect(Math.abs(lastMp4Video.start - firstMp4Video.start - (lastSegmentVideo.start - firstSegmentVideo.start))).toBeLessThan(0.002);
      expect(Math.abs(lastMp4Video.start - firstMp4Video.start - 599 / 30)).toBeLessThan(0.002);
    });

    it("keeps that timeline when a long run is read in parts, each placed at the next one's exact start", async () => {
      const inParts = new LocalVodAssembler({ layout, bus, segmentsPerPart: 3 });
      const again = { ...recording, recordingId: "rec-aaaaaaaaaaaaaaa3", outputKey: vodKey("rec-aaaaaaaaaaaaaaa3") };
      try {
        complete(await events.end((await inParts.assemble(again)).jobId));
        const span = async (mp4: string) => (await lastPacket(mp4, "v")).start - (await firstPacket(mp4, "v")).start;
        const [whole, parted] = await Promise.all([span(bucketPath(recording.outputKey)), span(bucketPath(again.outputKey))]);

        expect(Math.abs(parted - 599 / 30)).toBeLessThan(0.002);
        expect(Math.abs(parted - whole)).toBeLessThan(0.001);
        expect(await packetCount(bucketPath(again.outputKey), "a")).toBe(await packetCount(bucketPath(recording.outputKey), "a"));
      } finally {
        await inParts.close();
      }
    });

    it("copies video and audio without re-encoding: same codecs, size and packets as the segments", async () => {
      const mp4 = bucketPath(recording.outputKey);
      const segment = bucketPath(`${recording.sourcePrefix}seg_00001.ts`);
      const pick = ({ codec_type, codec_name, width, height, sample_rate, channels }: Awaited<ReturnType<typeof probeStreams>>[number]) => ({
        codec_type, codec_name, width, height, sample_rate, channels,
      });
      const segments = (await readdir(bucketPath(recording.sourcePrefix))).filter((name) => name.endsWith(".ts"));
      let videoPackets = 0;
      let audioPackets = 0;
      for (const name of segments) {
        videoPackets += await packetCount(bucketPath(`${recording.sourcePrefix}${name}`), "v");
        audioPackets += await packetCount(bucketPath(`${recording.sourcePrefix}${name}`), "a");
      }

      expect((await probeStreams(mp4)).map(pick)).toEqual((await probeStreams(segment)).map(pick));
      expect(segments).toHaveLength(10);
      expect(await packetCount(mp4, "v")).toBe(videoPackets);
      expect(await packetCount(mp4, "a")).toBe(audioPackets);
    });

    it("puts the moov box before the media", async () => {
      const boxes = await topLevelBoxes(bucketPath(recording.outputKey));

      expect(boxes).toContain("mdat");
      expect(boxes.indexOf("moov")).toBeGreaterThan(-1);
      expect(boxes.indexOf("moov")).toBeLessThan(boxes.indexOf("mdat"));
    });

    it("writes the MP4 in one pass: the index goes into room kept for it at the start, left over as a free box", async () => {
      const boxes = await topLevelBoxes(bucketPath(recording.outputKey));

      expect(boxes.slice(0, 3)).toEqual(["ftyp", "moov", "free"]);
    });

    it("writes it again with +faststart when the room kept was too small", async () => {
      const small = new LocalVodAssembler({ layout, bus, indexBytesPerSecond: 0, indexBytesAtLeast: 1_000 });
      const again = { ...recording, recordingId: "rec-aaaaaaaaaaaaaaa2", outputKey: vodKey("rec-aaaaaaaaaaaaaaa2") };
      try {
        const detail = complete(await events.end((await small.assemble(again)).jobId));
        const boxes = await topLevelBoxes(bucketPath(again.outputKey));

        expect(boxes.indexOf("moov")).toBe(1);
        expect(boxes.indexOf("moov")).toBeLessThan(boxes.indexOf("mdat"));
        expect(Math.abs(detail.outputGroupDetails[0]!.outputDetails[0]!.durationInMs! - 20_000)).toBeLessThan(100);
        expect(await packetCount(bucketPath(again.outputKey), "v")).toBe(await packetCount(bucketPath(recording.outputKey), "v"));
      } finally {
        await small.close();
      }
    });
  });

  describe.each([
    { clock: "restarts from zero", offset: 0 },
    { clock: "jumps an hour ahead", offset: 3_600 },
  ])("a reconnect between seg_00005 and seg_00006 whose clock $clock", ({ offset }) => {
    const recording = request(offset === 0 ? "rec-bbbbbbbbbbbbbbbb" : "rec-cccccccccccccccc", `session-reconnect-${offset}`);
    let end: MediaConvertJobStateChange;

    beforeAll(async () => {
      const dir = bucketPath(recording.sourcePrefix);
      await recordSegments({ dir, seconds: 10, startNumber: 1 });
      await recordSegments({ dir, seconds: 10, startNumber: 6, timestampOffsetSeconds: offset });
      const { jobId } = await assembler.assemble(recording);
      end = await events.end(jobId);
    }, 60_000);

    it("closes the gap: one MP4 as long as the two runs together", async () => {
      const detail = complete(end);

      expect(Math.abs((await durationSeconds(bucketPath(recording.outputKey))) - 20)).toBeLessThan(0.5);
      expect(Math.abs((detail.outputGroupDetails[0]?.outputDetails[0]?.durationInMs ?? 0) - 20_000)).toBeLessThan(500);
    });

    it("keeps audio in sync with video to the end", async () => {
      const mp4 = bucketPath(recording.outputKey);
      const lastSegment = bucketPath(`${recording.sourcePrefix}seg_00010.ts`);
      const [mp4Video, mp4Audio, segmentVideo, segmentAudio] = await Promise.all([
        lastPacket(mp4, "v"),
        lastPacket(mp4, "a"),
        lastPacket(lastSegment, "v"),
        lastPacket(lastSegment, "a"),
      ]);

      // Audio starts where it started against the picture in the broadcast, to within a fraction of a frame.
      expect(Math.abs(mp4Audio.start - mp4Video.start - (segmentAudio.start - segmentVideo.start))).toBeLessThan(0.01);
      expect(Math.abs(mp4Video.start - 20)).toBeLessThan(0.1);
      expect(Math.abs(mp4Audio.start - 20)).toBeLessThan(0.1);
    });
  });

  describe("idempotency", () => {
    const recording = request("rec-dddddddddddddddd", "session-d");
    let countingFfmpeg: string;
    let runs: string;
    const ffmpegRuns = async () => (await readFile(runs, "utf8").catch(() => "")).split("\n").filter(Boolean).length;

    beforeAll(async () => {
      await recordSegments({ dir: bucketPath(recording.sourcePrefix), seconds: 10, startNumber: 1 });
      runs = join(dataDir, "ffmpeg-runs.txt");
      countingFfmpeg = join(dataDir, "counting-ffmpeg");
      await writeFile(countingFfmpeg, `#!/bin/sh\necho run >> '${runs}'\nexec ffmpeg "$@"\n`);
      await chmod(countingFfmpeg, 0o755);
    }, 60_000);

    it("gives three requests for one recording and attempt one job, one ffmpeg and one COMPLETE", async () => {
      const counting = new LocalVodAssembler({ layout, bus, ffmpegPath: countingFfmpeg, ffprobePath: "ffprobe" });
      try {
        const [first, second] = await Promise.all([counting.assemble(recording), counting.assemble(recording)]);
        await events.end(first.jobId);
        const third = await counting.assemble(recording);
        await bus.idle();

        expect(new Set([first.jobId, second.jobId, third.jobId]).size).toBe(1);
        expect(await ffmpegRuns()).toBe(1);
        expect(events.of(first.jobId).filter((event) => event.detail.status === "COMPLETE")).toHaveLength(1);
        expect(events.of(first.jobId).filter((event) => event.detail.status === "PROGRESSING")).toHaveLength(1);
      } finally {
        await counting.close();
      }
    });

    it("after a restart, finds the job finished by its output: no ffmpeg, COMPLETE announced again", async () => {
      const restarted = new LocalVodAssembler({ layout, bus, ffmpegPath: countingFfmpeg, ffprobePath: "ffprobe" });
      try {
        const { jobId } = await restarted.assemble(recording);
        const completesOf = () => events.of(jobId).filter((event) => event.detail.status === "COMPLETE");
        for (let waited = 0; completesOf().length < 2 && waited < 10_000; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
        await bus.idle();

        expect(jobId).toBe("local-rec-dddddddddddddddd-1");
        expect(await ffmpegRuns()).toBe(1);
        const completes = completesOf();
        expect(completes).toHaveLength(2);
        expect(completes[1]?.detail).toMatchObject({ outputGroupDetails: [{ outputDetails: [{ videoDetails: { widthInPx: 320, heightInPx: 240 } }] }] });
      } finally {
        await restarted.close();
      }
    });

    it("gives a retry (the next attempt) its own job", async () => {
      await rm(bucketPath(recording.outputKey));
      const { jobId } = await assembler.assemble({ ...recording, attempt: 2 });

      expect(jobId).toBe("local-rec-dddddddddddddddd-2");
      complete(await events.end(jobId));
    });
  });

  it("joins segments under a data directory whose path has a quote, a space and a backslash", async () => {
    const oddDir = await mkdtemp(join(tmpdir(), "visionstream-vod it's \\ odd-"));
    const oddLayout = new LocalLayout(oddDir);
    const odd = new LocalVodAssembler({ layout: oddLayout, bus });
    const recording = request("rec-gggggggggggggggg", "session-odd");
    try {
      await recordSegments({ dir: join(oddLayout.bucketDir(BUCKET), recording.sourcePrefix), seconds: 6, startNumber: 1 });
      const detail = complete(await events.end((await odd.assemble(recording)).jobId));

      expect(Math.abs(detail.outputGroupDetails[0]!.outputDetails[0]!.durationInMs! - 6_000)).toBeLessThan(100);
    } finally {
      await odd.close();
      await rm(oddDir, { recursive: true, force: true });
    }
  }, 60_000);

  describe("failures", () => {
    it("reports ERROR 1010 when there are no segments", async () => {
      const recording = request("rec-eeeeeeeeeeeeeeee", "session-empty");
      const { jobId } = await assembler.assemble(recording);
      const detail = failed(await events.end(jobId));

      expect(detail.errorCode).toBe(MEDIACONVERT_INPUT_NOT_FOUND);
      expect(detail.errorMessage).toContain(`s3://${BUCKET}/${recording.sourcePrefix}`);
      expect(detail.userMetadata).toEqual({ recordingId: recording.recordingId, accountId: "acc-vod" });
      await expect(readFile(bucketPath(recording.outputKey))).rejects.toThrow(/ENOENT/);
    });

    it("reports ERROR with the end of ffmpeg's complaint when the segments cannot be read, and leaves no partial MP4", async () => {
      const recording = request("rec-ffffffffffffffff", "session-garbage");
      const dir = bucketPath(recording.sourcePrefix);
      await recordSegments({ dir, seconds: 2, startNumber: 1 });
      await writeFile(join(dir, "seg_00002.ts"), "this is not MPEG-TS");
      const { jobId } = await assembler.assemble(recording);
      const detail = failed(await events.end(jobId));

      expect(detail.errorCode).toBe(MEDIACONVERT_UNKNOWN_ERROR);
      expect(detail.errorMessage).toMatch(/ffmpeg exited with \d+ joining 2 segments: .*seg_00002\.ts/s);
      expect((await readdir(bucketPath("vod"))).filter((name) => name.includes("rec-ffffffffffffffff"))).toEqual([]);
    });

    it("refuses keys that leave the bucket", async () => {
      await expect(assembler.assemble({ ...request("rec-gggggggggggggggg", "s"), outputKey: "../escape.mp4" })).rejects.toThrow(KeyOutsideBucket);
      await expect(assembler.assemble({ ...request("rec-gggggggggggggggg", "s"), sourcePrefix: "/etc/" })).rejects.toThrow(KeyOutsideBucket);
    });
  });

  describe("close()", () => {
    let realTimeFfmpeg: string;

    beforeAll(async () => {
      // Reads its input at the pace of the media, so that a 20-s recording takes 20 s to join.
      realTimeFfmpeg = join(dataDir, "real-time-ffmpeg");
      await writeFile(realTimeFfmpeg, `#!/bin/sh\nexec ffmpeg -re "$@"\n`);
      await chmod(realTimeFfmpeg, 0o755);
    });

    it("kills the jobs still running after the grace period, without an event, leaving no ffmpeg or partial file", async () => {
      const recording = request("rec-hhhhhhhhhhhhhhhh", "session-close");
      await recordSegments({ dir: bucketPath(recording.sourcePrefix), seconds: 20, startNumber: 1 });
      const closing = new LocalVodAssembler({ layout, bus, ffmpegPath: realTimeFfmpeg, ffprobePath: "ffprobe" });
      const { jobId } = await closing.assemble(recording);
      while (!(await readdir(bucketPath("vod"))).some((name) => name.includes("rec-hhhhhhhhhhhhhhhh"))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const started = Date.now();
      await closing.close(200);
      await bus.idle();

      expect(Date.now() - started).toBeLessThan(5_000);
      expect(runningChildren()).toBe(0);
      expect(events.of(jobId).map((event) => event.detail.status)).toEqual(["PROGRESSING"]);
      expect((await readdir(bucketPath("vod"))).filter((name) => name.includes("rec-hhhhhhhhhhhhhhhh"))).toEqual([]);
      await expect(closing.assemble(recording)).rejects.toThrow(/closed/);
    }, 30_000);

    it("lets a job that ends within the grace period finish and announce itself", async () => {
      const recording = request("rec-iiiiiiiiiiiiiiii", "session-close-gracefully");
      await recordSegments({ dir: bucketPath(recording.sourcePrefix), seconds: 2, startNumber: 1 });
      const closing = new LocalVodAssembler({ layout, bus, ffmpegPath: realTimeFfmpeg, ffprobePath: "ffprobe" });
      const { jobId } = await closing.assemble(recording);
      await closing.close(15_000);
      await bus.idle();

      expect(events.of(jobId).map((event) => event.detail.status)).toEqual(["PROGRESSING", "COMPLETE"]);
      expect(runningChildren()).toBe(0);
    }, 30_000);
  });
});
