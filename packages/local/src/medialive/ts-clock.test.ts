import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKET_SIZE, payloadUnitStart, pidOf, readPes } from "@visionstream/mpegts";
import { lostToSilence } from "./media-clock.ts";
import { TsMediaClock } from "./ts-clock.ts";

let work: string;
/** 6 s of H.264 and AAC in MPEG-TS, as an encoder sends it, by ffmpeg. */
let ts: Buffer;
/** The same show from another encoder, its streams on other PIDs. */
let otherPids: Buffer;
/** The last decoding time of each stream in it, in ms, by ffprobe (each AAC frame apart). */
let lastDtsMs: number[];
/** ffmpeg's MPEG-TS muxer puts up to 320 ms of AAC frames in one PES, under the time of its first. */
const AUDIO_PES_MS = 350;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "visionstream-ts-clock-"));
  ts = execFileSync("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-f", "mpegts", "pipe:1",
  ], { maxBuffer: 64 * 1024 * 1024 });
  otherPids = execFileSync("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-mpegts_start_pid", "0x300", "-f", "mpegts", "pipe:1",
  ], { maxBuffer: 64 * 1024 * 1024 });
  await writeFile(join(work, "show.ts"), ts);
  const packets = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-of", "json", "-show_entries", "packet=stream_index,dts_time", join(work, "show.ts")]).toString("utf8"),
  ) as { packets: { stream_index: number; dts_time: string }[] };
  const last = new Map<number, number>();
  for (const packet of packets.packets) last.set(packet.stream_index, Number(packet.dts_time) * 1000);
  lastDtsMs = [...last.values()];
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The clock as of the whole stream: the last stream's last PES, which may hold AAC frames after its own time. */
function expectLatest(ms: number | undefined) {
  expect(ms).toBeLessThanOrEqual(Math.max(...lastDtsMs));
  expect(ms).toBeGreaterThan(Math.max(...lastDtsMs) - AUDIO_PES_MS);
}

/** The stream cut in chunks of `size` bytes (not whole packets), each read in turn. */
function readAll(clock: TsMediaClock, bytes: Buffer, size: number) {
  const readings = [];
  for (let at = 0; at < bytes.length; at += size) readings.push(clock.read(bytes.subarray(at, at + size)));
  return readings;
}

/** Where the first PES of any stream at or after `ms` starts, a packet boundary. */
function packetAt(ms: number, bytes = ts): number {
  for (let at = 0; at + PACKET_SIZE <= bytes.length; at += PACKET_SIZE) {
    const packet = bytes.subarray(at, at + PACKET_SIZE);
    const pes = payloadUnitStart(packet) ? readPes(packet) : undefined;
    const time = pes?.dts ?? pes?.pts;
    if (time !== undefined && pidOf(packet) !== 0 && time / 90 >= ms) return at;
  }
  throw new Error(`no PES at ${ms} ms`);
}

describe("TsMediaClock", () => {
  it("reads the latest decoding time of the stream's audio and video, from chunks that cut packets anywhere", () => {
    const clock = new TsMediaClock();
    const readings = readAll(clock, ts, 1_000);
    expect(readings.some((reading) => reading.timed)).toBe(true);
    expect(Math.max(...readings.map((reading) => reading.advancedMs))).toBeLessThan(AUDIO_PES_MS);
    expectLatest(clock.clock("caller-1")?.ms);
    expect(clock.clock("caller-1")).toMatchObject({ source: "caller-1", wrapMs: 2 ** 33 / 90 });
  });

  it("tells a chunk with no timestamp, and has no clock before the first", () => {
    const clock = new TsMediaClock();
    expect(clock.clock("caller-1")).toBeUndefined();
    const start = packetAt(2_000);
    // The packet after a PES start continues it: no timestamp of its own.
    const continuation = ts.subarray(start + PACKET_SIZE, start + 2 * PACKET_SIZE);
    expect(payloadUnitStart(continuation)).toBe(false);
    expect(clock.read(continuation)).toEqual({ timed: false, advancedMs: 0 });
  });

  it("finds its step again after bytes that are not packets", () => {
    const clock = new TsMediaClock();
    readAll(clock, Buffer.concat([Buffer.from("not a packet"), ts]), 1_316);
    expectLatest(clock.clock("caller-1")?.ms);
  });

  it("forgets the streams of an encoder that started again on other PIDs: their later times do not hold the clock", () => {
    const clock = new TsMediaClock();
    readAll(clock, ts, 1_316);
    const before = clock.clock("rtp-0");
    readAll(clock, otherPids, 1_316);
    const after = clock.clock("rtp-0");
    expect(after!.ms).toBeLessThan(2_000 + 1_400 + 100);
    expect(lostToSilence(before, after, 3_000)).toBe(3_000);
  });

  it("leaves out streams that stopped coming: a new encoder on other PIDs, behind the old one's time by less than 5 s, has the clock", async () => {
    const clock = new TsMediaClock();
    readAll(clock, ts.subarray(0, packetAt(3_000)), 1_316);
    const before = clock.clock("srt-0");
    expect(before!.ms).toBeGreaterThan(2_900);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    // Its first second: times from 1.4 s to 2.4 s, behind the old streams' 3 s.
    readAll(clock, otherPids.subarray(0, packetAt(2_400, otherPids)), 1_316);
    const after = clock.clock("srt-0");
    expect(after!.ms).toBeLessThan(before!.ms);
    expect(lostToSilence(before, after, 2_100)).toBe(2_100);
  });

  it("measures media that never arrived: 2 s of packets lost in the middle are a 2 s jump of the timestamps", () => {
    const clock = new TsMediaClock();
    const lost = Buffer.concat([ts.subarray(0, packetAt(2_000)), ts.subarray(packetAt(4_000))]);
    const readings = readAll(clock, lost, 1_316);
    const skipped = Math.max(...readings.map((reading) => reading.advancedMs));
    expect(skipped).toBeGreaterThan(2_000 - 50);
    expect(skipped).toBeLessThan(2_000 + AUDIO_PES_MS);
  });

  it("takes times that go back (an encoder started again) as a new count, not as media lost", () => {
    const clock = new TsMediaClock();
    readAll(clock, ts, 1_316);
    const before = clock.clock("rtp-0");
    // Times start at 1.4 s (ffmpeg's muxing offset): the first 2.5 s of the stream again.
    const readings = readAll(clock, ts.subarray(0, packetAt(2_500)), 1_316);
    expect(Math.max(...readings.map((reading) => reading.advancedMs))).toBeLessThan(AUDIO_PES_MS);
    const after = clock.clock("rtp-0");
    expect(after!.ms).toBeLessThan(before!.ms);
    expect(lostToSilence(before, after, 3_000)).toBe(3_000);
  });
});

describe("lostToSilence with MPEG-TS clocks", () => {
  const at = (ms: number) => ({ source: "srt-0", ms, wrapMs: 2 ** 33 / 90 });

  it("counts across the 33-bit wrap of 90 kHz, and never mixes the two kinds of clock", () => {
    expect(lostToSilence(at(2 ** 33 / 90 - 1_000), at(40), 2_500)).toBeCloseTo(1_040, 3);
    expect(lostToSilence(at(10_000), { source: "srt-0", ms: 10_033 }, 2_500)).toBe(2_500);
  });
});
