import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  S3Client,
  S3ServiceException,
  type DeleteObjectsCommandInput,
  type ListObjectsV2CommandInput,
} from "@aws-sdk/client-s3";
import { InvalidInput } from "@visionstream/core/errors";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { ObjectsNotDeleted, S3ObjectStore } from "./object-store.ts";

const s3 = mockClient(S3Client);

const bucketName = "visionstream-test-acc-0123456789abcdef";
const prefix = "recordings/ch-0123456789abcdef/2024-05-01T10-00-00Z/";
const metadata = { $metadata: {} };

const store = () => new S3ObjectStore({ s3: new S3Client({ region: "eu-west-1" }) });
const segmentKeys = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}1080p/seg_${String(from + index).padStart(6, "0")}.ts`);
const deletedKeys = (input: DeleteObjectsCommandInput) => input.Delete?.Objects?.map((object) => object.Key) ?? [];

beforeEach(() => {
  s3.reset();
});

describe("S3ObjectStore.size", () => {
  it("is the object's content length", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1_234_567 });

    const size = await store().size(bucketName, "vod/rec-0123456789abcdef.mp4");

    expect(size).toBe(1_234_567);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: bucketName, Key: "vod/rec-0123456789abcdef.mp4" });
  });

  it("is undefined when there is no such object", async () => {
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: "Not Found", ...metadata }));

    const size = await store().size(bucketName, "vod/rec-0123456789abcdef.mp4");

    expect(size).toBeUndefined();
  });

  it("passes on any other failure", async () => {
    const forbidden = new S3ServiceException({ name: "Forbidden", $fault: "client", message: "Forbidden", ...metadata });
    s3.on(HeadObjectCommand).rejects(forbidden);

    const error = await store()
      .size(bucketName, "vod/rec-0123456789abcdef.mp4")
      .catch((failure: unknown) => failure);

    expect(error).toBe(forbidden);
  });
});

describe("S3ObjectStore.deletePrefix", () => {
  it("lists every page under the prefix and deletes in batches of at most 1,000 keys", async () => {
    const pages = [segmentKeys(1, 1000), segmentKeys(1001, 1000), segmentKeys(2001, 500)];
    const tokens = [undefined, "page-2", "page-3"];
    // The paginator reuses one input object for every page: record each request as it is sent.
    const requests: ListObjectsV2CommandInput[] = [];
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      requests.push({ ...input });
      const page = tokens.indexOf(input.ContinuationToken);
      const next = tokens[page + 1];
      return { Contents: pages[page]!.map((Key) => ({ Key })), IsTruncated: next !== undefined, NextContinuationToken: next };
    });
    s3.on(DeleteObjectsCommand).resolves({});

    await store().deletePrefix(bucketName, prefix);

    expect(requests).toEqual(tokens.map((ContinuationToken) => ({ Bucket: bucketName, Prefix: prefix, ContinuationToken })));
    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 3);
    pages.forEach((keys, index) => {
      expect(s3).toHaveReceivedNthCommandWith(DeleteObjectsCommand, index + 1, {
        Bucket: bucketName,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      });
    });
  });

  it("fills each batch across pages", async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: segmentKeys(1, 700).map((Key) => ({ Key })),
      IsTruncated: true,
      NextContinuationToken: "page-2",
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: "page-2" }).resolves({
      Contents: segmentKeys(701, 700).map((Key) => ({ Key })),
      IsTruncated: false,
    });
    s3.on(DeleteObjectsCommand).resolves({});

    await store().deletePrefix(bucketName, prefix);

    const batches = s3.commandCalls(DeleteObjectsCommand).map((call) => deletedKeys(call.args[0].input));
    expect(batches.map((keys) => keys.length)).toEqual([1000, 400]);
    expect(batches.flat()).toEqual(segmentKeys(1, 1400));
  });

  it("deletes nothing when nothing is under the prefix", async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });

    await store().deletePrefix(bucketName, prefix);

    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 0);
  });

  it("deletes every batch, then names the keys S3 could not delete", async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: segmentKeys(1, 1500).map((Key) => ({ Key })), IsTruncated: false });
    s3.on(DeleteObjectsCommand)
      .resolvesOnce({
        Errors: [{ Key: segmentKeys(7, 1)[0], Code: "AccessDenied", Message: "Access Denied" }],
      })
      .resolvesOnce({ Errors: [{ Key: segmentKeys(1200, 1)[0], Code: "InternalError", Message: "Try again" }] });

    const error = await store()
      .deletePrefix(bucketName, prefix)
      .catch((failure: unknown) => failure);

    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 2);
    expect(error).toBeInstanceOf(ObjectsNotDeleted);
    expect((error as ObjectsNotDeleted).failures).toEqual([
      { key: `${prefix}1080p/seg_000007.ts`, code: "AccessDenied" },
      { key: `${prefix}1080p/seg_001200.ts`, code: "InternalError" },
    ]);
    expect((error as ObjectsNotDeleted).message).toContain(`${prefix}1080p/seg_000007.ts (AccessDenied)`);
  });

  it("refuses an empty prefix, which would empty the bucket", async () => {
    const error = await store()
      .deletePrefix(bucketName, "")
      .catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(InvalidInput);
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});

describe("S3ObjectStore.delete", () => {
  it("deletes the one object", async () => {
    s3.on(DeleteObjectCommand).resolves({});

    await store().delete(bucketName, "vod/rec-0123456789abcdef.mp4");

    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, {
      Bucket: bucketName,
      Key: "vod/rec-0123456789abcdef.mp4",
    });
  });
});
