import { describe, expect, it } from "vitest";
import { MediaQueue } from "./media-queue.ts";

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("MediaQueue", () => {
  it("has caught up once its reader has taken what it started with and what waits is within a quarter of the bound", async () => {
    const queue = new MediaQueue({ attached: true, highWaterMark: 1_000, maxBytes: 4_000, startingBytes: 10_000, onDropped: () => {} });
    for (let index = 0; index < 10; index++) queue.write(Buffer.alloc(1_000), index * 40);
    expect(queue.caughtUp(), "with what it started with unread").toBe(false);

    queue.stream.read();
    await settle();
    queue.write(Buffer.alloc(1_000), 400);
    expect(queue.caughtUp(), "with most of it read").toBe(false);

    while (queue.stream.read() !== null) await settle();
    queue.write(Buffer.alloc(1_000), 440);
    expect(queue.caughtUp(), "with all of it read").toBe(true);

    // Once caught up, it stays so, however far behind it falls again.
    for (let index = 0; index < 4; index++) queue.write(Buffer.alloc(1_000), 480 + index * 40);
    expect(queue.caughtUp()).toBe(true);
  });

  it("that starts with nothing has nothing to catch up on", () => {
    const queue = new MediaQueue({ attached: true, highWaterMark: 1_000, maxBytes: 4_000, onDropped: () => {} });
    expect(queue.caughtUp()).toBe(true);
  });
});
