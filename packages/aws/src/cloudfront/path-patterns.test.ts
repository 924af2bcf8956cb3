import { describe, expect, it } from "vitest";
import { livePathPattern, matchesPathPattern } from "./path-patterns.ts";

describe("matchesPathPattern", () => {
  it.each([
    ["public/*", "/public/player.html", true],
    ["public/*", "/public/", true],
    ["public/*", "/public", false],
    ["/images/*.jpg", "/images/a/b.jpg", true],
    ["images/*.jpg", "/images/a.jpeg", false],
    ["a?c", "/abc", true],
    ["a?c", "/ac", false],
    ["a.c", "/abc", false],
    ["Public/*", "/public/x", false],
    ["out/v1/group+1/*", "/out/v1/group+1/x", true],
  ])("%s against %s is %s", (pattern, path, expected) => {
    const matches = matchesPathPattern(pattern, path);

    expect(matches).toBe(expected);
  });
});

describe("livePathPattern", () => {
  it("covers every channel of the stage's channel group", () => {
    const pattern = livePathPattern("visionstream-prod");

    expect(pattern).toBe("out/v1/visionstream-prod/*");
  });
});
