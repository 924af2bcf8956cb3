import {
  CreateChannelCommand,
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  ListChannelsCommand,
  ListInputSecurityGroupsCommand,
  ListInputsCommand,
  MediaLiveClient,
} from "@aws-sdk/client-medialive";
import { ConflictException as PackagingConflictException } from "@aws-sdk/client-mediapackagev2";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { InvalidInput } from "@visionstream/core/errors";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { Packaging, mockPackagingClient } from "../mediapackage/testing.ts";
import { LiveResourceMissing } from "./live-resources.ts";
import {
  accountId,
  channelGroup,
  channelId,
  commandsSent,
  distributionArn,
  engine,
  engineChannelId,
  expectSentOnce,
  expectedChannel,
  inputsOf,
  keyServer,
  name,
  packagingChannelArn,
  packagingNotFound,
  prefix,
  rejection,
  spec,
  tags,
} from "./testing.ts";

const medialive = mockClient(MediaLiveClient);
const mediapackage = mockPackagingClient();
const secrets = mockClient(SecretsManagerClient);
const {
  CreateChannelCommand: CreatePackagingChannelCommand,
  CreateOriginEndpointCommand,
  GetChannelCommand: GetPackagingChannelCommand,
  GetOriginEndpointCommand,
  PutOriginEndpointPolicyCommand,
} = Packaging;

/** Nothing exists yet: every lookup comes back empty (another stage's security group does not count). */
function givenNothingExists() {
  medialive.on(ListInputsCommand).resolves({ Inputs: [{ Id: "9", Name: "someone-else", State: "DETACHED" }] });
  medialive.on(ListInputSecurityGroupsCommand).resolves({
    InputSecurityGroups: [{ Id: "8", Tags: { "visionstream:prefix": "visionstream-prod", "visionstream:channelId": channelId } }],
  });
  medialive.on(CreateInputSecurityGroupCommand).resolves({ SecurityGroup: { Id: "1111111" } });
  medialive.on(ListChannelsCommand).resolves({ Channels: [] });
  medialive.on(CreateChannelCommand).resolves({ Channel: { Id: engineChannelId } });
  mediapackage.on(GetPackagingChannelCommand).rejects(packagingNotFound());
  mediapackage.on(CreatePackagingChannelCommand).resolves({ ChannelName: name, Arn: packagingChannelArn });
  mediapackage.on(GetOriginEndpointCommand).rejects(packagingNotFound());
  mediapackage.on(CreateOriginEndpointCommand).resolves({});
  mediapackage.on(PutOriginEndpointPolicyCommand).resolves({});
}

const rtmpDestination = (ip: string) => ({ Ip: ip, Port: "1935", Url: `rtmp://${ip}:1935/live/sk-secret` });
const rtpDestination = (ip: string) => ({ Ip: ip, Port: "5000", Url: `rtp://${ip}:5000` });

beforeEach(() => {
  medialive.reset();
  mediapackage.reset();
  secrets.reset();
});

describe("AwsLiveEngine.createChannel", () => {
  it("builds a single-pipeline RTMP channel: security group, input, MediaPackage v2, then the channel", async () => {
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
      ChannelGroupName: channelGroup,
      ChannelName: name,
      InputType: "CMAF",
      Description: `VisionStream channel ${channelId} of account ${accountId}`,
    });
    expect(inputsOf(mediapackage, CreateOriginEndpointCommand).map((endpoint) => endpoint.OriginEndpointName)).toEqual(["ts", "cmaf"]);
    expectSentOnce(
      medialive,
      CreateChannelCommand,
      expectedChannel({ ChannelClass: "SINGLE_PIPELINE", Codec: "AVC", pipelines: 1 }),
    );
    // Quick: no MediaLive state is waited for.
    expect(commandsSent(medialive)).toEqual([
      "ListInputsCommand",
      "ListInputSecurityGroupsCommand",
      "CreateInputSecurityGroupCommand",
      "CreateInputCommand",
      "ListChannelsCommand",
      "CreateChannelCommand",
    ]);
  });

  it("lets only the account's distribution read each origin endpoint", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({ Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10")] } });

    await engine().createChannel(spec());

    const policies = inputsOf(mediapackage, PutOriginEndpointPolicyCommand);
    expect(policies.map(({ OriginEndpointName }) => OriginEndpointName)).toEqual(["ts", "cmaf"]);
    for (const { ChannelGroupName, ChannelName, OriginEndpointName, Policy } of policies) {
      expect({ ChannelGroupName, ChannelName }).toEqual({ ChannelGroupName: channelGroup, ChannelName: name });
      expect(JSON.parse(Policy!)).toStrictEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AllowAccountDistribution",
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: ["mediapackagev2:GetObject", "mediapackagev2:GetHeadObject"],
            Resource: `${packagingChannelArn}/originEndpoint/${OriginEndpointName}`,
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
          },
        ],
      });
    }
  });

  it("gives a standard RTMP channel two input endpoints and a recording folder per pipeline", async () => {
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
    const [{ Destinations }] = inputsOf(medialive, CreateChannelCommand) as [{ Destinations: { Settings?: { Url?: string }[] }[] }];
    expect(Destinations[0]!.Settings).toStrictEqual([
      { Url: `s3ssl://visionstream-test-acc-0123456789abcdef/recordings/${channelId}/unstarted/pipeline-0/index` },
      { Url: `s3ssl://visionstream-test-acc-0123456789abcdef/recordings/${channelId}/unstarted/pipeline-1/index` },
    ]);
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

  it("creates nothing a second time: everything is found by name, and the endpoint policies are set again", async () => {
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
    mediapackage.on(GetPackagingChannelCommand).resolves({ ChannelName: name, Arn: packagingChannelArn });
    mediapackage.on(GetOriginEndpointCommand).resolves({});
    mediapackage.on(PutOriginEndpointPolicyCommand).resolves({});

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
    expect(mediapackage).toHaveReceivedCommandTimes(PutOriginEndpointPolicyCommand, 2);
  });

  it("takes a MediaPackage channel or endpoint that a concurrent creation made first", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({ Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10")] } });
    const exists = () => new PackagingConflictException({ message: "exists", $metadata: {} });
    mediapackage
      .on(GetPackagingChannelCommand)
      .rejectsOnce(packagingNotFound())
      .resolves({ ChannelName: name, Arn: packagingChannelArn });
    mediapackage.on(CreatePackagingChannelCommand).rejects(exists());
    mediapackage.on(CreateOriginEndpointCommand).rejects(exists());
    mediapackage.on(GetOriginEndpointCommand).rejectsOnce(packagingNotFound()).resolves({});

    await engine().createChannel(spec());

    expect(mediapackage).toHaveReceivedCommandTimes(GetPackagingChannelCommand, 2);
    expect(mediapackage).toHaveReceivedCommandTimes(PutOriginEndpointPolicyCommand, 2);
    expect(medialive).toHaveReceivedCommandOnce(CreateChannelCommand);
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

  it("encrypts an encrypted channel's endpoints with keys from the stage's key server, each endpoint naming the channel", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({ Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10")] } });

    await engine({ keyServer }).createChannel(spec({ encryption: { keyRotationSeconds: 600 } }));

    const encryption = inputsOf(mediapackage, CreateOriginEndpointCommand).map(({ OriginEndpointName, Segment }) => [
      OriginEndpointName,
      Segment?.Encryption?.EncryptionMethod,
      Segment?.Encryption?.KeyRotationIntervalSeconds,
      Segment?.Encryption?.SpekeKeyProvider,
    ]);
    const provider = { EncryptionContractConfiguration: { PresetSpeke20Audio: "SHARED", PresetSpeke20Video: "SHARED" }, RoleArn: keyServer.roleArn, Url: keyServer.url };
    expect(encryption).toStrictEqual([
      ["ts", { TsEncryptionMethod: "AES_128" }, 600, { ...provider, ResourceId: `${channelId}_ts`, DrmSystems: ["CLEAR_KEY_AES_128"] }],
      ["cmaf", { CmafEncryptionMethod: "CBCS" }, 600, { ...provider, ResourceId: `${channelId}_cmaf`, DrmSystems: ["FAIRPLAY", "PLAYREADY", "WIDEVINE"] }],
    ]);
  });

  it("packages a low-latency channel for low latency: LL-HLS and close DASH timing on CMAF, in the clear unless asked", async () => {
    givenNothingExists();
    medialive.on(CreateInputCommand).resolves({ Input: { Id: "2222222", Destinations: [rtmpDestination("203.0.113.10")] } });

    await engine({ keyServer }).createChannel(spec({ latency: "low" }));

    const [ts, cmaf] = inputsOf(mediapackage, CreateOriginEndpointCommand);
    expect(ts).toHaveProperty("HlsManifests");
    expect(cmaf).toMatchObject({ LowLatencyHlsManifests: [{ ManifestName: "master" }], DashManifests: [{ SuggestedPresentationDelaySeconds: 4 }] });
    expect(cmaf?.Segment).toStrictEqual({ SegmentDurationSeconds: 2 });
  });

  it("refuses an encrypted channel on a stage without a key server, and creates nothing", async () => {
    const error = await rejection(engine().createChannel(spec({ encryption: { keyRotationSeconds: 3600 } })));

    expect(error).toBeInstanceOf(InvalidInput);
    expect(medialive).not.toHaveReceivedAnyCommand();
    expect(mediapackage).not.toHaveReceivedAnyCommand();
  });

  it("creates nothing for an account without a distribution to serve the channel", async () => {
    const error = await rejection(engine().createChannel(spec({ distributionArn: undefined })));

    expect(error).toBeInstanceOf(LiveResourceMissing);
    expect((error as Error).message).toBe(`account ${accountId} has no distribution ARN`);
    expect(medialive).not.toHaveReceivedAnyCommand();
    expect(mediapackage).not.toHaveReceivedAnyCommand();
  });
});

describe("AwsLiveEngine.createChannel for SRT", () => {
  const passphraseSecret = `${prefix}/accounts/${accountId}/channels/${channelId}/srt-passphrase`;
  const passphraseArn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${passphraseSecret}-AbCdEf`;
  const srtDestination = (ip: string) => ({ Ip: ip, Port: "5000", Url: `srt://${ip}:5000` });
  const srtSpec = (overrides = {}) => spec({ inputType: "SRT_LISTENER", streamKey: undefined, srtPassphrase: "made-for-this-channel-0123", ...overrides });

  it("keeps the passphrase as the account's secret, and makes a listener input decrypting with it (AES-128), behind the allow-list", async () => {
    givenNothingExists();
    secrets.on(GetSecretValueCommand).rejects(new SecretNotFound({ message: "not found", $metadata: {} }));
    secrets.on(CreateSecretCommand).resolves({ ARN: passphraseArn, Name: passphraseSecret });
    medialive.on(CreateInputCommand).resolves({
      Input: { Id: "2222222", Type: "SRT_LISTENER", Destinations: [srtDestination("203.0.113.10"), srtDestination("203.0.113.20")] },
    });

    const created = await engine().createChannel(srtSpec({ redundancy: "STANDARD" }));

    expect(created.ingest).toStrictEqual([
      { url: "srt://203.0.113.10:5000", passphrase: "made-for-this-channel-0123" },
      { url: "srt://203.0.113.20:5000", passphrase: "made-for-this-channel-0123" },
    ]);
    expectSentOnce(secrets, CreateSecretCommand, {
      Name: passphraseSecret,
      SecretString: "made-for-this-channel-0123",
      Description: `SRT passphrase of VisionStream channel ${channelId} of account ${accountId} (${prefix})`,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
    expectSentOnce(medialive, CreateInputSecurityGroupCommand, {
      WhitelistRules: [{ Cidr: "203.0.113.0/24" }, { Cidr: "198.51.100.7/32" }],
      Tags: tags,
    });
    expectSentOnce(medialive, CreateInputCommand, {
      Name: name,
      RequestId: `${name}-input`,
      Type: "SRT_LISTENER",
      InputSecurityGroups: ["1111111"],
      SrtSettings: {
        SrtListenerSettings: { Decryption: { Algorithm: "AES128", PassphraseSecretArn: passphraseArn }, MinimumLatency: 1000 },
      },
      Tags: tags,
    });
    expectSentOnce(medialive, CreateChannelCommand, expectedChannel({ ChannelClass: "STANDARD", Codec: "AVC", pipelines: 2 }));
  });

  it("keeps the passphrase already kept when the creation runs again, and answers that one", async () => {
    givenNothingExists();
    secrets.on(GetSecretValueCommand).resolves({ ARN: passphraseArn, Name: passphraseSecret, SecretString: "kept-by-the-first-attempt" });
    medialive.on(CreateInputCommand).resolves({ Input: { Id: "2222222", Destinations: [srtDestination("203.0.113.10")] } });

    const created = await engine().createChannel(srtSpec());

    expect(created.ingest).toStrictEqual([{ url: "srt://203.0.113.10:5000", passphrase: "kept-by-the-first-attempt" }]);
    expect(secrets).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(medialive).toHaveReceivedCommandWith(CreateInputCommand, {
      SrtSettings: { SrtListenerSettings: { Decryption: { Algorithm: "AES128", PassphraseSecretArn: passphraseArn }, MinimumLatency: 1000 } },
    });
  });

  it("refuses an SRT channel without a passphrase, and creates nothing", async () => {
    const error = await rejection(engine().createChannel(srtSpec({ srtPassphrase: undefined })));

    expect(error).toBeInstanceOf(InvalidInput);
    expect(medialive).not.toHaveReceivedAnyCommand();
    expect(secrets).not.toHaveReceivedAnyCommand();
  });
});
