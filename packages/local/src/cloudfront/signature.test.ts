import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { getSignedCookies, getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { describe, expect, it } from "vitest";
import { generateCloudFrontKeyPair } from "@visionstream/aws/cloudfront/key-pair";
import { CloudFrontPlaybackSigner } from "@visionstream/aws/cloudfront/playback-signer";
import { resourceOf, type SignedRequest, verifySignedRequest } from "./signature.ts";

const { publicKey, privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const other = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const trusted = new Map([["K2TESTKEY", publicKey]]);
const base = "http://127.0.0.1:8081/E1TEST/live/ch1";
const now = new Date("2026-11-22T12:00:00Z");
const inOneHour = new Date(now.getTime() + 3_600_000).toISOString();

function request(url: string, extra: Partial<SignedRequest> = {}): SignedRequest {
  return { url, query: new URL(url).searchParams, cookies: {}, clientIp: "127.0.0.1", ...extra };
}

describe("verifySignedRequest, as CloudFront checks signatures", () => {
  it("allows a canned-policy signed URL and keeps other query parameters in the resource", () => {
    const url = getSignedUrl({ url: `${base}/master.m3u8?x=1`, keyPairId: "K2TESTKEY", privateKey, dateLessThan: inOneHour });

    expect(resourceOf(url)).toBe(`${base}/master.m3u8?x=1`);
    expect(verifySignedRequest(request(url), trusted, now)).toEqual({ allowed: true });
  });

  it("denies a missing, untrusted, tampered, expired or moved signature", () => {
    const url = getSignedUrl({ url: `${base}/master.m3u8`, keyPairId: "K2TESTKEY", privateKey, dateLessThan: inOneHour });
    const foreign = getSignedUrl({ url: `${base}/master.m3u8`, keyPairId: "K2TESTKEY", privateKey: other.privateKey, dateLessThan: inOneHour });
    const untrusted = getSignedUrl({ url: `${base}/master.m3u8`, keyPairId: "K2OTHER", privateKey, dateLessThan: inOneHour });

    expect(verifySignedRequest(request(`${base}/master.m3u8`), trusted, now)).toMatchObject({ allowed: false, reason: "MissingKey" });
    expect(verifySignedRequest(request(untrusted), trusted, now)).toMatchObject({ allowed: false, reason: "InvalidKey" });
    expect(verifySignedRequest(request(foreign), trusted, now)).toMatchObject({ allowed: false, reason: "AccessDenied" });
    expect(verifySignedRequest(request(url.replace(/Expires=\d+/, "Expires=4102444800")), trusted, now)).toMatchObject({ allowed: false });
    expect(verifySignedRequest(request(url.replace("master.m3u8", "other.m3u8")), trusted, now)).toMatchObject({ allowed: false });
    expect(verifySignedRequest(request(url), trusted, new Date(now.getTime() + 7_200_000))).toMatchObject({
      allowed: false,
      detail: "the signature has expired",
    });
  });

  it("allows a custom wildcard policy over a stream's path, with its time window and address", () => {
    const policy = JSON.stringify({
      Statement: [
        {
          Resource: `${base}/*`,
          Condition: {
            DateLessThan: { "AWS:EpochTime": now.getTime() / 1000 + 3600 },
            DateGreaterThan: { "AWS:EpochTime": now.getTime() / 1000 - 60 },
            IpAddress: { "AWS:SourceIp": "127.0.0.0/8" },
          },
        },
      ],
    });
    const signed = new URL(getSignedUrl({ url: `${base}/720p/seg_00001.ts`, keyPairId: "K2TESTKEY", privateKey, policy }));
    const query = signed.search;

    expect(verifySignedRequest(request(`${base}/720p/seg_00001.ts${query}`), trusted, now)).toEqual({ allowed: true });
    expect(verifySignedRequest(request(`${base}/1080p/index.m3u8${query}`), trusted, now)).toEqual({ allowed: true });
    expect(verifySignedRequest(request(`http://127.0.0.1:8081/E1TEST/live/ch2/index.m3u8${query}`), trusted, now)).toMatchObject({
      detail: "the policy does not cover this resource",
    });
    expect(verifySignedRequest(request(`${base}/720p/seg_00001.ts${query}`, { clientIp: "10.1.2.3" }), trusted, now)).toMatchObject({
      detail: "the policy does not allow this address",
    });
    expect(verifySignedRequest(request(`${base}/720p/seg_00001.ts${query}`), trusted, new Date(now.getTime() - 120_000))).toMatchObject({
      detail: "the signature is not valid yet",
    });
  });

  it("allows signed cookies and SHA256 signatures", () => {
    const policy = JSON.stringify({ Statement: [{ Resource: `${base}/*`, Condition: { DateLessThan: { "AWS:EpochTime": now.getTime() / 1000 + 60 } } }] });
    const cookies = Object.fromEntries(
      Object.entries(getSignedCookies({ keyPairId: "K2TESTKEY", privateKey, policy })).map(([name, value]) => [name, String(value)]),
    );
    const sha256 = getSignedUrl({ url: `${base}/a.ts`, keyPairId: "K2TESTKEY", privateKey, dateLessThan: inOneHour, algorithm: "SHA256" });

    expect(verifySignedRequest(request(`${base}/720p/index.m3u8`, { cookies }), trusted, now)).toEqual({ allowed: true });
    expect(
      verifySignedRequest(request(`${base}/720p/index.m3u8`, { cookies: { ...cookies, "CloudFront-Signature": "AAAA" } }), trusted, now),
    ).toMatchObject({ allowed: false });
    expect(verifySignedRequest(request(sha256), trusted, now)).toEqual({ allowed: true });
  });
});

describe("an ECDSA P-256 key pair (a new account's)", () => {
  it("verifies what CloudFrontPlaybackSigner signs with it, by query and by cookies, and refuses a SHA-1 claim or another key's signature", async () => {
    const pair = await generateCloudFrontKeyPair();
    const ecTrusted = new Map([["K2ECKEY", createPublicKey(pair.publicKey)]]);
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId: "K2ECKEY", privateKey: pair.privateKey }));
    const expiresAt = new Date(now.getTime() + 3_600_000);

    const url = await signer.signUrl("acc-a", `${base}/vod/rec.mp4`, expiresAt);
    const path = await signer.signPath("acc-a", `${base}/*`, expiresAt);
    const other = await new CloudFrontPlaybackSigner(async () => ({ keyPairId: "K2ECKEY", privateKey: (await generateCloudFrontKeyPair()).privateKey })).signUrl(
      "acc-a",
      `${base}/vod/rec.mp4`,
      expiresAt,
    );

    expect(verifySignedRequest(request(url), ecTrusted, now)).toEqual({ allowed: true });
    expect(verifySignedRequest(request(`${base}/720p/seg_00001.ts?${path.query}`), ecTrusted, now)).toEqual({ allowed: true });
    expect(verifySignedRequest(request(`${base}/720p/index.m3u8`, { cookies: path.cookies }), ecTrusted, now)).toEqual({ allowed: true });
    expect(verifySignedRequest(request(url.replace("&Hash-Algorithm=SHA256", "")), ecTrusted, now)).toMatchObject({ allowed: false, detail: "the signature does not match" });
    const { "CloudFront-Hash-Algorithm": _, ...cookiesWithoutHash } = path.cookies;
    expect(verifySignedRequest(request(`${base}/720p/index.m3u8`, { cookies: cookiesWithoutHash }), ecTrusted, now)).toMatchObject({ allowed: false, detail: "the signature does not match" });
    for (const claim of ["sha256", "SHA512", ""])
      expect(verifySignedRequest(request(url.replace("Hash-Algorithm=SHA256", `Hash-Algorithm=${claim}`)), ecTrusted, now)).toMatchObject({ allowed: false, reason: "AccessDenied" });
    expect(verifySignedRequest(request(url.replace("Hash-Algorithm=SHA256", "Hash-Algorithm=SHA512")), ecTrusted, now)).toMatchObject({ detail: "Hash-Algorithm is neither SHA1 nor SHA256" });
    expect(verifySignedRequest(request(other), ecTrusted, now)).toMatchObject({ allowed: false, detail: "the signature does not match" });
    expect(verifySignedRequest(request(url), ecTrusted, new Date(expiresAt.getTime() + 1_000))).toMatchObject({ detail: "the signature has expired" });
  });
});

describe("one changed byte anywhere in a signed request", () => {
  it("is refused, whichever part it is in", () => {
    const policy = JSON.stringify({ Statement: [{ Resource: `${base}/*`, Condition: { DateLessThan: { "AWS:EpochTime": now.getTime() / 1000 + 600 } } }] });
    const canned = getSignedUrl({ url: `${base}/720p/seg_00001.ts`, keyPairId: "K2TESTKEY", privateKey, dateLessThan: inOneHour });
    const custom = getSignedUrl({ url: `${base}/720p/seg_00001.ts`, keyPairId: "K2TESTKEY", privateKey, policy });
    expect(verifySignedRequest(request(canned), trusted, now)).toEqual({ allowed: true });
    expect(verifySignedRequest(request(custom), trusted, now)).toEqual({ allowed: true });

    // the custom policy's wildcard grants everything under live/ch1/: there only the path before it is bound
    for (const [signed, boundPathLength] of [
      [canned, `${base}/720p/seg_00001.ts`.length],
      [custom, `${base}/`.length],
    ] as const) {
      const query = new URL(signed).search.slice(1);
      const path = signed.slice(0, signed.indexOf("?"));
      const variants: string[] = [];
      // every byte of the path after the host, and every byte of every parameter's value
      for (let index = path.indexOf("/E1TEST") + 1; index < boundPathLength; index++) variants.push(flip(path, index) + "?" + query);
      for (const [name, value] of new URLSearchParams(query)) {
        for (let index = 0; index < value.length; index++) {
          const changed = new URLSearchParams(query);
          changed.set(name, flip(value, index));
          variants.push(`${path}?${changed.toString()}`);
        }
      }
      for (const variant of variants) expect(verifySignedRequest(request(variant), trusted, now).allowed, variant).toBe(false);
    }
  });
});

describe("verification memoised per KeyObject", () => {
  it("allows the same signed URL again, and still refuses a changed signature, another resource or an expired policy", () => {
    const keyObjects = new Map([["K2TESTKEY", createPublicKey(publicKey)]]);
    const url = getSignedUrl({ url: `${base}/720p/seg_00002.ts`, keyPairId: "K2TESTKEY", privateKey, dateLessThan: inOneHour });
    const signature = new URL(url).searchParams.get("Signature")!;
    const changed = new URL(url);
    changed.searchParams.set("Signature", flip(signature, 10));

    const first = verifySignedRequest(request(url), keyObjects, now);
    const second = verifySignedRequest(request(url), keyObjects, now);
    const tampered = verifySignedRequest(request(changed.toString()), keyObjects, now);
    const tamperedAgain = verifySignedRequest(request(changed.toString()), keyObjects, now);
    const moved = verifySignedRequest(request(url.replace("seg_00002.ts", "seg_00003.ts")), keyObjects, now);
    const expired = verifySignedRequest(request(url), keyObjects, new Date(now.getTime() + 3_600_000));
    const stillValid = verifySignedRequest(request(url), keyObjects, now);

    expect(first).toEqual({ allowed: true });
    expect(second).toEqual({ allowed: true });
    expect(tampered).toEqual({ allowed: false, reason: "AccessDenied", detail: "the signature does not match" });
    expect(tamperedAgain).toEqual(tampered);
    expect(moved).toEqual({ allowed: false, reason: "AccessDenied", detail: "the signature does not match" });
    expect(expired).toEqual({ allowed: false, reason: "AccessDenied", detail: "the signature has expired" });
    expect(stillValid).toEqual({ allowed: true });
  });

  it("refuses a custom policy outside its time window even though it was allowed, and memoised, inside it", () => {
    const keyObjects = new Map([["K2TESTKEY", createPublicKey(publicKey)]]);
    const policy = JSON.stringify({
      Statement: [
        {
          Resource: `${base}/*`,
          Condition: {
            DateLessThan: { "AWS:EpochTime": now.getTime() / 1000 + 60 },
            DateGreaterThan: { "AWS:EpochTime": now.getTime() / 1000 - 60 },
          },
        },
      ],
    });
    const url = getSignedUrl({ url: `${base}/720p/index.m3u8`, keyPairId: "K2TESTKEY", privateKey, policy });

    const inside = verifySignedRequest(request(url), keyObjects, now);
    const after = verifySignedRequest(request(url), keyObjects, new Date(now.getTime() + 61_000));
    const before = verifySignedRequest(request(url), keyObjects, new Date(now.getTime() - 61_000));

    expect(inside).toEqual({ allowed: true });
    expect(after).toMatchObject({ allowed: false, detail: "the signature has expired" });
    expect(before).toMatchObject({ allowed: false, detail: "the signature is not valid yet" });
  });
});

function flip(text: string, index: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const current = text[index]!;
  const replacement = current === "A" ? "B" : current === "0" ? "1" : alphabet[(alphabet.indexOf(current) + 1) % alphabet.length] ?? "A";
  return text.slice(0, index) + replacement + text.slice(index + 1);
}
