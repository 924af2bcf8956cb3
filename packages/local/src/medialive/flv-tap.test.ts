import { PassThrough, type Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { FlvTap } from "./flv-tap.ts";
import { FellBehind } from "./media-queue.ts";

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
/** Pictures of `size` bytes (the few needed to fill a stream's buffer in a test). */
const keyframe = (at: number, size = 1) => tag(9, at, [0x17, 1, 0, 0, 0, ...Buffer.alloc(size, at & 0xff)]);
const frame = (at: number, size = 1) => tag(9, at, [0x27, 1, 0, 0, 0, ...Buffer.alloc(size, at & 0xff)]);
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
function publish(source: PassThrough, fromMs: number, toMs: number, pictureBytes = 1) {
  for (let at = fromMs; at < toMs; at += 40) {
    source.write((at / 40) % 3 === 0 ? keyframe(at, pictureBytes) : frame(at, pictureBytes));
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

  it("held past the bound before any consumer attached: tells what it held at the drop, and once the next consumer starts, what arrived after the drop up to its start", async () => {
    const lost: number[] = [];
    const source = new PassThrough({ highWaterMark: 64 * 1024 * 1024 });
    const tap = new FlvTap(source, (lostMs) => lost.push(lostMs), 256 * 1024);
    tap.hold();
    source.write(HEADER);
    source.write(videoConfig());
    // 100 kB pictures: dropped at about 1.7 s, past the 4 MB its stream buffers and 256 kB more; none keeps what follows.
    publish(source, 0, 2_800, 100_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lost, "what it held, told at the drop").toEqual([1_720]);

    const next = tap.attach();
    publish(source, 2_800, 2_920, 100_000);
    source.end();

    expect((await videoTimestamps(next.stream))[0]).toBe(2_760);
    // All of it lost up to the next consumer's first picture: the 1,720 ms held and the 1,040 ms that followed.
    expect(lost).toEqual([1_720, 1_040]);
  });

  describe("a consumer whose transcoder reads nothing until its queue passes the bound", () => {
    /** 100 kB pictures: the consumer's stream buffers 4 MB (41 pictures) before anything waits beyond it. */
    const PICTURE_BYTES = 100_000;

    async function dropped(recordedOfDropped: () => number | undefined) {
      const source = new PassThrough({ highWaterMark: 64 * 1024 * 1024 });
      const tap = new FlvTap(source, () => {}, 256 * 1024, recordedOfDropped);
      source.write(HEADER);
      source.write(videoConfig());
      publish(source, 0, 40, PICTURE_BYTES);
      await new Promise((resolve) => setImmediate(resolve));
      const first = tap.attach();
      const failed = new Promise<unknown>((resolve) => first.stream.once("error", resolve));
      // 70 pictures: past the 4 MB the stream buffers and the 256 kB that may wait beyond it.
      publish(source, 40, 2_800, PICTURE_BYTES);
      expect(await failed).toBeInstanceOf(FellBehind);
      return { source, tap };
    }

    it("when the run goes on from what it recorded, hands the next consumer everything from the keyframe before that point, the tag that overflowed included", async () => {
      // The dropped transcoder recorded 1.58 s: the next one starts at the last keyframe decoded a second before, 0.48 s.
      const { source, tap } = await dropped(() => 1_580);
      expect(tap.carrying()).toBe(true);
      tap.detach();
      expect(tap.carrying(), "a detach leaves what is carried over for the next consumer").toBe(true);

      const next = tap.attach();
      expect(next.carried).toBe(true);
      expect(next.caughtUp?.(), "with the dropped one's media still to read").toBe(false);
      expect(next.originMs?.()).toBe(480);
      expect(tap.carrying()).toBe(false);
      publish(source, 2_800, 2_920, PICTURE_BYTES);
      source.end();

      expect(await videoTimestamps(next.stream)).toEqual(Array.from({ length: 61 }, (_, index) => 480 + index * 40));
    });

    it("when it does not (the fastest preset, the one dropped not caught up), lets what waited go: the next consumer starts at the latest keyframe", async () => {
      const { source, tap } = await dropped(() => undefined);
      expect(tap.carrying()).toBe(false);

      const next = tap.attach();
      expect(next.carried).toBe(false);
      expect(next.caughtUp?.(), "a consumer that starts live has nothing to catch up on").toBe(true);
      publish(source, 2_800, 2_920, PICTURE_BYTES);
      source.end();

      expect((await videoTimestamps(next.stream))[0]).toBeGreaterThanOrEqual(2_640);
    });
  });
});
