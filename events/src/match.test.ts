import { describe, expect, it } from "vitest";
import { matchesPattern } from "./match.ts";
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

  it("routes our own events by detail-type", () => {
    const created = { source: "visionstream", "detail-type": "AccountCreated", detail: { accountId: "acc-1", name: "n" } };
    expect(matchesPattern(Rules.provisionAccount, created)).toBe(true);
    expect(matchesPattern(Rules.deprovisionAccount, created)).toBe(false);
  });
});
