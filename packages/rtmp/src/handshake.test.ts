import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { answerHandshake, findClientDigest, HANDSHAKE_SIZE, HandshakeRefused } from "./handshake.ts";

function hello(version: number, c1 = randomBytes(HANDSHAKE_SIZE)): Buffer {
  return Buffer.concat([Buffer.from([version]), c1]);
}

describe("answerHandshake", () => {
  it("answers a plain C1 with the simple handshake: S1 version 0, S2 echoing C1", () => {
    const c1 = randomBytes(HANDSHAKE_SIZE);
    c1.writeUInt32BE(0, 4);

    const answer = answerHandshake(hello(3, c1));

    expect(answer.length).toBe(1 + 2 * HANDSHAKE_SIZE);
    expect(answer[0]).toBe(3);
    expect(answer.readUInt32BE(1 + 4)).toBe(0);
    expect(answer.subarray(1 + HANDSHAKE_SIZE)).toEqual(c1);
  });

  it("treats a C1 with a version but no valid digest as plain", () => {
    const c1 = randomBytes(HANDSHAKE_SIZE);
    c1.set([9, 0, 124, 2], 4);

    expect(findClientDigest(c1)).toBeUndefined();
    expect(answerHandshake(hello(3, c1)).subarray(1 + HANDSHAKE_SIZE)).toEqual(c1);
  });

  it.each([
    [6, "encrypted RTMP (RTMPE) is not supported"],
    [0x47, "not an RTMP handshake"],
  ])("refuses C0 = %i", (version, reason) => {
    expect(() => answerHandshake(hello(version))).toThrow(new HandshakeRefused(reason));
  });
});
