import { S3Client } from "@aws-sdk/client-s3";
import { S3UploadSigner } from "@visionstream/aws/s3/media-uploads";
import type { AdapterFactory } from "./context.ts";

/** Presigned PUTs into the account bucket; they must not carry the SDK's default checksum of the empty body. */
export const uploadSigner: AdapterFactory<"uploads"> = ({ config }) =>
  new S3UploadSigner({ s3: new S3Client({ region: config.AWS_REGION, requestChecksumCalculation: "WHEN_REQUIRED" }) });
