import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ChecksumInPresignedUrl, S3UploadSigner } from "./media-uploads.ts";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const signingDate = new Date("2026-03-01T12:00:00.000Z");
const bucketName = "visionstream-test-acc-0123456789abcdef";
const key = "media/med-0123456789abcdef/opening titles (v2).mp4";

const signer = (options: ConstructorParameters<typeof S3Client>[0] = {}) =>
  new S3UploadSigner({ s3: new S3Client({ region: "eu-west-1", credentials, requestChecksumCalculation: "WHEN_REQUIRED", ...options }), now: () => signingDate });

describe("S3UploadSigner", () => {
  it("presigns a PUT of the key for the time left, with the Content-Type signed", async () => {
    const upload = await signer().presignPut(bucketName, key, "video/mp4", new Date(signingDate.getTime() + 15 * 60_000));

    const url = new URL(upload.url);
    expect(url.origin).toBe(`https://${bucketName}.s3.eu-west-1.amazonaws.com`);
    expect(decodeURIComponent(url.pathname)).toBe(`/${key}`);
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20260301/eu-west-1/s3/aws4_request");
    expect(url.searchParams.get("X-Amz-Date")).toBe("20260301T120000Z");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get("x-id")).toBe("PutObject");
    expect(upload.headers).toEqual({ "content-type": "video/mp4" });
  });

  it("signs a different URL for another content type", async () => {
    const expiresAt = new Date(signingDate.getTime() + 60_000);
    const mp4 = await signer().presignPut(bucketName, key, "video/mp4", expiresAt);
    const png = await signer().presignPut(bucketName, key, "image/png", expiresAt);

    expect(new URL(mp4.url).searchParams.get("X-Amz-Signature")).not.toBe(new URL(png.url).searchParams.get("X-Amz-Signature"));
  });

  it("keeps the expiry between one second and SigV4's seven days", async () => {
    const past = await signer().presignPut(bucketName, key, "video/mp4", new Date(signingDate.getTime() - 60_000));
    const far = await signer().presignPut(bucketName, key, "video/mp4", new Date(signingDate.getTime() + 30 * 24 * 3600_000));

    expect(new URL(past.url).searchParams.get("X-Amz-Expires")).toBe("1");
    expect(new URL(far.url).searchParams.get("X-Amz-Expires")).toBe(String(7 * 24 * 3600));
  });

  it("refuses a client that would sign the empty body's checksum into the URL", async () => {
    const defaults = signer({ requestChecksumCalculation: "WHEN_SUPPORTED" });

    await expect(defaults.presignPut(bucketName, key, "video/mp4", new Date(signingDate.getTime() + 60_000))).rejects.toBeInstanceOf(ChecksumInPresignedUrl);
  });
});
