import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { getSignedCookies, getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { describe, expect, it } from "vitest";
import { generateCloudFrontKeyPair } from "./key-pair.ts";
import { CloudFrontPlaybackSigner, SigningKeyUnreadable } from "./playback-signer.ts";

const rsaKey = (type: "pkcs1" | "pkcs8") =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type, format: "pem" },
  }).privateKey;
const privateKey = rsaKey("pkcs8");
const keyPairId = "K2JCJMDEHXQW5F";

const URLS = [
  "https://d111111abcdef8.cloudfront.net/vod/rec-0123456789abcdef.mp4",
  "https://d111111abcdef8.cloudfront.net/media/med-0123456789abcdef/clip%20one.mp4",
  "https://d111111abcdef8.cloudfront.net/media/med-0123456789abcdef/caméra 2.mp4",
  "http://127.0.0.1:8081/EBENCH0000000/vod/rec-0123456789abcdef.mp4?download=1&name=a+b",
];
const EXPIRIES = [new Date("2030-01-01T00:00:00.000Z"), new Date("2030-06-15T12:34:56.789Z"), new Date(Date.now() + 3_600_000)];
const PATTERNS = [
  "https://d111111abcdef8.cloudfront.net/live/ch-0123456789abcdef/*",
  "https://d111111abcdef8.cloudfront.net/recordings/ch-0123456789abcdef/session-1/*",
  "http://127.0.0.1:8081/EBENCH0000000/live/ch-0123456789abcdef/*",
];
const customPolicy = (resource: string, expiresAt: Date) =>
  JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": Math.floor(expiresAt.getTime() / 1000) } } }] });
const wholeSecond = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();

describe("CloudFrontPlaybackSigner signs what @aws-sdk/cloudfront-signer signs from the PEM, byte for byte", () => {
  it.each(["pkcs8", "pkcs1"] as const)("canned policies (signUrl), %s key", async (type) => {
    const pem = type === "pkcs8" ? privateKey : rsaKey(type);
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: pem }));

    for (const url of URLS)
      for (const expiresAt of EXPIRIES)
        expect(await signer.signUrl("acc-a", url, expiresAt)).toBe(getSignedUrl({ url, keyPairId, privateKey: pem, dateLessThan: wholeSecond(expiresAt) }));
  });

  it("custom policies with a wildcard (signPath): the query and the cookies", async () => {
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey }));

    for (const pattern of PATTERNS)
      for (const expiresAt of EXPIRIES) {
        const signed = await signer.signPath("acc-a", pattern, expiresAt);

        const policy = customPolicy(pattern, expiresAt);
        const expected = new URL(getSignedUrl({ url: pattern.replace(/\*/g, "x"), keyPairId, privateKey, policy }));
        expect(signed.query).toBe(expected.search.slice(1));
        expect(signed.cookies).toEqual(getSignedCookies({ keyPairId, privateKey, policy }));
        expect(signed.expiresAt).toBe(expiresAt.toISOString());
      }
  });
});

describe("CloudFrontPlaybackSigner reuse", () => {
  it("signs a policy once per second and account, and signs again after the key is forgotten", async () => {
    let keyReads = 0;
    const signer = new CloudFrontPlaybackSigner(async () => {
      keyReads++;
      return { keyPairId, privateKey };
    });
    const url = URLS[0]!;

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

  it("reads each account's key once for many distinct URLs and expiries", async () => {
    let keyReads = 0;
    const signer = new CloudFrontPlaybackSigner(async () => {
      keyReads++;
      return { keyPairId, privateKey };
    });

    const signed = await Promise.all(
      Array.from({ length: 40 }, (_, index) => signer.signUrl(`acc-${index % 2}`, `${URLS[0]}?n=${index}`, new Date(Date.UTC(2030, 0, 1, 0, 0, index)))),
    );

    expect(new Set(signed).size).toBe(40);
    expect(keyReads).toBe(2);
  });

  it("uses the new key after forget(): a rotated key signs differently", async () => {
    let current = privateKey;
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: current }));
    const url = URLS[0]!;
    const expiresAt = EXPIRIES[0]!;

    const before = await signer.signUrl("acc-a", url, expiresAt);
    current = rsaKey("pkcs8");
    const cachedKey = await signer.signUrl("acc-a", `${url}?other`, expiresAt);
    signer.forget("acc-a");
    const after = await signer.signUrl("acc-a", url, expiresAt);

    expect(cachedKey).toBe(getSignedUrl({ url: `${url}?other`, keyPairId, privateKey, dateLessThan: expiresAt.toISOString() }));
    expect(after).not.toBe(before);
    expect(after).toBe(getSignedUrl({ url, keyPairId, privateKey: current, dateLessThan: expiresAt.toISOString() }));
  });
});

describe("CloudFrontPlaybackSigner with a key that cannot be read", () => {
  it("fails with SigningKeyUnreadable naming the account, not the key, and reads the key again next time", async () => {
    const garbled = privateKey.replace(/[A-Za-z0-9]{10}\n/, "!!!!!!!!!!\n");
    let keyReads = 0;
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: keyReads++ === 0 ? garbled : privateKey }));

    const failed = await signer.signUrl("acc-a", URLS[0]!, EXPIRIES[0]!).catch((error: unknown) => error);
    const retried = await signer.signUrl("acc-a", URLS[0]!, EXPIRIES[0]!);

    expect(failed).toBeInstanceOf(SigningKeyUnreadable);
    expect((failed as SigningKeyUnreadable).accountId).toBe("acc-a");
    expect((failed as Error).message).not.toContain(privateKey.slice(40, 80));
    expect(retried).toBe(getSignedUrl({ url: URLS[0]!, keyPairId, privateKey, dateLessThan: EXPIRIES[0]!.toISOString() }));
    expect(keyReads).toBe(2);
  });
});

describe("CloudFrontPlaybackSigner with an ECDSA P-256 key (a new account's)", () => {
  const base64 = (cloudFront: string) => Buffer.from(cloudFront.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
  const cannedPolicy = (url: string, expires: string) => JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { "AWS:EpochTime": Number(expires) } } }] });

  it("makes P-256 key pairs: SPKI public and PKCS #8 private PEM", async () => {
    const pair = await generateCloudFrontKeyPair();

    expect(pair.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(pair.privateKey);
    expect(key.asymmetricKeyType).toBe("ec");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  });

  it("signs canned policies with SHA-256, says so (Hash-Algorithm=SHA256), and each verifies with the public key", async () => {
    const pair = await generateCloudFrontKeyPair();
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: pair.privateKey }));

    for (const url of URLS)
      for (const expiresAt of EXPIRIES) {
        const signed = await signer.signUrl("acc-a", url, expiresAt);
        const query = new URL(signed).searchParams;
        expect(query.get("Hash-Algorithm")).toBe("SHA256");
        expect(query.get("Key-Pair-Id")).toBe(keyPairId);
        expect(query.get("Expires")).toBe(String(Math.floor(expiresAt.getTime() / 1000)));
        const resource = signed.slice(0, signed.indexOf(url.includes("?") ? "&Expires=" : "?Expires="));
        const verified = verify("sha256", Buffer.from(cannedPolicy(resource, query.get("Expires")!)), createPublicKey(pair.publicKey), base64(query.get("Signature")!));
        expect(verified).toBe(true);
        // The same URL and expiry second again: the very same answer (ECDSA signatures differ each time; the memo keeps one).
        expect(await signer.signUrl("acc-a", url, expiresAt)).toBe(signed);
      }
  });

  it("signs custom policies (signPath) with the Hash-Algorithm in the query and in the cookies", async () => {
    const pair = await generateCloudFrontKeyPair();
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: pair.privateKey }));

    for (const pattern of PATTERNS) {
      const signed = await signer.signPath("acc-a", pattern, EXPIRIES[1]!);
      const query = new URLSearchParams(signed.query);

      expect(query.get("Hash-Algorithm")).toBe("SHA256");
      expect(signed.cookies).toEqual({
        "CloudFront-Policy": query.get("Policy"),
        "CloudFront-Signature": query.get("Signature"),
        "CloudFront-Key-Pair-Id": keyPairId,
        "CloudFront-Hash-Algorithm": "SHA256",
      });
      const policy = base64(query.get("Policy")!).toString("utf8");
      expect(policy).toBe(customPolicy(pattern, EXPIRIES[1]!));
      expect(verify("sha256", Buffer.from(policy), createPublicKey(pair.publicKey), base64(query.get("Signature")!))).toBe(true);
    }
  });

  it("refuses a key CloudFront does not take (another curve, Ed25519, RSA of another size) as SigningKeyUnreadable", async () => {
    for (const pem of [
      generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey,
      generateKeyPairSync("ec", { namedCurve: "secp384r1", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey,
      generateKeyPairSync("ed25519", { privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey,
    ]) {
      const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: pem }));
      const failed = await signer.signUrl("acc-a", URLS[0]!, EXPIRIES[0]!).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(SigningKeyUnreadable);
      expect(String((failed as Error).cause)).toMatch(/where CloudFront takes RSA 2048 or ECDSA P-256/);
    }
  });

  it("leaves an RSA key's signatures as they were: SHA-1, no Hash-Algorithm", async () => {
    const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey }));
    const signed = await signer.signPath("acc-a", PATTERNS[0]!, EXPIRIES[0]!);

    expect(new URLSearchParams(signed.query).has("Hash-Algorithm")).toBe(false);
    expect(Object.keys(signed.cookies)).toEqual(["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]);
  });
});
