import { PassThrough, type Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { FlvTap } from "./flv-tap.ts";

const HEADER = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 9, 0, 0, 0, 0]);

/** One FLV tag: type, timestamp (ms) and body, with its trailing previous-tag size. */
function tag(type: number, timestampMs: number, body: number[]): Buffer {
  const bytes = Buffer.alloc(11 + body.length + 4);
  bytes[0] = type;
  bytes.writeUIntBE(body.length, 1, 3);
  bytes.writeUIntBE(timestampMs & 0xffffff, 4, 3);
  bytes[7] = (timestampMs >>> 24) & 0xff;
  Buffer.from(body).copy(bytes, 11);
  bytes.writeUInt32BE(11 + body.length, 11 + body.length);
  return bytes;
}

const videoConfig = () => tag(9, 0, [0x17, 0, 0, 0, 0, 1]);
const keyframe = (at: number) => tag(9, at, [0x17, 1, 0, 0, 0, at & 0xff]);
const frame = (at: number) => tag(9, at, [0x27, 1, 0, 0, 0, at & 0xff]);
const audio = (at: number) => tag(8, at, [0xaf, 1, at & 0xff]);

/** Video tags' timestamps in an FLV stream (the header skipped), once it has ended. */
async function videoTimestamps(stream: Readable): Promise<number[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  let bytes = Buffer.concat(chunks).subarray(HEADER.length);
  const found: number[] = [];
  while (bytes.length >= 11) {
    const size = bytes.readUIntBE(1, 3);
    const isConfig = bytes[0] === 9 && bytes[12] === 0;
    if (bytes[0] === 9 && !isConfig) found.push(bytes.readUIntBE(4, 3));
    bytes = bytes.subarray(11 + size + 4);
  }
  return found;
}

/** A publish of GOPs of 3 frames, 40 ms apart: keyframes at 0, 120, 240, … */
function publish(source: PassThrough, fromMs: number, toMs: number) {
  for (let at = fromMs; at < toMs; at += 40) {
    source.write((at / 40) % 3 === 0 ? keyframe(at) : frame(at));
    source.write(audio(at));
  }
}

describe("FLV tap", () => {
  it("held, keeps every tag from the first keyframe on until a consumer attaches, however long that takes", async () => {
    const source = new PassThrough();
    const tap = new FlvTap(source);
    tap.hold();
    source.write(HEADER);
    source.write(videoConfig());
    publish(source, 0, 1_200);

    const { stream, fedMs } = tap.attach();
    publish(source, 1_200, 1_440);
    source.end();

    expect(await videoTimestamps(stream)).toEqual(Array.from({ length: 36 }, (_, index) => index * 40));
    expect(fedMs()).toBe(1_400);
  });

  it("held, hands over what it kept even when the publish ended before the consumer attached", async () => {
    const source = new PassThrough();
    const tap = new FlvTap(source);
    tap.hold();
    source.write(HEADER);
    source.write(videoConfig());
    publish(source, 0, 400);
    source.end();
    await tap.ended;

    expect(await videoTimestamps(tap.attach().stream)).toEqual([0, 40, 80, 120, 160, 200, 240, 280, 320, 360]);
  });

  it("not held, gives a late consumer the group of pictures under way, from its keyframe", async () => {
    const source = new PassThrough();
    const tap = new FlvTap(source);
    source.write(HEADER);
    source.write(videoConfig());
    publish(source, 0, 400);
    await new Promise((resolve) => setImmediate(resolve));

    const { stream } = tap.attach();
    publish(source, 400, 480);
    source.end();

    expect(await videoTimestamps(stream)).toEqual([360, 400, 440]);
  });
});
