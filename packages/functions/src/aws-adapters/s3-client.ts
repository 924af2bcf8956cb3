import { S3Client } from "@aws-sdk/client-s3";

let client: S3Client | undefined;

/** One S3 client per container, whichever adapters use the buckets. */
export const s3Client = (region: string) => (client ??= new S3Client({ region }));
