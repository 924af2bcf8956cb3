import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { PresignedUpload, UploadSigner } from "@visionstream/core/media/media";

/** SigV4 presigned URLs live at most 7 days. */
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * The S3 client presigned a checksum of the empty body into the URL (the SDK's default since 3.729), so every
 * real upload would fail with BadDigest. The client must be made with requestChecksumCalculation: "WHEN_REQUIRED".
 */
export class ChecksumInPresignedUrl extends Error {
  override name = "ChecksumInPresignedUrl";
}

/** S3 presigned PUTs: the Content-Type is signed, so the upload must carry exactly the one the item was created with. */
export class S3UploadSigner implements UploadSigner {
  private readonly s3: S3Client;
  private readonly now: () => Date;

  constructor({ s3, now }: { s3: S3Client; now?: () => Date }) {
    this.s3 = s3;
    this.now = now ?? (() => new Date());
  }

  async presignPut(bucketName: string, key: string, contentType: string, expiresAt: Date): Promise<PresignedUpload> {
    const signingDate = this.now();
    const expiresIn = Math.min(MAX_EXPIRY_SECONDS, Math.max(1, Math.ceil((expiresAt.getTime() - signingDate.getTime()) / 1000)));
    const url = await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: bucketName, Key: key, ContentType: contentType }), {
      expiresIn,
      signingDate,
      signableHeaders: new Set(["content-type"]),
    });
    if (/[?&]x-amz-checksum-/i.test(url))
      throw new ChecksumInPresignedUrl('the S3 client signs a checksum into upload URLs; create it with requestChecksumCalculation: "WHEN_REQUIRED"');
    return { url, headers: { "content-type": contentType } };
  }
}
