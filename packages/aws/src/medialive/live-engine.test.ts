import {
  ConflictException,
  CreateChannelCommand,
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  DeleteChannelCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  DescribeChannelCommand,
  DescribeInputCommand,
  ListChannelsCommand,
  ListInputSecurityGroupsCommand,
  ListInputsCommand,
  MediaLiveClient,
  NotFoundException,
  StartChannelCommand,
  StopChannelCommand,
  UpdateChannelCommand,
  type CreateChannelCommandInput,
  type DescribeChannelResponse,
  type OutputDestination,
} from "@aws-sdk/client-medialive";
import {
  CreateChannelCommand as CreatePackagingChannelCommand,
  CreateOriginEndpointCommand,
  DeleteChannelCommand as DeletePackagingChannelCommand,
  DeleteOriginEndpointCommand,
  DescribeChannelCommand as DescribePackagingChannelCommand,
  DescribeOriginEndpointCommand,
  MediaPackageClient,
  NotFoundException as PackagingNotFoundException,
} from "@aws-sdk/client-mediapackage";
import type { ChannelSpec } from "@visionstream/core/channels/channel";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { encoderSettings } from "./encoder-settings.ts";
import { AwsLiveEngine } from "./live-engine.ts";
import { LiveChannelTimeout } from "./live-resources.ts";

// These tests catch rejections and inspect them: in this workspace `rejects.toThrow` cannot match messages
// (packages/aws resolves vitest 5 next to the root's vitest 4 runner).

const medialive = mockClient(MediaLiveClient);
const mediapackage = mockClient(MediaPackageClient);

const prefix = "visionstream-test";
const roleArn = "arn:aws:iam::111122223333:role/visionstream-test-medialive";
const channelId = "ch-0123456789abcdef";
const accountId = "acc-0123456789abcdef";
const bucketName = "visionstream-test-acc-0123456789abcdef";
const name = "visionstream-test-ch-0123456789abcdef";
const engineChannelId = "3333333";
const tags = {
  "visionstream:prefix": prefix,
  "visionstream:accountId": accountId,
  "visionstream:channelId": channelId,
};
const metadata = { $metadata: {} };

function engine() {
  return new AwsLiveEngine({
    medialive: new MediaLiveClient({ region: "eu-west-1" }),
    mediapackage: new MediaPackageClient({ region: "eu-west-1" }),
    roleArn,
    prefix,
    polling: { intervalMs: 0, timeoutMs: 1_000 },
  });
}

function spec(overrides: Partial<ChannelSpec> = {}): ChannelSpec {
  return {
    channelId,
    accountId,
    name: "Main stage",
    bucketName,
    inputType: "RTMP_PUSH",
    redundancy: "SINGLE",
    allowCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
    streamKey: "sk-secret",
    ...overrides,
  };
}

const notFound = () => new NotFoundException({ message: "not found", ...metadata });
const packagingNotFound = () => new PackagingNotFoundException({ message: "not found", ...metadata });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** The names of the commands a mocked client received, in order. */
function commandsSent(client: { calls(): { args: readonly [object, ...unknown[]] }[] }): string[] {
  return client.calls().map((call) => call.args[0].constructor.name);
}

/** Asserts that the command was sent once, with exactly this input and nothing more. */
function expectSentOnce<TInput extends object>(
  client: typeof medialive | typeof mediapackage,
  command: new (input: TInput) => object,
  input: NoInfer<TInput>,
) {
  expect(client).toHaveReceivedCommandExactlyOnceWith(command as never, input as never);
  const sent = client.calls().map((call) => call.args[0]).filter((sent) => sent instanceof command);
  expect(sent.map((sent) => (sent as { input: object }).input)).toStrictEqual([input]);
}

/** Nothing exists yet: every lookup comes back empty. */
function givenNothingExists() {
  medialive.on(ListInputsCommand).resolves({ Inputs: [{ Id: "9", Name: "someone-else", State: "DETACHED" }] });
  medialive.on(ListInputSecurityGroupsCommand).resolves({
    InputSecurityGroups: [{ Id: "8", Tags: { "visionstream:prefix": "visionstream-prod", "visionstream:channelId": channelId } }],
  });
  medialive.on(CreateInputSecurityGroupCommand).resolves({ SecurityGroup: { Id: "1111111" } });
  medialive.on(ListChannelsCommand).resolves({ Channels: [] });
  medialive.on(CreateChannelCommand).resolves({ Channel: { Id: engineChannelId } });
  mediapackage.on(DescribePackagingChannelCommand).rejects(packagingNotFound());
  mediapackage.on(CreatePackagingChannelCommand).resolves({ Id: name });
  mediapackage.on(DescribeOriginEndpointCommand).rejects(packagingNotFound());
  mediapackage.on(CreateOriginEndpointCommand).resolves({ Id: `${name}-live` });
}

const rtmpDestination = (ip: string) => ({ Ip: ip, Port: "1935", Url: `rtmp://${ip}:1935/live/sk-secret` });
const rtpDestination = (ip: string) => ({ Ip: ip, Port: "5000", Url: `rtp://${ip}:5000` });

const recordingUrl = (sessionId: string) =>
  `s3ssl://${bucketName}/recordings/${channelId}/${sessionId}/`;

function expectedChannel(overrides: {
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
    Destinations: [
      { Id: "recording", Settings: Array.from({ length: overrides.pipelines }, () => ({ Url: recordingUrl("unstarted") })) },
      { Id: "live", MediaPackageSettings: [{ ChannelId: name }] },
    ],
    EncoderSettings: encoderSettings(DEFAULT_LADDER),
    Tags: tags,
  };
}

beforeEach(() => {
  medialive.reset();
  mediapackage.reset();
});

describe("AwsLiveEngine.createChannel", () => {
  it("builds a single-pipeline RTMP channel: security group, input, MediaPackage, then the channel", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({
      Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10")] },
    });

    const created = await engine().createChannel(spec());

    expect(created).toStrictEqual({
      engineChannelId,
      ingest: [{ url: "rtmp://203.0.113.10:1935/live", streamKey: "sk-secret" }],
    });
    expectSentOnce(medialive, CreateInputSecurityGroupCommand, {
      WhitelistRules: [{ Cidr: "203.0.113.0/24" }, { Cidr: "198.51.100.7/32" }],
      Tags: tags,
    });
    expectSentOnce(medialive, CreateInputCommand, {
      Name: name,
      RequestId: `${name}-input`,
      Type: "RTMP_PUSH",
      InputSecurityGroups: ["1111111"],
      Destinations: [{ StreamName: "live/sk-secret" }],
      Tags: tags,
    });
    expectSentOnce(mediapackage, CreatePackagingChannelCommand, {
      Id: name,
      Description: `VisionStream channel ${channelId} of account ${accountId}`,
    });
    expectSentOnce(mediapackage, CreateOriginEndpointCommand, {
      ChannelId: name,
      Id: `${name}-live`,
      ManifestName: "master",
      HlsPackage: { SegmentDurationSeconds: 2, PlaylistWindowSeconds: 60 },
    });
    expectSentOnce(
      medialive,
      CreateChannelCommand,
      expectedChannel({ ChannelClass: "SINGLE_PIPELINE", Codec: "AVC", pipelines: 1 }),
    );
  });

  it("gives a standard RTMP channel two input endpoints and two recording destinations", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({
      Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10"), rtmpDestination("203.0.113.20")] },
    });

    const created = await engine().createChannel(spec({ redundancy: "STANDARD" }));

    expect(created.ingest).toStrictEqual([
      { url: "rtmp://203.0.113.10:1935/live", streamKey: "sk-secret" },
      { url: "rtmp://203.0.113.20:1935/live", streamKey: "sk-secret" },
    ]);
    expectSentOnce(medialive, CreateInputCommand, {
      Name: name,
      RequestId: `${name}-input`,
      Type: "RTMP_PUSH",
      InputSecurityGroups: ["1111111"],
      Destinations: [{ StreamName: "live/sk-secret" }, { StreamName: "live/sk-secret" }],
      Tags: tags,
    });
    expectSentOnce(medialive, CreateChannelCommand, expectedChannel({ ChannelClass: "STANDARD", Codec: "AVC", pipelines: 2 }));
  });

  it("takes MPEG-2 over RTP, and gives a single-pipeline channel the first of the input's two endpoints", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({
      Input: { Id: "2222222", Destinations: [rtpDestination("203.0.113.10"), rtpDestination("203.0.113.20")] },
    });

    const created = await engine().createChannel(spec({ inputType: "RTP_PUSH", streamKey: undefined }));

    expect(created.ingest).toStrictEqual([{ url: "rtp://203.0.113.10:5000" }]);
    expectSentOnce(medialive, CreateInputCommand, {
      Name: name,
      RequestId: `${name}-input`,
      Type: "RTP_PUSH",
      InputSecurityGroups: ["1111111"],
      Tags: tags,
    });
    expectSentOnce(
      medialive,
      CreateChannelCommand,
      expectedChannel({ ChannelClass: "SINGLE_PIPELINE", Codec: "MPEG2", pipelines: 1 }),
    );
  });

  it("gives a standard RTP channel both endpoints, read from their URLs when the address fields are missing", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({
      Input: { Id: "2222222", Destinations: [{ Url: "rtp://203.0.113.10:5000" }, { Url: "rtp://203.0.113.20:5000" }] },
    });

    const created = await engine().createChannel(spec({ inputType: "RTP_PUSH", redundancy: "STANDARD" }));

    expect(created.ingest).toStrictEqual([{ url: "rtp://203.0.113.10:5000" }, { url: "rtp://203.0.113.20:5000" }]);
  });

  it("creates nothing a second time: the input, MediaPackage channel and channel are found by name", async () => {
    medialive.on(ListInputsCommand).resolves({
      Inputs: [
        { Id: "7777777", Name: name, State: "DELETED", Destinations: [] },
        { Id: "2222222", Name: name, State: "DETACHED", Destinations: [rtmpDestination("203.0.113.10")] },
      ],
    });
    medialive
      .on(ListChannelsCommand)
      .resolvesOnce({ Channels: [{ Id: "1", Name: "other" }], NextToken: "page-2" })
      .resolves({ Channels: [{ Id: engineChannelId, Name: name, State: "IDLE" }] });
    mediapackage.on(DescribePackagingChannelCommand).resolves({ Id: name });
    mediapackage.on(DescribeOriginEndpointCommand).resolves({ Id: `${name}-live` });

    const created = await engine().createChannel(spec());

    expect(created).toStrictEqual({
      engineChannelId,
      ingest: [{ url: "rtmp://203.0.113.10:1935/live", streamKey: "sk-secret" }],
    });
    expect(medialive).toHaveReceivedCommandWith(ListChannelsCommand, { NextToken: "page-2" });
    expect(medialive).not.toHaveReceivedCommand(CreateInputSecurityGroupCommand);
    expect(medialive).not.toHaveReceivedCommand(CreateInputCommand);
    expect(medialive).not.toHaveReceivedCommand(CreateChannelCommand);
    expect(mediapackage).not.toHaveReceivedCommand(CreatePackagingChannelCommand);
    expect(mediapackage).not.toHaveReceivedCommand(CreateOriginEndpointCommand);
  });

  it("reuses the security group of a creation that stopped before its input", async () => {
    givenNothingExists();
    medialive.on(ListInputSecurityGroupsCommand).resolves({
      InputSecurityGroups: [{ Id: "1111112", State: "IDLE", Tags: tags }],
    });
    medialive.on(CreateInputCommand).resolves({
      Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10")] },
    });

    await engine().createChannel(spec());

    expect(medialive).not.toHaveReceivedCommand(CreateInputSecurityGroupCommand);
    expect(medialive).toHaveReceivedCommandWith(CreateInputCommand, { InputSecurityGroups: ["1111112"] });
  });

  it("refuses an RTMP channel without a stream key", async () => {
    const error = await rejection(engine().createChannel(spec({ streamKey: undefined })));

    expect(error).toBeInstanceOf(InvalidInput);
    expect(medialive).not.toHaveReceivedAnyCommand();
  });
});

function channel(state: DescribeChannelResponse["State"], sessionId = "unstarted", pipelines = 2): DescribeChannelResponse {
  const created = expectedChannel({ ChannelClass: "STANDARD", Codec: "AVC", pipelines });
  const destinations: OutputDestination[] = [
    { Id: "recording", Settings: Array.from({ length: pipelines }, () => ({ Url: recordingUrl(sessionId) })) },
    { Id: "live", MediaPackageSettings: [{ ChannelId: name }] },
  ];
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
    Destinations: destinations,
    Tags: tags,
  };
}

describe("AwsLiveEngine.startChannel", () => {
  it("points the recording at the session, then starts", async () => {
    medialive.on(DescribeChannelCommand).resolvesOnce(channel("IDLE")).resolves(channel("IDLE", "s-42"));
    medialive.on(UpdateChannelCommand).resolves({ Channel: { Id: engineChannelId, State: "UPDATING" } });
    medialive.on(StartChannelCommand).resolves({ State: "STARTING" });

    await engine().startChannel(engineChannelId, "s-42");

    const idle = channel("IDLE");
    expectSentOnce(medialive, UpdateChannelCommand, {
      ChannelId: engineChannelId,
      Name: name,
      RoleArn: roleArn,
      InputAttachments: idle.InputAttachments,
      InputSpecification: idle.InputSpecification,
      EncoderSettings: idle.EncoderSettings,
      Destinations: [
        { Id: "recording", Settings: [{ Url: recordingUrl("s-42") }, { Url: recordingUrl("s-42") }] },
        { Id: "live", MediaPackageSettings: [{ ChannelId: name }] },
      ],
    });
    expectSentOnce(medialive, StartChannelCommand, { ChannelId: engineChannelId });
    expect(commandsSent(medialive)).toEqual([
      "DescribeChannelCommand",
      "UpdateChannelCommand",
      "DescribeChannelCommand",
      "StartChannelCommand",
    ]);
  });

  it("waits for a channel that is still being created", async () => {
    medialive
      .on(DescribeChannelCommand)
      .resolvesOnce(channel("CREATING"))
      .resolvesOnce(channel("IDLE"))
      .resolves(channel("IDLE", "s-42"));

    await engine().startChannel(engineChannelId, "s-42");

    expect(medialive).toHaveReceivedCommandTimes(DescribeChannelCommand, 3);
    expect(medialive).toHaveReceivedCommandOnce(UpdateChannelCommand);
    expect(medialive).toHaveReceivedCommandOnce(StartChannelCommand);
  });

  it("starts without updating when the recording already points at the session", async () => {
    medialive.on(DescribeChannelCommand).resolves(channel("IDLE", "s-42"));

    await engine().startChannel(engineChannelId, "s-42");

    expect(medialive).not.toHaveReceivedCommand(UpdateChannelCommand);
    expectSentOnce(medialive, StartChannelCommand, { ChannelId: engineChannelId });
  });

  it("does nothing when the channel already runs this session", async () => {
    medialive.on(DescribeChannelCommand).resolves(channel("RUNNING", "s-42"));

    await engine().startChannel(engineChannelId, "s-42");

    expect(medialive).not.toHaveReceivedCommand(UpdateChannelCommand);
    expect(medialive).not.toHaveReceivedCommand(StartChannelCommand);
  });

  it("refuses a channel that runs another session", async () => {
    medialive.on(DescribeChannelCommand).resolves(channel("RUNNING", "s-41"));

    const error = await rejection(engine().startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(Conflict);
    expect(medialive).not.toHaveReceivedCommand(StartChannelCommand);
  });

  it("says which channel does not exist", async () => {
    medialive.on(DescribeChannelCommand).rejects(notFound());

    const error = await rejection(engine().startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(NotFound);
    expect((error as NotFound).id).toBe(engineChannelId);
  });

  it("gives up on a channel that stays busy", async () => {
    medialive.on(DescribeChannelCommand).resolves(channel("UPDATING"));
    const impatient = new AwsLiveEngine({
      medialive: new MediaLiveClient({ region: "eu-west-1" }),
      mediapackage: new MediaPackageClient({ region: "eu-west-1" }),
      roleArn,
      prefix,
      polling: { intervalMs: 1, timeoutMs: 0 },
    });

    const error = await rejection(impatient.startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(LiveChannelTimeout);
  });

  it("refuses a session id that is no folder name", async () => {
    const error = await rejection(engine().startChannel(engineChannelId, "../x"));

    expect(error).toBeInstanceOf(InvalidInput);
    expect(medialive).not.toHaveReceivedAnyCommand();
  });
});

describe("AwsLiveEngine.stopChannel", () => {
  it("stops a running channel", async () => {
    medialive.on(DescribeChannelCommand).resolves(channel("RUNNING"));
    medialive.on(StopChannelCommand).resolves({ State: "STOPPING" });

    await engine().stopChannel(engineChannelId);

    expectSentOnce(medialive, StopChannelCommand, { ChannelId: engineChannelId });
  });

  it.each(["IDLE", "STOPPING"] as const)("leaves a channel that is %s alone", async (state) => {
    medialive.on(DescribeChannelCommand).resolves(channel(state));

    await engine().stopChannel(engineChannelId);

    expect(medialive).not.toHaveReceivedCommand(StopChannelCommand);
  });

  it("accepts that a concurrent stop came first, or that the channel is gone", async () => {
    medialive.on(DescribeChannelCommand).resolvesOnce(channel("RUNNING")).rejects(notFound());
    medialive.on(StopChannelCommand).rejects(new ConflictException({ message: "stopping", ...metadata }));

    await engine().stopChannel(engineChannelId);
    await engine().stopChannel(engineChannelId);

    expect(medialive).toHaveReceivedCommandOnce(StopChannelCommand);
  });
});

describe("AwsLiveEngine.deleteChannel", () => {
  function givenDeletable() {
    medialive
      .on(DescribeChannelCommand)
      .resolvesOnce(channel("IDLE"))
      .resolvesOnce(channel("IDLE"))
      .resolvesOnce(channel("DELETING"))
      .resolves(channel("DELETED"));
    medialive.on(DeleteChannelCommand).resolves({ State: "DELETING" });
    medialive
      .on(DescribeInputCommand)
      .resolvesOnce({ Id: "2222222", State: "DETACHED", SecurityGroups: ["1111111"] })
      .resolvesOnce({ Id: "2222222", State: "DELETING" })
      .rejects(notFound());
    medialive.on(DeleteInputCommand).resolves({});
    medialive.on(DeleteInputSecurityGroupCommand).resolves({});
    mediapackage.on(DeleteOriginEndpointCommand).resolves({});
    mediapackage.on(DeletePackagingChannelCommand).resolves({});
  }

  it("deletes the channel, then its input and security group, then the MediaPackage channel", async () => {
    givenDeletable();

    await engine().deleteChannel(engineChannelId);

    expectSentOnce(medialive, DeleteChannelCommand, { ChannelId: engineChannelId });
    expectSentOnce(medialive, DeleteInputCommand, { InputId: "2222222" });
    expectSentOnce(medialive, DeleteInputSecurityGroupCommand, { InputSecurityGroupId: "1111111" });
    expectSentOnce(mediapackage, DeleteOriginEndpointCommand, { Id: `${name}-live` });
    expectSentOnce(mediapackage, DeletePackagingChannelCommand, { Id: name });
    expect(commandsSent(medialive)).toEqual([
      "DescribeChannelCommand",
      "DescribeChannelCommand",
      "DeleteChannelCommand",
      "DescribeChannelCommand",
      "DescribeChannelCommand",
      "DescribeInputCommand",
      "DeleteInputCommand",
      "DescribeInputCommand",
      "DescribeInputCommand",
      "DeleteInputSecurityGroupCommand",
    ]);
    expect(commandsSent(mediapackage)).toEqual(["DeleteOriginEndpointCommand", "DeleteChannelCommand"]);
  });

  it("stops a running channel first", async () => {
    givenDeletable();
    medialive
      .on(DescribeChannelCommand)
      .resolvesOnce(channel("RUNNING"))
      .resolvesOnce(channel("STOPPING"))
      .resolvesOnce(channel("IDLE"))
      .resolves(channel("DELETED"));
    medialive.on(StopChannelCommand).resolves({ State: "STOPPING" });

    await engine().deleteChannel(engineChannelId);

    expectSentOnce(medialive, StopChannelCommand, { ChannelId: engineChannelId });
    expectSentOnce(medialive, DeleteChannelCommand, { ChannelId: engineChannelId });
  });

  it("finishes an interrupted deletion, ignoring what is already gone", async () => {
    medialive.on(DescribeChannelCommand).resolves(channel("DELETED"));
    medialive.on(DescribeInputCommand).rejects(notFound());
    mediapackage.on(DeleteOriginEndpointCommand).rejects(packagingNotFound());
    mediapackage.on(DeletePackagingChannelCommand).resolves({});

    await engine().deleteChannel(engineChannelId);

    expect(medialive).not.toHaveReceivedCommand(DeleteChannelCommand);
    expect(medialive).not.toHaveReceivedCommand(DeleteInputCommand);
    expectSentOnce(mediapackage, DeletePackagingChannelCommand, { Id: name });
  });

  it("does nothing for a channel that no longer exists", async () => {
    medialive.on(DescribeChannelCommand).rejects(notFound());

    await engine().deleteChannel(engineChannelId);

    expect(medialive).toHaveReceivedCommandTimes(DescribeChannelCommand, 1);
    expect(mediapackage).not.toHaveReceivedAnyCommand();
  });
});

