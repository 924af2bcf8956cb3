import { describe, expect, it } from "vitest";
import { RecentReads } from "./recent-reads.ts";

/** A load the test answers when it wants, counting how often it was asked. */
function controlledLoad<T>() {
  const pending: { resolve: (value: T) => void; reject: (error: Error) => void }[] = [];
  let asked = 0;
  return {
    load: () =>
      new Promise<T>((resolve, reject) => {
        asked++;
        pending.push({ resolve, reject });
      }),
    answer: (value: T) => pending.shift()!.resolve(value),
    fail: (error: Error) => pending.shift()!.reject(error),
    asked: () => asked,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("RecentReads", () => {
  it("counts an answer's age from when the database was asked, and neither keeps nor shares a read older than ttlMs", async () => {
    const clock = { ms: 0 };
    const reads = new RecentReads<string>({ ttlMs: 1_000, now: () => clock.ms });
    const source = controlledLoad<string>();

    const slow = reads.read("key", source.load);
    clock.ms = 1_200; // the read was held up (a frozen Lambda, a stalled database) past ttlMs
    const later = reads.read("key", source.load);
    source.answer("old");
    source.answer("new");

    expect(await slow).toBe("old");
    expect(await later).toBe("new");
    expect(source.asked()).toBe(2);
    // "new" was asked at 1 200 ms: kept until 2 200 ms, not 1 000 ms after it arrived
    clock.ms = 2_199;
    expect(await reads.read("key", source.load)).toBe("new");
    clock.ms = 2_200;
    const expired = reads.read("key", source.load);
    source.answer("newer");
    expect(await expired).toBe("newer");
    expect(source.asked()).toBe(3);
  });

  it("keeps giving the kept answer when a background read fails, and reads again on the next request", async () => {
    const clock = { ms: 0 };
    const reads = new RecentReads<string>({ ttlMs: 1_000, now: () => clock.ms });
    const source = controlledLoad<string>();
    const first = reads.read("key", source.load);
    source.answer("kept");
    await first;

    clock.ms = 600; // past ttlMs / 2: answered from memory, read again in the background
    expect(await reads.read("key", source.load)).toBe("kept");
    source.fail(new Error("database unreachable"));
    await tick();
    expect(await reads.read("key", source.load)).toBe("kept");
    expect(source.asked()).toBe(3);
    source.answer("fresh");
    await tick();
    expect(await reads.read("key", source.load)).toBe("fresh");
  });

  it("spreads the background reads of answers read together between ttlMs / 4 and ttlMs / 2, when told, instead of all at ttlMs / 2", async () => {
    const keys = Array.from({ length: 1_000 }, (_, index) => `acc-${index % 50}/rec-${index}`);
    /** How many background reads each step of 1 % of ttlMs starts, when every key is asked for at every step. */
    const refreshesPerStep = async (spreadRefreshes: boolean) => {
      const clock = { ms: 0 };
      const reads = new RecentReads<string>({ ttlMs: 10_000, now: () => clock.ms, spreadRefreshes });
      let loads = 0;
      const load = async () => {
        loads++;
        return "recording";
      };
      await Promise.all(keys.map((key) => reads.read(key, load)));
      const perStep: number[] = [];
      for (let step = 1; step < 100; step++) {
        clock.ms = step * 100;
        const before = loads;
        await Promise.all(keys.map((key) => reads.read(key, load)));
        perStep.push(loads - before);
      }
      return perStep;
    };

    const together = await refreshesPerStep(false);
    expect(together[49]).toBe(1_000); // at 50 %, every key at once
    const spread = await refreshesPerStep(true);
    // The first round of background reads: from 25 % (step 24) to 50 % (step 49); each one read again starts its own.
    const firstRound = spread.slice(24, 50);
    expect(spread.slice(0, 24).every((count) => count === 0)).toBe(true);
    expect(firstRound.reduce((sum, count) => sum + count, 0)).toBe(1_000);
    // 1,000 reads over 25 steps: about 40 a step, none near the burst of before.
    expect(Math.max(...firstRound)).toBeLessThan(80);
  });

  it("does not keep what a read under way found when a write forgot that key meanwhile", async () => {
    const reads = new RecentReads<string>({ ttlMs: 1_000, now: () => 0 });
    const source = controlledLoad<string>();

    const racing = reads.read("key", source.load);
    reads.forget((key) => key === "key");
    source.answer("before the write");
    const next = reads.read("key", source.load);
    source.answer("after the write");

    expect(await racing).toBe("before the write");
    expect(await next).toBe("after the write");
    expect(source.asked()).toBe(2);
  });
});
