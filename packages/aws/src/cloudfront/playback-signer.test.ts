import { generateKeyPairSync } from "node:crypto";
import { getSignedCookies } from "@aws-sdk/cloudfront-signer";
import { describe, expect, it } from "vitest";
import { CloudFrontPlaybackSigner } from "./playback-signer.ts";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

describe("CloudFrontPlaybackSigner.signPath", () => {
  it("gives the cookies that @aws-sdk/cloudfront-signer makes for the same policy, and the query carries the same signature", async () => {
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId: "K2JCJMDEHXQW5F", privateKey }));
    const pattern = "https://d111111abcdef8.cloudfront.net/live/ch-0123456789abcdef/*";
    const expiresAt = new Date("2030-01-01T00:00:00Z");

    const signed = await signer.signPath("acc-0123456789abcdef", pattern, expiresAt);

    const policy = JSON.stringify({ Statement: [{ Resource: pattern, Condition: { DateLessThan: { "AWS:EpochTime": expiresAt.getTime() / 1000 } } }] });
    expect(signed.cookies).toEqual(getSignedCookies({ keyPairId: "K2JCJMDEHXQW5F", privateKey, policy }));
    const query = new URLSearchParams(signed.query);
    expect(query.get("Signature")).toBe(signed.cookies["CloudFront-Signature"]);
    expect(query.get("Policy")).toBe(signed.cookies["CloudFront-Policy"]);
    expect(query.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
  });
});

describe("CloudFrontPlaybackSigner reuse", () => {
  it("signs a policy once per second and account, and signs again after the key is forgotten", async () => {
    let keyReads = 0;
    const signer = new CloudFrontPlaybackSigner(async () => {
      keyReads++;
      return { keyPairId: "K2JCJMDEHXQW5F", privateKey };
    });
    const url = "https://d111111abcdef8.cloudfront.net/vod/rec-0123456789abcdef.mp4";

    const first = await signer.signUrl("acc-a", url, new Date("2030-01-01T00:00:00.100Z"));
    const sameSecond = await signer.signUrl("acc-a", url, new Date("2030-01-01T00:00:00.900Z"));
    const nextSecond = await signer.signUrl("acc-a", url, new Date("2030-01-01T00:00:01.000Z"));
    const otherAccount = await signer.signUrl("acc-b", url, new Date("2030-01-01T00:00:00.100Z"));
    signer.forget("acc-a");
    await signer.signUrl("acc-a", url, new Date("2030-01-01T00:00:00.100Z"));

    expect(sameSecond).toBe(first);
    expect(new URL(first).searchParams.get("Expires")).toBe("1893456000");
    expect(new URL(nextSecond).searchParams.get("Expires")).toBe("1893456001");
    expect(otherAccount).toBe(first);
    expect(keyReads).toBe(3);
  });
});
