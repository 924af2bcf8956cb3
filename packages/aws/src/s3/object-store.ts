import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  NotFound,
  paginateListObjectsV2,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { InvalidInput } from "@visionstream/core/errors";
import type { ObjectStore } from "@visionstream/core/recordings/recording";

/** DeleteObjects takes at most 1,000 keys per call. */
const MAX_KEYS_PER_DELETE = 1_000;

/** S3 refused to delete some keys; the others are gone. */
export class ObjectsNotDeleted extends Error {
  override name = "ObjectsNotDeleted";
  constructor(
    readonly bucketName: string,
    readonly failures: { key: string; code: string }[],
  ) {
    const listed = failures.slice(0, 10).map(({ key, code }) => `${key} (${code})`);
    const more = failures.length > listed.length ? ` and ${failures.length - listed.length} more` : "";
    super(`S3 did not delete ${failures.length} object(s) of ${bucketName}: ${listed.join(", ")}${more}`);
  }
}

export class S3ObjectStore implements ObjectStore {
  private readonly s3: S3Client;

  constructor({ s3 }: { s3: S3Client }) {
    this.s3 = s3;
  }

  async put(bucketName: string, key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: body, ContentType: contentType }));
  }

  /** Without s3:ListBucket on the bucket, S3 answers a missing key with 403 instead of 404, and this throws. */
  async size(bucketName: string, key: string): Promise<number | undefined> {
    try {
      const { ContentLength } = await this.s3.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }));
      return ContentLength;
    } catch (error) {
      if (error instanceof NotFound) return undefined;
      throw error;
    }
  }

  /** Deletes every object under the prefix; an empty prefix (the whole bucket) is refused. */
  async deletePrefix(bucketName: string, prefix: string): Promise<void> {
    if (prefix === "") throw new InvalidInput("prefix", "an empty prefix would delete the whole bucket");
    const failures: ObjectsNotDeleted["failures"] = [];
    let batch: string[] = [];
    const flush = async () => {
      failures.push(...(await this.deleteBatch(bucketName, batch)));
      batch = [];
    };
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucketName, Prefix: prefix })) {
      for (const { Key } of page.Contents ?? []) {
        if (Key === undefined) continue;
        batch.push(Key);
        if (batch.length === MAX_KEYS_PER_DELETE) await flush();
      }
    }
    if (batch.length > 0) await flush();
    if (failures.length > 0) throw new ObjectsNotDeleted(bucketName, failures);
  }

  async delete(bucketName: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucketName, Key: key }));
  }

  private async deleteBatch(bucketName: string, keys: string[]) {
    const { Errors = [] } = await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: bucketName,
        // Quiet: the answer lists only the keys that could not be deleted.
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    return Errors.map((error) => ({ key: error.Key ?? "", code: error.Code ?? "Unknown" }));
  }
}
