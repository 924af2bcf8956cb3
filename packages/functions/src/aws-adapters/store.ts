import { S3ObjectStore } from "@visionstream/aws/s3/object-store";
import type { AdapterFactory } from "./context.ts";
import { s3Client } from "./s3-client.ts";

/** The account buckets. */
export const objectStore: AdapterFactory<"store"> = ({ config }) => new S3ObjectStore({ s3: s3Client(config.AWS_REGION) });
