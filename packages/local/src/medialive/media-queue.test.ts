import { describe, expect, it } from "vitest";
import { FellBehind, MediaQueue } from "./media-queue.ts";

const settle = () => new Promise((resolve) => setImmediate(resolve));
const CHUNK = Buffer.alloc(1_000);

/** A queue bounded at 4,000 bytes beyond a 1,000-byte stream buffer, started with 10,000 bytes of a dropped one's. */
function carried() {
  const dropped: MediaQueue[] = [];
  const queue = new MediaQueue({ attached: true, highWaterMark: 1_000, maxBytes: 4_000, startingBytes: 10_000, onDropped: (it) => dropped.push(it) });
  for (let index = 0; index < 10; index++) queue.write(CHUNK);
  return { queue, dropped };
}

/** Reads `bytes` from the stream (or all it has), as a transcoder would. */
async function read(queue: MediaQueue, bytes: number) {
  let taken = 0;
  while (taken < bytes && queue.stream.readableLength > 0) {
    const chunk = queue.stream.read(Math.min(bytes - taken, queue.stream.readableLength)) as Buffer | null;
    if (!chunk) break;
    taken += chunk.length;
    await settle();
  }
}

describe("MediaQueue", () => {
  it("has caught up once its reader has taken what it started with and what waits is within a quarter of the bound", async () => {
    const { queue } = carried();
    expect(queue.caughtUp(), "with what it started with unread").toBe(false);

    // Live media arrives while it reads what it started with: once that and a little more is read, 4,000 bytes wait.
    for (let index = 0; index < 5; index++) queue.write(CHUNK);
    await read(queue, 11_000);
    queue.write(CHUNK);
    expect(queue.caughtUp(), "read what it started with, with most of the bound of 4,000 still waiting").toBe(false);

    await read(queue, 100_000);
    queue.write(CHUNK);
    expect(queue.caughtUp(), "with all of it read").toBe(true);

    // Once caught up, it stays so, however far behind it falls again.
    for (let index = 0; index < 3; index++) queue.write(CHUNK);
    expect(queue.caughtUp()).toBe(true);
  });

  it("is not dropped for waiting beyond the bound once it has read what it started with, while its reader gains ground; it is once it falls a quarter of the bound behind its best", async () => {
    const { queue, dropped } = carried();
    // The reader takes 800 bytes for every 1,000 that arrive: when it has read what it started with, more than the
    // 4,000-byte bound waits.
    for (let index = 0; index < 14; index++) {
      queue.write(CHUNK);
      await read(queue, 800);
    }
    expect(queue.stream.writableLength, "waiting beyond the stream's buffer").toBeGreaterThan(4_000);
    expect(dropped).toEqual([]);

    // Gaining: 1,200 read for every 1,000 that arrive.
    for (let index = 0; index < 5; index++) {
      queue.write(CHUNK);
      await read(queue, 1_200);
    }
    expect(dropped, "gaining ground").toEqual([]);
    expect(queue.caughtUp()).toBe(false);

    // Losing ground again, reading nothing: dropped once a quarter of the bound (1,000 bytes) more than its best waits.
    const failed = new Promise((resolve) => queue.stream.once("error", resolve));
    let writes = 0;
    while (dropped.length === 0 && writes < 10) {
      queue.write(CHUNK);
      writes++;
    }
    expect(dropped).toEqual([queue]);
    // The bound is looked at before each write: the third write is the one that finds more than 1,000 beyond the best.
    expect(writes, "1,000-byte writes until it was dropped").toBeLessThanOrEqual(3);
    expect(await failed).toBeInstanceOf(FellBehind);
  });

  it("that starts with nothing has caught up at its first write once attached, not while it is held", () => {
    const queue = new MediaQueue({ attached: false, highWaterMark: 1_000, maxBytes: 4_000, onDropped: () => {} });
    queue.write(CHUNK);
    expect(queue.caughtUp(), "held for a transcoder still to attach").toBe(false);
    queue.attached = true;
    queue.write(CHUNK);
    expect(queue.caughtUp()).toBe(true);
  });
});
