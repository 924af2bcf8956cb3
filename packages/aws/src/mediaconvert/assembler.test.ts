import { CreateJobCommand, MediaConvertClient, type CreateJobCommandInput } from "@aws-sdk/client-mediaconvert";
import { InvalidInput } from "@visionstream/core/errors";
import type { AssemblyRequest } from "@visionstream/core/recordings/recording";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsVodAssembler, VodJobMissing } from "./assembler.ts";

const mediaconvert = mockClient(MediaConvertClient);

const roleArn = "arn:aws:iam::111122223333:role/visionstream-test-mediaconvert";
const queueArn = "arn:aws:mediaconvert:eu-west-1:111122223333:queues/visionstream";
const recordingId = "rec-0123456789abcdef";
const accountId = "acc-0123456789abcdef";
const bucketName = "visionstream-test-acc-0123456789abcdef";

const request: AssemblyRequest = {
  recordingId,
  accountId,
  bucketName,
  sourcePrefix: "recordings/ch-0123456789abcdef/2024-05-01T10-00-00Z/1080p/",
  outputKey: `vod/${recordingId}.mp4`,
  attempt: 1,
};

function assembler(options: { queueArn?: string } = {}) {
  return new AwsVodAssembler({ mediaconvert: new MediaConvertClient({ region: "eu-west-1" }), roleArn, ...options });
}

/** MediaConvert's idempotency: within its window the same ClientRequestToken answers the job it started first. */
function fakeMediaConvert() {
  const jobs = new Map<string, string>();
  mediaconvert.on(CreateJobCommand).callsFake(({ ClientRequestToken }: CreateJobCommandInput) => {
    const token = ClientRequestToken ?? crypto.randomUUID();
    if (!jobs.has(token)) jobs.set(token, `${1700000000000 + jobs.size}-abcdef`);
    return { Job: { Id: jobs.get(token) } };
  });
  return jobs;
}

beforeEach(() => {
  mediaconvert.reset();
});

describe("AwsVodAssembler.assemble", () => {
  it("starts one MediaConvert job that joins the rendition's HLS playlist into a fast-start MP4 without re-encoding", async () => {
    mediaconvert.on(CreateJobCommand).resolves({ Job: { Id: "1700000000000-abcdef", Role: roleArn, Settings: {} } });

    const result = await assembler().assemble(request);

    expect(result).toEqual({ jobId: "1700000000000-abcdef" });
    expect(mediaconvert).toHaveReceivedCommandTimes(CreateJobCommand, 1);
    const expected = {
      Role: roleArn,
      ClientRequestToken: "rec-0123456789abcdef-attempt-1",
      StatusUpdateInterval: "SECONDS_10",
      UserMetadata: { recordingId, accountId },
      Tags: { "visionstream:accountId": accountId, "visionstream:recordingId": recordingId },
      Settings: {
        TimecodeConfig: { Source: "ZEROBASED" },
        Inputs: [
          {
            FileInput:
              "s3://visionstream-test-acc-0123456789abcdef/recordings/ch-0123456789abcdef/2024-05-01T10-00-00Z/pipeline-0/index_1080p.m3u8",
            AudioSelectors: { "Audio Selector 1": { DefaultSelection: "DEFAULT" } },
          },
        ],
        OutputGroups: [
          {
            Name: "vod",
            OutputGroupSettings: {
              Type: "FILE_GROUP_SETTINGS",
              FileGroupSettings: { Destination: "s3://visionstream-test-acc-0123456789abcdef/vod/rec-0123456789abcdef" },
            },
            Outputs: [
              {
                Extension: "mp4",
                ContainerSettings: { Container: "MP4", Mp4Settings: { MoovPlacement: "PROGRESSIVE_DOWNLOAD" } },
                VideoDescription: { CodecSettings: { Codec: "PASSTHROUGH" } },
                AudioDescriptions: [{ AudioSourceName: "Audio Selector 1", CodecSettings: { Codec: "PASSTHROUGH" } }],
              },
            ],
          },
        ],
      },
    } satisfies CreateJobCommandInput;
    expect(mediaconvert).toHaveReceivedCommandWith(CreateJobCommand, expected);
    // The matcher tolerates extra top-level fields (a Queue, an AccelerationSettings): the whole input is exactly this.
    expect(mediaconvert.commandCalls(CreateJobCommand)[0]!.args[0].input).toEqual(expected);
  });

  it("sends the job to the configured queue", async () => {
    mediaconvert.on(CreateJobCommand).resolves({ Job: { Id: "1700000000000-abcdef", Role: roleArn, Settings: {} } });

    await assembler({ queueArn }).assemble(request);

    expect(mediaconvert).toHaveReceivedCommandWith(CreateJobCommand, { Queue: queueArn });
  });

  it("asks three times with the same token for the same recording and attempt, and gets the same job", async () => {
    const jobs = fakeMediaConvert();

    const results = [
      await assembler().assemble(request),
      await assembler().assemble(request),
      await assembler().assemble({ ...request }),
    ];

    const tokens = mediaconvert.commandCalls(CreateJobCommand).map((call) => call.args[0].input.ClientRequestToken);
    expect(tokens).toEqual([
      "rec-0123456789abcdef-attempt-1",
      "rec-0123456789abcdef-attempt-1",
      "rec-0123456789abcdef-attempt-1",
    ]);
    expect(results).toEqual([
      { jobId: "1700000000000-abcdef" },
      { jobId: "1700000000000-abcdef" },
      { jobId: "1700000000000-abcdef" },
    ]);
    expect(jobs.size).toBe(1);
  });

  it("gives a retry (attempt 2) another token, and so a new job", async () => {
    const jobs = fakeMediaConvert();

    const first = await assembler().assemble(request);
    const retry = await assembler().assemble({ ...request, attempt: 2 });

    expect(mediaconvert).toHaveReceivedNthCommandWith(CreateJobCommand, 2, {
      ClientRequestToken: "rec-0123456789abcdef-attempt-2",
    });
    expect(retry.jobId).not.toBe(first.jobId);
    expect(jobs.size).toBe(2);
  });

  it("keeps tokens within MediaConvert's 64 ASCII characters", async () => {
    fakeMediaConvert();

    await assembler().assemble({ ...request, attempt: 1_000_000 });

    const token = mediaconvert.commandCalls(CreateJobCommand)[0]!.args[0].input.ClientRequestToken ?? "";
    expect(token).toMatch(/^[\x20-\x7e]{1,64}$/);
  });

  it("says so when MediaConvert answers without a job", async () => {
    mediaconvert.on(CreateJobCommand).resolves({});

    const error = await assembler()
      .assemble(request)
      .catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(VodJobMissing);
  });

  it("refuses an output key that MediaConvert could not write, before calling it", async () => {
    const error = await assembler()
      .assemble({ ...request, outputKey: `vod/${recordingId}.mov` })
      .catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(InvalidInput);
    expect(mediaconvert).not.toHaveReceivedAnyCommand();
  });
});
