import { generateKeyPairSync } from "node:crypto";
import { CreateJobCommand, type CreateJobCommandInput, MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CloudFrontPlaybackSigner,
  documentClient,
  DynamoAccountRepository,
  DynamoChannelRepository,
  DynamoRecordingRepository,
} from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { AwsVodAssembler } from "@visionstream/aws/mediaconvert/assembler";
import { S3ObjectStore } from "@visionstream/aws/s3/object-store";
import { recordingIdOf, Recordings } from "@visionstream/core";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingGapDetectedHandler, recordingJobChangedHandler, recordingSegmentCreatedHandler, recordingSessionEndedHandler } from "./handlers/recordings.ts";

let testTables: TestTables;
const mediaconvert = mockClient(MediaConvertClient);
const s3 = mockClient(S3Client);
const context = { functionName: "replay", awsRequestId: "r", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const tables = { table: "visionstream-replay", idempotencyTable: "visionstream-replay-idempotency" };
const accountId = "acc-0123456789abcdef";
const channelId = "ch-0123456789abcdef";
const sessionId = "20261122t120000z-abcdef";
const bucket = `visionstream-prod-${accountId}`;
const arn = "arn:aws:medialive:eu-west-1:123456789012:channel:7654321";
type Invoke = (event: unknown) => Promise<unknown>;
let handlers: { segment: Invoke; ended: Invoke; job: Invoke; gap: Invoke };
let recordings: DynamoRecordingRepository;

beforeAll(async () => {
  testTables = await startTestTables(tables, "eu-west-1");
  const documents = documentClient(testTables.client);
  const accounts = new DynamoAccountRepository(documents, tables.table);
  const channels = new DynamoChannelRepository(documents, tables.table);
  recordings = new DynamoRecordingRepository(documents, tables.table);
  const time = "2026-11-22T12:00:00.000Z";
  await accounts.create(
    { id: accountId, name: "replay", status: "ACTIVE", createdAt: time, updatedAt: time, provisioningAttempts: 1, bucketName: bucket, cdnBaseUrl: "https://d1.cloudfront.net", publicKeyId: "K1" },
    "hash",
  );
  await channels.create({
    id: channelId,
    accountId,
    name: "replayed",
    inputType: "RTMP_PUSH",
    redundancy: "SINGLE",
    allowCidrs: ["203.0.113.0/24"],
    state: "RUNNING",
    engineChannelId: "7654321",
    ingest: [],
    sessionId,
    createdAt: time,
    updatedAt: time,
  });
  await channels.linkEngineChannel("7654321", accountId, channelId);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const domain = Recordings({
    recordings,
    channels,
    accounts,
    assembler: new AwsVodAssembler({ mediaconvert: new MediaConvertClient({ region: "eu-west-1" }), roleArn: "arn:aws:iam::123456789012:role/mc" }),
    store: new S3ObjectStore({ s3: new S3Client({ region: "eu-west-1" }) }),
    signer: new CloudFrontPlaybackSigner(async () => ({ keyPairId: "K1", privateKey })),
  });
  const idempotency = { tableName: tables.idempotencyTable, client: testTables.client };
  const invoke = (handler: (event: never, context: Context) => unknown) => async (event: unknown) => handler(event as never, context);
  handlers = {
    segment: invoke(recordingSegmentCreatedHandler(domain, idempotency) as never),
    ended: invoke(recordingSessionEndedHandler(domain, idempotency) as never),
    job: invoke(recordingJobChangedHandler(domain, idempotency) as never),
    gap: invoke(recordingGapDetectedHandler(domain, idempotency) as never),
  };
});

afterAll(() => testTables.close());

const envelope = (id: string, source: string, detailType: string, time: string, detail: unknown) => ({
  version: "0",
  id,
  source,
  "detail-type": detailType,
  account: "123456789012",
  time,
  region: "eu-west-1",
  resources: [],
  detail,
});

describe("a session's events replayed three times, shuffled (AWS adapters, MediaConvert mocked)", () => {
  it("start exactly one MediaConvert job and index every segment once", async () => {
    // MediaConvert answers the same job for the same ClientRequestToken.
    const jobs = new Map<string, string>();
    mediaconvert.on(CreateJobCommand).callsFake((input: CreateJobCommandInput) => {
      const token = input.ClientRequestToken!;
      if (!jobs.has(token)) jobs.set(token, `1700000000000-job${jobs.size}`);
      return { Job: { Id: jobs.get(token), Role: input.Role, Settings: input.Settings } };
    });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 7_654_321 });
    const recordingId = recordingIdOf(channelId, sessionId);
    const segments = Array.from({ length: 12 }, (_, index) =>
      envelope(`seg-${index}`, "aws.s3", "Object Created", `2026-11-22T12:00:${String(index * 2).padStart(2, "0")}Z`, {
        version: "0",
        bucket: { name: bucket },
        object: { key: `recordings/${channelId}/${sessionId}/1080p/seg_${String(index + 1).padStart(6, "0")}.ts`, size: 1_000_000 + index, etag: `e${index}`, sequencer: `0${index}` },
        "request-id": `r${index}`,
        requester: "123456789012",
        reason: "PutObject",
      }),
    );
    const stopped = envelope("stopped-1", "aws.medialive", "MediaLive Channel State Change", "2026-11-22T12:00:30Z", {
      channel_arn: arn,
      state: "STOPPED",
      message: "Channel has stopped",
      pipelines_running_count: 0,
    });
    const session = [...segments.map((event) => ({ event, handler: handlers.segment })), { event: stopped, handler: handlers.ended }];
    const replay = [...session, ...session, ...session].map((item) => ({ item, order: Math.random() })).sort((a, b) => a.order - b.order);

    for (const { item } of replay) await item.handler(item.event);
    const assembling = await recordings.find(recordingId);
    const complete = envelope("job-complete-1", "aws.mediaconvert", "MediaConvert Job State Change", "2026-11-22T12:00:40Z", {
      timestamp: 1_763_812_840_000,
      accountId: "123456789012",
      queue: "arn:aws:mediaconvert:eu-west-1:123456789012:queues/Default",
      jobId: assembling?.jobId,
      status: "COMPLETE",
      userMetadata: { recordingId, accountId },
      outputGroupDetails: [{ type: "FILE_GROUP", outputDetails: [{ outputFilePaths: [`s3://${bucket}/vod/${recordingId}.mp4`], durationInMs: 24_000, videoDetails: { widthInPx: 1920, heightInPx: 1080 } }] }],
    });
    for (const event of [complete, complete, complete]) await handlers.job(event);

    expect(mediaconvert).toHaveReceivedCommandTimes(CreateJobCommand, 1);
    expect(mediaconvert).toHaveReceivedCommandWith(CreateJobCommand, {
      ClientRequestToken: `${recordingId}-attempt-1`,
      UserMetadata: { recordingId, accountId },
    });
    expect((await recordings.segments(recordingId)).map((segment) => segment.sequence)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    expect(await recordings.find(recordingId)).toMatchObject({ status: "READY", attempts: 1, durationMs: 24_000, sizeBytes: 7_654_321, gaps: [] });
  });

  it("lists every gap the engine measured once, also delivered twice and all at the same time, and no gap makes a recording", async () => {
    const recordingId = recordingIdOf(channelId, sessionId);
    const gaps = Array.from({ length: 8 }, (_, index) => ({
      accountId,
      channelId,
      sessionId,
      reason: index % 2 === 0 ? "no-input" : "transcoder-behind",
      from: `2026-11-22T12:00:${String(index * 3).padStart(2, "0")}.100Z`,
      to: `2026-11-22T12:00:${String(index * 3 + 1).padStart(2, "0")}.600Z`,
      lostMs: 1_500,
    }));
    const deliveries = gaps.flatMap((detail, index) => [
      envelope(`gap-${index}`, "visionstream", "RecordingGapDetected", "2026-11-22T12:01:00Z", detail),
      envelope(`gap-${index}-again`, "visionstream", "RecordingGapDetected", "2026-11-22T12:01:00Z", detail),
    ]);
    const otherSession = envelope("gap-other", "visionstream", "RecordingGapDetected", "2026-11-22T12:01:00Z", { ...gaps[0], sessionId: "20261122t130000z-fedcba" });

    await Promise.all([...deliveries, otherSession].map((event) => handlers.gap(event)));

    const recording = await recordings.find(recordingId);
    expect(recording?.status).toBe("READY");
    expect(recording?.gaps).toEqual(gaps.map(({ reason, from, to, lostMs }) => ({ reason, from, to, lostMs })));
    expect(await recordings.find(recordingIdOf(channelId, "20261122t130000z-fedcba"))).toBeUndefined();
  });
});
