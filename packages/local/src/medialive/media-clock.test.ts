import { describe, expect, it } from "vitest";
import { lostToSilence } from "./media-clock.ts";

const at = (ms: number, source = "publish-1") => ({ source, ms });

describe("lostToSilence", () => {
  it("counts nothing lost when the publisher's stamps moved on by a frame while we did not read for 2.5 s", () => {
    expect(lostToSilence(at(10_000), at(10_033), 2_500)).toBe(33);
  });

  it("counts what the publisher's stamps skipped in a real pause of one publish, at most the silence", () => {
    expect(lostToSilence(at(10_000), at(14_000), 4_100)).toBe(4_000);
    expect(lostToSilence(at(10_000), at(90_000), 4_100)).toBe(4_100);
  });

  it("counts across the stamps' wrap at 2^32 ms", () => {
    expect(lostToSilence(at(2 ** 32 - 1_000), at(2_000), 3_100)).toBe(3_000);
  });

  it("falls back to the silence for a new publish, stamps that went back (restarted), or no clock", () => {
    expect(lostToSilence(at(10_000), at(10_033, "publish-2"), 2_500)).toBe(2_500);
    expect(lostToSilence(at(50_000), at(0), 2_500)).toBe(2_500);
    expect(lostToSilence(undefined, at(10_033), 2_500)).toBe(2_500);
    expect(lostToSilence(at(10_000), undefined, 2_500)).toBe(2_500);
  });
});
