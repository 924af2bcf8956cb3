import {
  MediaLiveClient,
  NotFoundException,
  type CreateChannelCommandInput,
  type DescribeChannelResponse,
  type OutputDestination,
} from "@aws-sdk/client-medialive";
import { MediaPackageV2Client, ResourceNotFoundException } from "@aws-sdk/client-mediapackagev2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { ChannelSpec } from "@visionstream/core/channels/channel";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import type { mockClient } from "aws-sdk-client-mock";
import { expect } from "vitest";
import { encoderSettings } from "./encoder-settings.ts";
import { AwsLiveEngine, type AwsLiveEngineOptions } from "./live-engine.ts";
import { recordingDestinationUrl } from "./recording-layout.ts";

// Shared by the AwsLiveEngine tests. These tests catch rejections and inspect them: in this workspace
// `rejects.toThrow` cannot match messages (packages/aws resolves vitest 5 next to the root's vitest 4 runner).

export const prefix = "visionstream-test";
export const channelGroup = "visionstream-test";
export const roleArn = "arn:aws:iam::111122223333:role/visionstream-test-medialive";
export const channelId = "ch-0123456789abcdef";
export const accountId = "acc-0123456789abcdef";
export const bucketName = "visionstream-test-acc-0123456789abcdef";
export const distributionArn = "arn:aws:cloudfront::111122223333:distribution/E1PDK09ESKHJWT";
/** The MediaLive channel and input name, and the MediaPackage v2 channel name. */
export const name = "visionstream-test-ch-0123456789abcdef";
export const engineChannelId = "3333333";
export const packagingChannelArn = `arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/${channelGroup}/channel/${name}`;
export const tags = {
  "visionstream:prefix": prefix,
  "visionstream:accountId": accountId,
  "visionstream:channelId": channelId,
};
const metadata = { $metadata: {} };

export function engine(options: Partial<AwsLiveEngineOptions> = {}) {
  return new AwsLiveEngine({
    medialive: new MediaLiveClient({ region: "eu-west-1" }),
    mediapackage: new MediaPackageV2Client({ region: "eu-west-1" }),
    secrets: new SecretsManagerClient({ region: "eu-west-1" }),
    roleArn,
    prefix,
    channelGroup,
    ...options,
  });
}

/** The stage's SPEKE v2 key server, as stacks/key-server.ts makes it. */
export const keyServer = {
  url: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/visionstream-test/copyProtection",
  roleArn: "arn:aws:iam::111122223333:role/visionstream-test-KeyServerRole-1a2b3c4",
};

export function spec(overrides: Partial<ChannelSpec> = {}): ChannelSpec {
  return {
    channelId,
    accountId,
    name: "Main stage",
    bucketName,
    inputType: "RTMP_PUSH",
    redundancy: "SINGLE",
    allowCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
    streamKey: "sk-secret",
    distributionArn,
    ...overrides,
  };
}

export const notFound = () => new NotFoundException({ message: "not found", ...metadata });
export const packagingNotFound = () => new ResourceNotFoundException({ message: "not found", ...metadata });

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

type Stub = ReturnType<typeof mockClient>;

/** The names of the commands a mocked client received, in order. */
export function commandsSent(client: Stub): string[] {
  return client.calls().map((call) => (call.args[0] as object).constructor.name);
}

/** The inputs of every command of this kind a mocked client received, in order. */
export function inputsOf<TInput extends object>(client: Stub, command: new (input: TInput) => object): TInput[] {
  return client
    .calls()
    .map((call) => call.args[0] as object)
    .filter((sent) => sent instanceof command)
    .map((sent) => (sent as { input: TInput }).input);
}

/** Asserts that the command was sent once, with exactly this input and nothing more. */
export function expectSentOnce<TInput extends object>(
  client: Stub,
  command: new (input: TInput) => object,
  input: NoInfer<TInput>,
) {
  expect(inputsOf(client, command)).toStrictEqual([input]);
}

export const recordingUrl = (sessionId: string, pipeline: number) =>
  recordingDestinationUrl({ bucketName, channelId, sessionId, pipeline });

export const liveDestination: OutputDestination = {
  Id: "live",
  MediaPackageSettings: [{ ChannelGroup: channelGroup, ChannelName: name }],
};

export function recordingDestination(sessionId: string, pipelines: number): OutputDestination {
  return {
    Id: "recording",
    Settings: Array.from({ length: pipelines }, (_, pipeline) => ({ Url: recordingUrl(sessionId, pipeline) })),
  };
}

export function expectedChannel(overrides: {
  ChannelClass: "SINGLE_PIPELINE" | "STANDARD";
  Codec: "AVC" | "MPEG2";
  pipelines: number;
}): CreateChannelCommandInput {
  return {
    Name: name,
    RequestId: `${name}-channel`,
    ChannelClass: overrides.ChannelClass,
    RoleArn: roleArn,
    InputAttachments: [
      { InputId: "2222222", InputAttachmentName: name, InputSettings: { AudioSelectors: [{ Name: "program" }] } },
    ],
    InputSpecification: { Codec: overrides.Codec, Resolution: "HD", MaximumBitrate: "MAX_20_MBPS" },
    Destinations: [recordingDestination("unstarted", overrides.pipelines), liveDestination],
    EncoderSettings: encoderSettings(DEFAULT_LADDER),
    Tags: tags,
  };
}

/** DescribeChannel's answer for the channel, recording into `sessionId`. */
export function describedChannel(
  state: DescribeChannelResponse["State"],
  sessionId = "unstarted",
  pipelines = 2,
): DescribeChannelResponse {
  const created = expectedChannel({ ChannelClass: "STANDARD", Codec: "AVC", pipelines });
  return {
    Id: engineChannelId,
    Arn: `arn:aws:medialive:eu-west-1:111122223333:channel:${engineChannelId}`,
    Name: name,
    State: state,
    ChannelClass: "STANDARD",
    RoleArn: roleArn,
    InputAttachments: created.InputAttachments,
    InputSpecification: { ...created.InputSpecification },
    EncoderSettings: created.EncoderSettings,
    Destinations: [recordingDestination(sessionId, pipelines), liveDestination],
    Tags: tags,
  };
}
