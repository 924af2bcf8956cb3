import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { keyToUrlPath, type PresignedUpload, type UploadSigner } from "@visionstream/core/media/media";
import type { LocalLayout } from "../account-infrastructure.ts";
import { secretFile } from "../secret-file.ts";

export const UPLOAD_EXPIRES = "X-VS-Expires";
export const UPLOAD_SIGNATURE = "X-VS-Signature";

/** Everything a signed PUT is bound to. */
export interface UploadGrant {
  method: string;
  bucketName: string;
  key: string;
  contentType: string;
  /** Epoch seconds. */
  expires: number;
}

export type UploadVerdict = { allowed: true } | { allowed: false; detail: string };


export const uploadSecretFile = (layout: LocalLayout) => join(layout.dataDir, "cdn", "upload-signing-secret");

/** The HMAC key of local presigned PUTs, made once (mode 0600). */
export async function uploadSigningSecret(layout: LocalLayout): Promise<Buffer> {
  const text = await secretFile(uploadSecretFile(layout), () => `${randomBytes(32).toString("base64url")}\n`);
  return Buffer.from(text.trim(), "base64url");
}

export function uploadSignature(secret: Buffer, grant: UploadGrant): string {
  return createHmac("sha256", secret)
    .update(JSON.stringify([grant.method.toUpperCase(), grant.bucketName, grant.key, grant.contentType, grant.expires]))
    .digest("base64url");
}

/** Checks a PUT against the signature in its query: same method, bucket, key and Content-Type, before the expiry. */
export function verifyUpload(secret: Buffer, request: Omit<UploadGrant, "expires">, query: URLSearchParams, now: Date = new Date()): UploadVerdict {
  const expires = query.get(UPLOAD_EXPIRES);
  const signature = query.get(UPLOAD_SIGNATURE);
  if (!expires || !signature) return { allowed: false, detail: `no ${UPLOAD_EXPIRES} and ${UPLOAD_SIGNATURE} in the query string` };
  if (!/^\d{1,12}$/.test(expires)) return { allowed: false, detail: `${UPLOAD_EXPIRES} is not a number` };
  const expected = Buffer.from(uploadSignature(secret, { ...request, expires: Number(expires) }), "base64url");
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { allowed: false, detail: "the signature does not match this method, key, Content-Type and expiry" };
  if (Math.floor(now.getTime() / 1000) >= Number(expires)) return { allowed: false, detail: "the signature has expired" };
  return { allowed: true };
}

/**
 * Presigned PUTs to the local CDN, the stand-in for S3 presigned URLs:
 * <cdnBaseUrl>/<key>?X-VS-Expires=<epoch>&X-VS-Signature=<HMAC-SHA256 of method, bucket, key, Content-Type, expiry>.
 */
export class LocalUploadSigner implements UploadSigner {
  private secret: Promise<Buffer> | undefined;

  constructor(
    private readonly layout: LocalLayout,
    /** The CDN base URL (origin and distribution) that serves the bucket. */
    private readonly cdnBaseUrl: (bucketName: string) => string | Promise<string>,
  ) {}

  async presignPut(bucketName: string, key: string, contentType: string, expiresAt: Date): Promise<PresignedUpload> {
    this.secret ??= uploadSigningSecret(this.layout).catch((error: unknown) => {
      this.secret = undefined;
      throw error;
    });
    const expires = Math.floor(expiresAt.getTime() / 1000);
    const signature = uploadSignature(await this.secret, { method: "PUT", bucketName, key, contentType, expires });
    const query = new URLSearchParams({ [UPLOAD_EXPIRES]: String(expires), [UPLOAD_SIGNATURE]: signature });
    return { url: `${await this.cdnBaseUrl(bucketName)}/${keyToUrlPath(key)}?${query}`, headers: { "content-type": contentType } };
  }
}

/** S3's limit for a single PUT: 5 GiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

export class UploadTooLarge extends Error {
  override name = "UploadTooLarge";
}

/** Keys a presigned PUT may write: under media/, every segment a plain name without control characters. */
export function isUploadKey(key: string): boolean {
  const segments = key.split("/");
  return (
    segments.length > 1 &&
    segments[0] === "media" &&
    segments.every((segment) => segment !== "" && segment !== "." && segment !== "..") &&
    !/[\\\p{Cc}]/u.test(key)
  );
}

/**
 * Streams an upload to a temporary file in the bucket (bucket/.uploads/, never a key anyone asked for), then
 * renames it over the object's file: readers see the old object or the whole new one, never half a file.
 */
export async function receiveUpload(body: ReadableStream<Uint8Array> | null, bucketDir: string, file: string, maxBytes: number) {
  const temporary = join(bucketDir, ".uploads", `${randomUUID()}.part`);
  await mkdir(dirname(temporary), { recursive: true });
  const md5 = createHash("md5");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new UploadTooLarge(`the upload is larger than ${maxBytes} bytes`));
      md5.update(chunk);
      done(null, chunk);
    },
  });
  try {
    const source = body ? Readable.fromWeb(body as NodeReadableStream<Uint8Array>) : Readable.from([]);
    await pipeline(source, meter, createWriteStream(temporary, { flags: "wx", mode: 0o644 }));
    await mkdir(dirname(file), { recursive: true });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { etag: md5.digest("hex"), size };
}
