// A planted adapter for sent-commands.test.ts: the scanner must find what each method sends, and nothing more.
import { DeleteObjectCommand, HeadObjectCommand as Head, type S3Client } from "@aws-sdk/client-s3";
import { listKeys } from "./listing.ts";

export class Store {
  constructor(private readonly s3: S3Client) {}

  async size(bucket: string, key: string): Promise<number | undefined> {
    const head = await this.s3.send(new Head({ Bucket: bucket, Key: key }));
    return head.ContentLength;
  }

  async remove(bucket: string, prefix: string): Promise<void> {
    for (const key of await listKeys(this.s3, bucket, prefix)) await this.deleteOne(bucket, key);
  }

  private async deleteOne(bucket: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
