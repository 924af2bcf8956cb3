import { describe, expect, it } from "vitest";
import { ChunkReader, encodeChunks, type RtmpMessage, RtmpProtocolError } from "./chunks.ts";

const AUDIO = 8;
const VIDEO = 9;

function collect() {
  const messages: RtmpMessage[] = [];
  const reader = new ChunkReader((message) => messages.push({ ...message, payload: Buffer.from(message.payload) }));
  return { reader, messages };
}

function u24(value: number) {
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
function u32(value: number) {
  return [(value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
function bytes(...parts: Array<number[] | Buffer>): Buffer {
  return Buffer.concat(parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.from(part))));
}

describe("ChunkReader", () => {
  it("reassembles messages split into chunks, fed one byte at a time", () => {
    const { reader, messages } = collect();
    const big = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    const input = Buffer.concat([
      encodeChunks({ chunkStreamId: 4, type: VIDEO, streamId: 1, timestamp: 40, payload: big }, 128),
      encodeChunks({ chunkStreamId: 5, type: AUDIO, streamId: 1, timestamp: 41, payload: Buffer.from("aac") }, 128),
    ]);

    for (const byte of input) reader.push(Buffer.from([byte]));

    expect(messages).toEqual([
      { type: VIDEO, streamId: 1, timestamp: 40, payload: big },
      { type: AUDIO, streamId: 1, timestamp: 41, payload: Buffer.from("aac") },
    ]);
  });

  it("rebuilds absolute timestamps from type 1, 2 and 3 headers", () => {
    const { reader, messages } = collect();

    reader.push(
      bytes(
        [0x04, ...u24(1000), ...u24(2), AUDIO, 1, 0, 0, 0], // fmt 0: t=1000, stream 1
        [0xa1, 0xa2],
        [0x84, ...u24(33)], // fmt 2: +33, same length and type
        [0xb1, 0xb2],
        [0xc4], // fmt 3: a new message repeating the last delta
        [0xc1, 0xc2],
        [0x44, ...u24(20), ...u24(3), VIDEO], // fmt 1: +20, new length and type
        [0xd1, 0xd2, 0xd3],
      ),
    );

    expect(messages.map((m) => [m.type, m.streamId, m.timestamp, m.payload.toString("hex")])).toEqual([
      [AUDIO, 1, 1000, "a1a2"],
      [AUDIO, 1, 1033, "b1b2"],
      [AUDIO, 1, 1066, "c1c2"],
      [VIDEO, 1, 1086, "d1d2d3"],
    ]);
  });

  it("reads a type 3 message after a type 0 one as ffmpeg writes it: the type 0 timestamp is the delta", () => {
    const { reader, messages } = collect();

    reader.push(bytes([0x04, ...u24(21), ...u24(1), AUDIO, 1, 0, 0, 0, 0xaa], [0xc4, 0xbb]));

    expect(messages.map((m) => m.timestamp)).toEqual([21, 42]);
  });

  it("reads 2- and 3-byte chunk stream ids", () => {
    const { reader, messages } = collect();
    const id = 1000 - 64;

    reader.push(
      bytes(
        [0x00, 100 - 64, ...u24(5), ...u24(1), AUDIO, 1, 0, 0, 0, 0x01], // csid 100
        [0x01, id & 0xff, id >> 8, ...u24(6), ...u24(1), VIDEO, 1, 0, 0, 0, 0x02], // csid 1000
        [0xc0, 100 - 64, 0x03], // fmt 3 on csid 100: +5
      ),
    );

    expect(messages.map((m) => [m.type, m.timestamp, m.payload[0]])).toEqual([
      [AUDIO, 5, 1],
      [VIDEO, 6, 2],
      [AUDIO, 10, 3],
    ]);
  });

  it("reads extended timestamps, repeated on continuation chunks or not", () => {
    const payload = Buffer.alloc(300, 7);
    const time = 0x01234567;
    const repeated = encodeChunks({ chunkStreamId: 6, type: VIDEO, streamId: 1, timestamp: time, payload }, 128);
    const withoutRepeats = bytes(
      [0x06, 0xff, 0xff, 0xff, ...u24(300), VIDEO, 1, 0, 0, 0, ...u32(time)],
      payload.subarray(0, 128),
      [0xc6],
      payload.subarray(128, 256),
      [0xc6],
      payload.subarray(256),
    );

    for (const input of [repeated, withoutRepeats]) {
      const { reader, messages } = collect();
      for (let at = 0; at < input.length; at += 7) reader.push(input.subarray(at, at + 7));
      expect(messages).toEqual([{ type: VIDEO, streamId: 1, timestamp: time, payload }]);
    }
  });

  it("adds an extended delta, also on a type 3 message, and wraps at 2^32", () => {
    const { reader, messages } = collect();

    reader.push(
      bytes(
        [0x04, 0xff, 0xff, 0xff, ...u24(1), AUDIO, 1, 0, 0, 0, ...u32(0xfffffff0), 0x01],
        [0x84, 0xff, 0xff, 0xff, ...u32(0x01000000), 0x02],
        [0xc4, ...u32(0x01000000), 0x03],
      ),
    );

    expect(messages.map((m) => m.timestamp)).toEqual([0xfffffff0, 0x00fffff0, 0x01fffff0]);
  });

  it("follows Set Chunk Size and drops an aborted message", () => {
    const { reader, messages } = collect();
    const big = Buffer.alloc(10_000, 3);
    reader.push(bytes([0x04, ...u24(0), ...u24(200), AUDIO, 1, 0, 0, 0], Buffer.alloc(128)));

    reader.abort(4);
    reader.setChunkSize(4096);
    reader.push(encodeChunks({ chunkStreamId: 4, type: VIDEO, streamId: 1, timestamp: 9, payload: big }, 4096));

    expect(messages).toEqual([{ type: VIDEO, streamId: 1, timestamp: 9, payload: big }]);
  });

  it("holds input while paused", () => {
    const messages: RtmpMessage[] = [];
    const input = Buffer.concat([1, 2, 3].map((t) => encodeChunks({ chunkStreamId: 4, type: AUDIO, streamId: 1, timestamp: t, payload: Buffer.from([t]) }, 128)));
    const paused = new ChunkReader((message) => {
      messages.push(message);
      paused.pause();
    });

    paused.push(input);
    expect(messages.map((m) => m.timestamp)).toEqual([1]);
    paused.resume();
    expect(messages.map((m) => m.timestamp)).toEqual([1, 2]);
  });

  it.each([
    ["an unknown message type", [0x04, ...u24(0), ...u24(1), 0x42, 1, 0, 0, 0]],
    ["a chunk stream that starts with a type 3 header", [0xc4, 0x00]],
  ])("rejects %s", (_, input) => {
    const { reader } = collect();

    expect(() => reader.push(Buffer.from(input))).toThrow(RtmpProtocolError);
  });

  it("rejects more than 32 MiB of partly received messages (a length field tops out at 16 MiB - 1)", () => {
    const { reader } = collect();
    const part = Buffer.alloc(11 * 1024 * 1024);
    reader.setChunkSize(part.length);

    reader.push(bytes([0x04, ...u24(0), ...u24(0xffffff), VIDEO, 1, 0, 0, 0], part));
    reader.push(bytes([0x05, ...u24(0), ...u24(0xffffff), VIDEO, 1, 0, 0, 0], part));

    expect(() => reader.push(bytes([0x06, ...u24(0), ...u24(0xffffff), VIDEO, 1, 0, 0, 0], part))).toThrow(RtmpProtocolError);
  });

  it("rejects a zero chunk size", () => {
    expect(() => collect().reader.setChunkSize(0)).toThrow(RtmpProtocolError);
  });
});
