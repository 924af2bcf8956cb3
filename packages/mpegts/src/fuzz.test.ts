import { resolve } from "node:path";
import fc from "fast-check";
import { FUZZ_SEED as SEED, fuzzCorpus } from "../../../scripts/testing/fuzz-corpus.ts";
import { describe, expect, it } from "vitest";
import { BusRelay, type SwitchMode } from "./bus-relay.ts";
import { IngestTap, OUTPUT_PMT_PID, OUTPUT_VIDEO_PID } from "./ingest-tap.ts";
import { hasPayload, PACKET_SIZE, pidOf, readPcr, readPes, rebase, SYNC_BYTE, TIMESTAMP_WRAP, timestampDelta, wrap } from "./packets.ts";
import { pesTimestamps } from "./pes-timestamps.ts";
import { AUDIO_STREAM_TYPES, crc32, patSection, type PmtStream, pmtSection, psiPacket, VIDEO_STREAM_TYPES } from "./psi.ts";

const CORPUS = resolve(import.meta.dirname, "../testdata/fuzz");
const TARGET = "transport-stream";
/** Every PID an output may carry: PAT, PMT, the video, up to eight audio streams, a PCR of its own. */
const OUTPUT_PIDS = new Set([0, OUTPUT_PMT_PID, OUTPUT_VIDEO_PID, ...Array.from({ length: 8 }, (_, i) => 0x101 + i), 0x1f0]);

const { corpus, fuzz } = fuzzCorpus(CORPUS);

const SEEDS = corpus(TARGET).map(({ bytes }) => bytes);
/** The corpus's streams as ffmpeg wrote them: whole packets, every marker bit set. */
const ENCODED_BY_FFMPEG = ["h264-aac.hex", "hevc.hex"];

/** Packets that look like a transport stream: the sync byte, PIDs a tap follows, any flags and payload. */
const packet = fc
  .record({
    pid: fc.oneof(fc.constantFrom(0, 0x11, 0x100, 0x101, 0x1000), fc.integer({ min: 0, max: 0x1fff })),
    flags: fc.integer({ min: 0, max: 255 }),
    head: fc.uint8Array({ minLength: 2, maxLength: 2 }),
    body: fc.uint8Array({ minLength: 0, maxLength: PACKET_SIZE - 4 }),
  })
  .map(({ pid, flags, head, body }) => {
    const bytes = Buffer.alloc(PACKET_SIZE, 0xff);
    bytes[0] = SYNC_BYTE;
    bytes[1] = (head[0]! & 0xe0) | (pid >> 8);
    bytes[2] = pid & 0xff;
    bytes[3] = flags;
    Buffer.from(body).copy(bytes, 4);
    return bytes;
  });
const packets = fc.array(packet, { maxLength: 12 }).map((list) => Buffer.concat(list));
const generated = fc.oneof(packets, fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)));

const inRange = (timestamp: number | undefined) => timestamp === undefined || (Number.isInteger(timestamp) && timestamp >= 0 && timestamp < TIMESTAMP_WRAP);

/** The output's own rules: whole packets, its PIDs only, continuity counters that run on, timestamps on the 33-bit circle. */
function expectWellFormed(output: Buffer) {
  expect(output.length % PACKET_SIZE).toBe(0);
  const counters = new Map<number, number>();
  for (let at = 0; at < output.length; at += PACKET_SIZE) {
    const out = output.subarray(at, at + PACKET_SIZE);
    expect(out[0]).toBe(SYNC_BYTE);
    const pid = pidOf(out);
    expect(OUTPUT_PIDS.has(pid)).toBe(true);
    if (hasPayload(out)) {
      const counter = out[3]! & 0x0f;
      const last = counters.get(pid);
      if (last !== undefined) expect(counter).toBe((last + 1) & 0x0f);
      counters.set(pid, counter);
    }
    expect(inRange(readPcr(out))).toBe(true);
  }
}

describe("the ingest tap and the bus relay under random and mutated transport streams", () => {
  it("the tap reads whole packets from any bytes, however they arrive, and maps them onto the output PIDs only", async () => {
    await fuzz(
      TARGET,
      generated,
      (bytes) => {
        for (const size of [bytes.length || 1, 7 * PACKET_SIZE, 100, 1]) {
          const tap = new IngestTap("fuzzed", () => 0);
          for (let at = 0; at < bytes.length; at += size) {
            for (const tapped of tap.push(bytes.subarray(at, at + size))) {
              expect(tapped.packet.length).toBe(PACKET_SIZE);
              expect(tapped.packet[0]).toBe(SYNC_BYTE);
              if (tapped.outPid !== undefined) expect(OUTPUT_PIDS.has(tapped.outPid)).toBe(true);
              expect(inRange(tapped.dts) && inRange(tapped.pts) && inRange(tapped.videoDtsSoFar)).toBe(true);
            }
          }
          for (const stream of tap.streams) expect(OUTPUT_PIDS.has(stream.pid)).toBe(true);
          expect(tap.frameTicks).toBeGreaterThan(0);
        }
      },
      300,
    );
  });

  it("the relay keeps its output well formed across cuts and clean switches, whatever an ingest sends", async () => {
    const reference = corpus(TARGET).find(({ name }) => name === ENCODED_BY_FFMPEG[0])!.bytes;
    await fuzz(
      TARGET,
      generated,
      (bytes) => {
        let clock = 0;
        const taps = [new IngestTap("fuzzed", () => clock), new IngestTap("reference", () => clock)] as const;
        const out: Buffer[] = [];
        const bus = new BusRelay((chunk) => out.push(chunk), { now: () => clock });
        bus.select(taps[0]);
        const plan: Array<[number, 0 | 1, SwitchMode]> = [
          [2, 1, "cut"],
          [4, 0, "clean"],
          [6, 1, "clean"],
          [8, 0, "cut"],
        ];
        const chunk = 2 * PACKET_SIZE;
        const rounds = Math.max(Math.ceil(bytes.length / chunk), Math.ceil(reference.length / chunk), 10);
        for (let round = 0; round < rounds; round++) {
          clock += 20;
          for (const [at, to, mode] of plan) if (at === round) void bus.switchTo(taps[to], mode);
          bus.accept(taps[0], taps[0].push(bytes.subarray(round * chunk, (round + 1) * chunk)));
          bus.accept(taps[1], taps[1].push(reference.subarray(round * chunk, (round + 1) * chunk)));
        }
        bus.close();
        const output = Buffer.concat(out);
        expectWellFormed(output);
        expect(output.length).toBeGreaterThan(0);
      },
      300,
    );
  });
});

describe("timestamps and program tables", () => {
  it("rebase moves PCR, PTS and DTS by the offset on the 33-bit circle, and back again to the same bytes", () => {
    const encoded = corpus(TARGET).filter(({ name }) => ENCODED_BY_FFMPEG.includes(name));
    const validPackets = encoded.flatMap(({ bytes }) => Array.from({ length: bytes.length / PACKET_SIZE }, (_, i) => bytes.subarray(i * PACKET_SIZE, (i + 1) * PACKET_SIZE)));
    expect(validPackets.length).toBeGreaterThan(20);
    const cases = fc.oneof(fc.constantFrom(...validPackets).map((original) => ({ original, valid: true })), packet.map((original) => ({ original, valid: false })));
    fc.assert(
      fc.property(cases, fc.integer({ min: -TIMESTAMP_WRAP, max: TIMESTAMP_WRAP }), ({ original, valid }, offset) => {
        const moved = Buffer.from(original);
        const before = { pcr: readPcr(original), pes: readPes(original) };
        rebase(moved, offset);
        const pcr = readPcr(moved);
        if (before.pcr !== undefined) expect(pcr).toBe(wrap(before.pcr + offset));
        const pes = readPes(moved);
        if (before.pes?.pts !== undefined && (original[1]! & 0x40) !== 0) expect(pes?.pts).toBe(wrap(before.pes.pts + offset));
        if (before.pes?.dts !== undefined && (original[1]! & 0x40) !== 0) expect(pes?.dts).toBe(wrap(before.pes.dts + offset));
        if (valid) {
          rebase(moved, -offset);
          expect(moved).toEqual(original);
        }
      }),
      { seed: SEED, numRuns: 1_000 },
    );
  });

  it("the tap reads back the streams of any PAT and PMT written, with their CRC", () => {
    const stream = fc.record({
      pid: fc.integer({ min: 0x20, max: 0xfff }),
      streamType: fc.constantFrom(...VIDEO_STREAM_TYPES, ...AUDIO_STREAM_TYPES, 0x06, 0x15, 0x86),
      descriptors: fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
    });
    fc.assert(
      fc.property(fc.uniqueArray(stream, { selector: (s) => s.pid, minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 31 }), (streams, version) => {
        const pat = patSection(1, 0x1000, version);
        const pmt = pmtSection(1, streams[0]!.pid, streams, version);
        expect(crc32(pat)).toBe(0);
        expect(crc32(pmt)).toBe(0);
        const tap = new IngestTap("written", () => 0);
        tap.push(Buffer.concat([psiPacket(0, pat, 0), psiPacket(0x1000, pmt, 0), psiPacket(0, pat, 1)]));

        const video = streams.find((s) => VIDEO_STREAM_TYPES.has(s.streamType));
        const audio = streams.filter((s) => s !== video && (AUDIO_STREAM_TYPES.has(s.streamType) || s.streamType === 0x06));
        const expected: PmtStream[] = [
          ...(video ? [{ ...video, pid: OUTPUT_VIDEO_PID }] : []),
          ...audio.map((s, index) => ({ ...s, pid: 0x101 + index })),
        ];
        expect(tap.streams).toEqual(expected);
        expect(tap.ready).toBe(expected.length > 0);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("presentation times of a segment's head and tail", () => {
  it("reads the first and last PTS of each stream from any bytes, and moves them with a rebase", () => {
    const reference = corpus(TARGET).find(({ name }) => name === ENCODED_BY_FFMPEG[0])!.bytes;
    const found = pesTimestamps(reference);
    expect(found.size).toBeGreaterThanOrEqual(2);
    for (const { first, last } of found.values()) expect(timestampDelta(first, last)).toBeGreaterThanOrEqual(0);
    fc.assert(
      fc.property(fc.oneof(generated, fc.constant(reference)), fc.integer({ min: -TIMESTAMP_WRAP, max: TIMESTAMP_WRAP }), (bytes, offset) => {
        const before = pesTimestamps(bytes);
        for (const { first, last } of before.values()) expect(timestampDelta(first, last)).toBeGreaterThanOrEqual(0);
        const moved = Buffer.from(bytes);
        for (let at = 0; at + PACKET_SIZE <= moved.length; at += PACKET_SIZE) {
          if (moved[at] === SYNC_BYTE) rebase(moved.subarray(at, at + PACKET_SIZE), offset);
        }
        const after = pesTimestamps(moved);
        if (bytes === reference) {
          for (const [pid, { first, last }] of before) expect(after.get(pid)).toEqual({ first: wrap(first + offset), last: wrap(last + offset) });
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
