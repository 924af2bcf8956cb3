import { afterEach, describe, expect, it, vi } from "vitest";
import { MonitoringDeferred, RequestRateLimiter } from "./requests.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("RequestRateLimiter", () => {
  it("lets 5 through at once, then one more each time a second has passed since one of those", async () => {
    vi.useFakeTimers();
    const limiter = new RequestRateLimiter(5);
    const start = Date.now();
    const at: number[] = [];

    const all = Promise.all(Array.from({ length: 12 }, () => limiter.take().then(() => at.push(Date.now() - start))));
    await vi.advanceTimersByTimeAsync(5_000);
    await all;

    expect(at).toEqual([0, 0, 0, 0, 0, 1_000, 1_000, 1_000, 1_000, 1_000, 2_000, 2_000]);
    for (let index = 5; index < at.length; index++) expect(at[index]! - at[index - 5]!).toBeGreaterThanOrEqual(1_000);
  });

  it("lets the panel's reads take three places a second at most, never ahead of a switch, and defers them past their deadline", async () => {
    vi.useFakeTimers();
    const limiter = new RequestRateLimiter(5);
    const monitoring = () => ({ monitor: true, deadlineAt: Date.now() + 200 });

    for (let read = 0; read < 3; read++) await limiter.take("eu-west-1", monitoring());
    const fourthRead = limiter.take("eu-west-1", monitoring()).catch((error: unknown) => error);
    await limiter.take("eu-west-1");
    await limiter.take("eu-west-1");
    await vi.advanceTimersByTimeAsync(300);

    expect(await fourthRead).toBeInstanceOf(MonitoringDeferred);
    // A second later the reads have their places again.
    await vi.advanceTimersByTimeAsync(1_000);
    await limiter.take("eu-west-1", monitoring());
  });
});
