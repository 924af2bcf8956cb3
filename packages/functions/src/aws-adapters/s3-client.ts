import { S3Client } from "@aws-sdk/client-s3";

const clients = new Map<string, S3Client>();

/** One S3 client per container and region, whichever adapters use the buckets. */
export function s3Client(region: string): S3Client {
  const client = clients.get(region) ?? new S3Client({ region });
  clients.set(region, client);
  return client;
}
