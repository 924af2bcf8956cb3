import { ConflictException, MediaPackageV2Client, ResourceNotFoundException } from "@aws-sdk/client-mediapackagev2";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { PackagingChannels } from "./packaging-channels.ts";
import { Packaging, mockPackagingClient } from "./testing.ts";

const {
  CreateChannelCommand,
  CreateOriginEndpointCommand,
  DeleteChannelCommand,
  DeleteOriginEndpointCommand,
  DeleteOriginEndpointPolicyCommand,
  GetChannelCommand,
  GetOriginEndpointCommand,
  ListOriginEndpointsCommand,
  PutOriginEndpointPolicyCommand,
} = Packaging;
const mediapackage = mockPackagingClient();

const channelGroup = "visionstream-test";
const name = "visionstream-test-ch-0123456789abcdef";
const channelArn = `arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/${channelGroup}/channel/${name}`;
const distributionArn = "arn:aws:cloudfront::111122223333:distribution/E1PDK09ESKHJWT";
const channel = { ChannelGroupName: channelGroup, ChannelName: name };
const metadata = { $metadata: {} };
const notFound = () => new ResourceNotFoundException({ message: "not found", ...metadata });

const packaging = () =>
  new PackagingChannels({ mediapackage: new MediaPackageV2Client({ region: "eu-west-1" }), channelGroup });

const spec = { name, description: "VisionStream channel", segmentSeconds: 2, distributionArn };

/** The inputs of every command of this kind the stub received, in order. */
function inputsOf<TInput extends object>(command: new (input: TInput) => object): TInput[] {
  return mediapackage
    .calls()
    .map((call) => call.args[0] as object)
    .filter((sent) => sent instanceof command)
    .map((sent) => (sent as { input: TInput }).input);
}

beforeEach(() => {
  mediapackage.reset();
});

describe("PackagingChannels.ensure", () => {
  beforeEach(() => {
    mediapackage.on(GetChannelCommand).rejects(notFound());
    mediapackage.on(CreateChannelCommand).resolves({ ...channel, Arn: channelArn });
    mediapackage.on(GetOriginEndpointCommand).rejects(notFound());
    mediapackage.on(CreateOriginEndpointCommand).resolves({});
    mediapackage.on(PutOriginEndpointPolicyCommand).resolves({});
  });

  it("makes a CMAF-ingest channel in the stage's channel group", async () => {
    await packaging().ensure(spec);

    expect(inputsOf(CreateChannelCommand)).toStrictEqual([
      { ...channel, InputType: "CMAF", Description: "VisionStream channel" },
    ]);
  });

  it("serves HLS on TS, and HLS and DASH over one set of CMAF segments, a one-minute live window each, no startover", async () => {
    await packaging().ensure(spec);

    const window = { ManifestWindowSeconds: 60 };
    expect(inputsOf(CreateOriginEndpointCommand)).toStrictEqual([
      {
        ...channel,
        OriginEndpointName: "ts",
        ContainerType: "TS",
        Segment: { SegmentDurationSeconds: 2 },
        HlsManifests: [{ ManifestName: "master", ...window }],
      },
      {
        ...channel,
        OriginEndpointName: "cmaf",
        ContainerType: "CMAF",
        Segment: { SegmentDurationSeconds: 2 },
        HlsManifests: [{ ManifestName: "master", ...window }],
        DashManifests: [{ ManifestName: "manifest", ...window }],
      },
    ]);
  });

  it("serves a low-latency channel LL-HLS and DASH timed close to the live edge on CMAF, and HLS on TS as usual", async () => {
    await packaging().ensure({ ...spec, latency: "low" });

    const [ts, cmaf] = inputsOf(CreateOriginEndpointCommand);
    expect(ts).toMatchObject({ HlsManifests: [{ ManifestName: "master" }] });
    expect(ts).not.toHaveProperty("LowLatencyHlsManifests");
    expect(cmaf).toStrictEqual({
      ...channel,
      OriginEndpointName: "cmaf",
      ContainerType: "CMAF",
      Segment: { SegmentDurationSeconds: 2 },
      LowLatencyHlsManifests: [{ ManifestName: "master", ManifestWindowSeconds: 60 }],
      DashManifests: [
        {
          ManifestName: "manifest",
          ManifestWindowSeconds: 60,
          MinUpdatePeriodSeconds: 2,
          MinBufferTimeSeconds: 2,
          SuggestedPresentationDelaySeconds: 4,
          UtcTiming: { TimingMode: "HTTP_ISO", TimingSource: "https://time.akamai.com/?iso&ms" },
        },
      ],
    });
  });

  it("encrypts an encrypted channel with keys from our SPEKE v2 key server: AES-128 clear key on TS, cbcs for the DRM systems on CMAF", async () => {
    const keyServer = {
      url: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/visionstream-test/copyProtection",
      roleArn: "arn:aws:iam::111122223333:role/visionstream-test-KeyServerRole-1a2b3c4",
    };

    await packaging().ensure({ ...spec, encryption: { keyRotationSeconds: 1800, channelId: "ch-0123456789abcdef", keyServer } });

    const provider = {
      EncryptionContractConfiguration: { PresetSpeke20Audio: "SHARED", PresetSpeke20Video: "SHARED" },
      RoleArn: keyServer.roleArn,
      Url: keyServer.url,
    };
    expect(inputsOf(CreateOriginEndpointCommand).map(({ OriginEndpointName, Segment }) => [OriginEndpointName, Segment])).toStrictEqual([
      [
        "ts",
        {
          SegmentDurationSeconds: 2,
          Encryption: {
            EncryptionMethod: { TsEncryptionMethod: "AES_128" },
            KeyRotationIntervalSeconds: 1800,
            SpekeKeyProvider: { ...provider, ResourceId: "ch-0123456789abcdef_ts", DrmSystems: ["CLEAR_KEY_AES_128"] },
          },
        },
      ],
      [
        "cmaf",
        {
          SegmentDurationSeconds: 2,
          Encryption: {
            EncryptionMethod: { CmafEncryptionMethod: "CBCS" },
            KeyRotationIntervalSeconds: 1800,
            SpekeKeyProvider: { ...provider, ResourceId: "ch-0123456789abcdef_cmaf", DrmSystems: ["FAIRPLAY", "PLAYREADY", "WIDEVINE"] },
          },
        },
      ],
    ]);
  });

  it("rotates keys no faster than MediaPackage v2 allows (300 s)", async () => {
    const keyServer = { url: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/s/copyProtection", roleArn: "arn:aws:iam::111122223333:role/k" };

    await packaging().ensure({ ...spec, encryption: { keyRotationSeconds: 60, channelId: "ch-0123456789abcdef", keyServer } });

    expect(inputsOf(CreateOriginEndpointCommand).map(({ Segment }) => Segment?.Encryption?.KeyRotationIntervalSeconds)).toEqual([300, 300]);
  });

  it("lets each endpoint be read only through the account's distribution", async () => {
    await packaging().ensure(spec);

    const policies = inputsOf(PutOriginEndpointPolicyCommand);
    expect(policies.map(({ OriginEndpointName }) => OriginEndpointName)).toEqual(["ts", "cmaf"]);
    const [ts] = policies;
    expect(JSON.parse(ts!.Policy!).Statement).toStrictEqual([
      {
        Sid: "AllowAccountDistribution",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: ["mediapackagev2:GetObject", "mediapackagev2:GetHeadObject"],
        Resource: `${channelArn}/originEndpoint/ts`,
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ]);
  });

  it("keeps what exists, and sets the policies again (the distribution may be new)", async () => {
    mediapackage.on(GetChannelCommand).resolves({ ...channel, Arn: channelArn });
    mediapackage.on(GetOriginEndpointCommand).resolves({});

    await packaging().ensure(spec);

    expect(mediapackage).not.toHaveReceivedCommand(CreateChannelCommand);
    expect(mediapackage).not.toHaveReceivedCommand(CreateOriginEndpointCommand);
    expect(mediapackage).toHaveReceivedCommandTimes(PutOriginEndpointPolicyCommand, 2);
  });
});

describe("PackagingChannels.remove", () => {
  it("deletes each endpoint's policy, then the endpoint, then the channel", async () => {
    mediapackage.on(GetChannelCommand).resolves({ ...channel, Arn: channelArn });
    mediapackage.on(ListOriginEndpointsCommand).resolves({
      Items: ["ts", "cmaf", "dash"].map((OriginEndpointName) => ({ OriginEndpointName }))
    });
    mediapackage.on(DeleteOriginEndpointPolicyCommand).resolves({});
    mediapackage.on(DeleteOriginEndpointCommand).resolves({});
    mediapackage.on(DeleteChannelCommand).resolves({});

    const step = await packaging().remove(name);

    expect(step).toBe("done");
    expect(mediapackage.calls().map((call) => (call.args[0] as object).constructor.name)).toEqual([
      "GetChannelCommand",
      "ListOriginEndpointsCommand",
      ...["ts", "cmaf", "dash"].flatMap(() => ["DeleteOriginEndpointPolicyCommand", "DeleteOriginEndpointCommand"]),
      "DeleteChannelCommand",
    ]);
    expect(inputsOf(DeleteOriginEndpointCommand)).toStrictEqual(
      ["ts", "cmaf", "dash"].map((OriginEndpointName) => ({ ...channel, OriginEndpointName })),
    );
    expect(inputsOf(DeleteChannelCommand)).toStrictEqual([channel]);
  });

  it("takes an endpoint without a policy in its stride", async () => {
    mediapackage.on(GetChannelCommand).resolves({ ...channel, Arn: channelArn });
    mediapackage.on(ListOriginEndpointsCommand).resolves({ Items: [{ OriginEndpointName: "ts" }] });
    mediapackage.on(DeleteOriginEndpointPolicyCommand).rejects(notFound());
    mediapackage.on(DeleteOriginEndpointCommand).resolves({});
    mediapackage.on(DeleteChannelCommand).resolves({});

    expect(await packaging().remove(name)).toBe("done");
    expect(mediapackage).toHaveReceivedCommandOnce(DeleteChannelCommand);
  });

  it("waits while the channel cannot be deleted yet", async () => {
    mediapackage.on(GetChannelCommand).resolves({ ...channel, Arn: channelArn });
    mediapackage.on(ListOriginEndpointsCommand).resolves({ Items: [] });
    mediapackage.on(DeleteChannelCommand).rejects(new ConflictException({ message: "busy", ...metadata }));

    expect(await packaging().remove(name)).toBe("pending");
  });

  it("is done when the channel is gone", async () => {
    mediapackage.on(GetChannelCommand).rejects(notFound());

    expect(await packaging().remove(name)).toBe("done");
    expect(mediapackage).toHaveReceivedCommandTimes(GetChannelCommand, 1);
    expect(mediapackage.calls()).toHaveLength(1);
  });
});

describe("PackagingChannels.playback", () => {
  it("is the channel's egress paths under out/v1/<channel group>/: HLS on TS, HLS and DASH on CMAF, no MSS", () => {
    const root = `out/v1/${channelGroup}/${name}`;

    expect(packaging().playback(name)).toStrictEqual({
      root,
      hls: `${root}/ts/master.m3u8`,
      hlsCmaf: `${root}/cmaf/master.m3u8`,
      dash: `${root}/cmaf/manifest.mpd`,
      lowLatencyFormat: "hlsCmaf",
      keyServerFormats: ["hls"],
    });
  });
});
