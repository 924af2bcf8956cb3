import { describe, expect, it } from "vitest";
import { InvalidEventPattern, matchesPattern } from "./match.ts";
import { Rules } from "./patterns.ts";

const event = {
  source: "aws.s3",
  "detail-type": "Object Created",
  detail: { bucket: { name: "b" }, object: { key: "recordings/ch1/s1/720p/seg_00001.ts", size: 1200 }, reason: "PutObject" },
};

describe("matchesPattern", () => {
  it("matches literal values and nested objects", () => {
    expect(matchesPattern({ source: ["aws.s3"], detail: { bucket: { name: ["b"] } } }, event)).toBe(true);
    expect(matchesPattern({ source: ["aws.medialive"] }, event)).toBe(false);
  });

  it("matches prefix, suffix and equals-ignore-case", () => {
    expect(matchesPattern({ detail: { object: { key: [{ prefix: "recordings/" }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { object: { key: [{ prefix: "live/" }] } } }, event)).toBe(false);
    expect(matchesPattern({ detail: { object: { key: [{ suffix: ".ts" }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { reason: [{ "equals-ignore-case": "putobject" }] } }, event)).toBe(true);
  });

  it("matches anything-but, exists and numeric", () => {
    expect(matchesPattern({ detail: { reason: [{ "anything-but": ["CopyObject"] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { reason: [{ "anything-but": "PutObject" }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { "deletion-type": [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { reason: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { object: { size: [{ numeric: [">", 1000, "<=", 1200] }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { object: { size: [{ numeric: ["<", 1000] }] } } }, event)).toBe(false);
  });

  it("matches prefix and suffix only on strings, and regardless of case when asked", () => {
    const key = (value: unknown) => ({ detail: { object: { key: value } } });

    expect(matchesPattern({ detail: { object: { key: [{ prefix: "" }] } } }, key("anything"))).toBe(true);
    expect(matchesPattern({ detail: { object: { key: [{ prefix: "1" }] } } }, key(12))).toBe(false);
    expect(matchesPattern({ detail: { object: { key: [{ suffix: "2" }] } } }, key(12))).toBe(false);
    expect(matchesPattern({ detail: { object: { key: [{ prefix: "Recordings/" }] } } }, event)).toBe(false);
    expect(matchesPattern({ detail: { object: { key: [{ prefix: { "equals-ignore-case": "RECORDINGS/" } }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { object: { key: [{ suffix: { "equals-ignore-case": ".TS" } }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { object: { key: [{ prefix: "seg" }] } } }, key(["live/a.ts", "seg.ts"]))).toBe(true);
    expect(matchesPattern({ detail: { object: { key: [{ "anything-but": { suffix: ".m3u8" } }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { object: { key: [{ "anything-but": { prefix: "recordings/" } }] } } }, event)).toBe(false);
  });

  it("matches wildcards as EventBridge does: * spans any characters, slashes included, and \\ escapes * and \\", () => {
    const key = (value: string) => ({ detail: { object: { key: value } } });
    const wildcard = (pattern: string) => ({ detail: { object: { key: [{ wildcard: pattern }] } } });

    expect(matchesPattern(wildcard("recordings/*.ts"), event)).toBe(true);
    expect(matchesPattern(wildcard("recordings/*.ts"), key("recordings/.ts"))).toBe(true);
    expect(matchesPattern(wildcard("recordings/*.ts"), key("recordings/ch1/s1/720p/index.m3u8"))).toBe(false);
    expect(matchesPattern(wildcard("recordings/*.ts"), key("recordings/ch1/seg.tsx"))).toBe(false);
    expect(matchesPattern(wildcard("recordings/*.ts"), key("live/recordings/seg.ts"))).toBe(false);
    expect(matchesPattern(wildcard("*/720p/*"), event)).toBe(true);
    expect(matchesPattern(wildcard("a.c"), key("abc"))).toBe(false);
    expect(matchesPattern(wildcard("(a)+[b]"), key("(a)+[b]"))).toBe(true);
    expect(matchesPattern(wildcard("a\\*b"), key("a*b"))).toBe(true);
    expect(matchesPattern(wildcard("a\\*b"), key("axb"))).toBe(false);
    expect(matchesPattern(wildcard("a\\\\b"), key("a\\b"))).toBe(true);
    expect(matchesPattern(wildcard("line*end"), key("line\nend"))).toBe(true);
    expect(matchesPattern(wildcard("*"), { detail: { object: { key: 5 } } })).toBe(false);
    expect(matchesPattern({ detail: { object: { key: [{ "anything-but": { wildcard: "*/lib/*" } }] } } }, event)).toBe(true);
  });

  it("refuses the wildcards and affixes EventBridge refuses", () => {
    const wildcard = (pattern: unknown) => ({ detail: { object: { key: [{ wildcard: pattern }] } } });

    expect(() => matchesPattern(wildcard("recordings/**.ts"), event)).toThrow(InvalidEventPattern);
    expect(() => matchesPattern(wildcard("a\\b"), event)).toThrow(/backslash/);
    expect(() => matchesPattern(wildcard("trailing\\"), event)).toThrow(/backslash/);
    expect(() => matchesPattern(wildcard(7), event)).toThrow(InvalidEventPattern);
    expect(() => matchesPattern({ detail: { object: { key: [{ prefix: 7 }] } } }, event)).toThrow(InvalidEventPattern);
  });

  it("routes our own events by detail-type", () => {
    const created = { source: "visionstream", "detail-type": "AccountCreated", detail: { accountId: "acc-1", name: "n" } };
    expect(matchesPattern(Rules.provisionAccount, created)).toBe(true);
    expect(matchesPattern(Rules.deprovisionAccount, created)).toBe(false);
  });
});
