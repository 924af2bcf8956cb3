import { createPublicKey, createVerify } from "node:crypto";
import { CreateDistributionCommand, type CacheBehavior, type DistributionConfig } from "@aws-sdk/client-cloudfront";
import { CreateChannelCommand, StartChannelCommand, UpdateChannelCommand } from "@aws-sdk/client-medialive";
import { livePathPattern, matchesPathPattern } from "@visionstream/aws/account-infrastructure";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { Packaging } from "@visionstream/aws/mediapackage/testing";
import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsPlatform, cloudfront, medialive, mediapackage, prefix, roleArn, stage, type AwsPlatform } from "./aws-platform-testing.ts";

const TABLE = "aws-live-path";
const { channelGroup, egressDomain } = stage.mediaPackage;

let tables: TestTables;
let platform: AwsPlatform;
let accountId: string;
let apiKey: string;
/** The account's single-pipeline RTMP channel, and a STANDARD (two pipelines) RTP channel beside it. */
let single: { id: string; name: string };
let standard: { id: string; name: string };

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  platform = awsPlatform(tables, TABLE);
  ({ accountId, apiKey } = await platform.signUp("live path"));
  const create = async (body: object) => {
    const created = await platform.call("POST", "/channels", apiKey, { allowCidrs: ["203.0.113.0/24"], ...body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.channel.id as string;
    return { id, name: `${prefix}-${id}` };
  };
  single = await create({ name: "Main stage", inputType: "RTMP_PUSH" });
  standard = await create({ name: "Redundant stage", inputType: "RTP_PUSH", redundancy: "STANDARD" });
  await platform.passTime();
});
afterAll(() => tables.close());

const account = () => platform.wired.accounts.get(accountId);
const bucketName = () => `${prefix}-${accountId}`;
const keyGroupId = () => platform.cdn.state.keyGroups.find((group) => group.KeyGroup?.KeyGroupConfig?.Name === `${prefix}-${accountId}`)?.KeyGroup?.Id;
const createdDistribution = (): DistributionConfig => {
  const [call, ...more] = cloudfront.commandCalls(CreateDistributionCommand);
  expect(more).toEqual([]);
  return call!.args[0].input.DistributionConfig!;
};
const liveBehavior = (): CacheBehavior | undefined =>
  createdDistribution().CacheBehaviors?.Items?.find((behavior) => behavior.TargetOriginId === "mediapackage");
const recordingUrl = (channelId: string, session: string, pipeline: number) =>
  `s3ssl://${bucketName()}/recordings/${channelId}/${session}/pipeline-${pipeline}/index`;

/** CloudFront's URL-safe base64 (RFC: + → -, = → _, / → ~) back to bytes. */
const fromCloudFrontBase64 = (text: string) => Buffer.from(text.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");

describe("the AWS live path, for one account and its channel", () => {
  it("provisions the account through the AccountCreated handler: ACTIVE, with its distribution's ARN", async () => {
    const provisioned = await account();
    expect(provisioned).toEqual(
      expect.objectContaining({
        status: "ACTIVE",
        bucketName: bucketName(),
        distributionId: "E1",
        distributionArn: "arn:aws:cloudfront::111122223333:distribution/E1",
        cdnBaseUrl: "https://e1.cloudfront.net",
      }),
    );
  });

  it("creates the channel's MediaPackage v2 channel in the stage's channel group, with the endpoints ts and cmaf (HLS and DASH)", () => {
    const channel = { ChannelGroupName: channelGroup, ChannelName: single.name };
    const Segment = { SegmentDurationSeconds: DEFAULT_LADDER.segmentSeconds };
    const hls = { HlsManifests: [{ ManifestName: "master", ManifestWindowSeconds: 60 }] };
    expect(mediapackage).toHaveReceivedCommandWith(Packaging.CreateChannelCommand, {
      ...channel,
      InputType: "CMAF",
      Description: `VisionStream channel ${single.id} of account ${accountId}`,
    });
    const endpoints = mediapackage.commandCalls(Packaging.CreateOriginEndpointCommand).map((call) => call.args[0].input);
    expect(endpoints.filter((endpoint) => endpoint.ChannelName === single.name)).toEqual(
      expect.arrayContaining([
        { ...channel, OriginEndpointName: "ts", ContainerType: "TS", Segment, ...hls },
        {
          ...channel,
          OriginEndpointName: "cmaf",
          ContainerType: "CMAF",
          Segment,
          ...hls,
          DashManifests: [{ ManifestName: "manifest", ManifestWindowSeconds: 60 }],
        },
      ]),
    );
    expect(endpoints).toHaveLength(4);
  });

  it("lets only the account's distribution read each endpoint: AWS:SourceArn names it, cloudfront.amazonaws.com is the only principal", async () => {
    const { distributionArn } = await account();
    const policies = mediapackage
      .commandCalls(Packaging.PutOriginEndpointPolicyCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.ChannelName === single.name);
    expect(policies.map((policy) => policy.OriginEndpointName).sort()).toEqual(["cmaf", "ts"]);
    for (const { OriginEndpointName, Policy } of policies) {
      expect(JSON.parse(Policy ?? "")).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AllowAccountDistribution",
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: ["mediapackagev2:GetObject", "mediapackagev2:GetHeadObject"],
            Resource: `${platform.media.packagingChannelArn(single.name)}/originEndpoint/${OriginEndpointName}`,
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
          },
        ],
      });
    }
  });

  it("gives the MediaLive channel a MediaPackage v2 output group and an S3 recording group whose destination ends in a base file name", () => {
    expect(medialive).toHaveReceivedCommandWith(CreateChannelCommand, {
      Name: single.name,
      ChannelClass: "SINGLE_PIPELINE",
      RoleArn: roleArn,
      Destinations: [
        { Id: "recording", Settings: [{ Url: recordingUrl(single.id, "unstarted", 0) }] },
        { Id: "live", MediaPackageSettings: [{ ChannelGroup: channelGroup, ChannelName: single.name }] },
      ],
      EncoderSettings: expect.objectContaining({
        OutputGroups: [
          expect.objectContaining({
            OutputGroupSettings: {
              HlsGroupSettings: expect.objectContaining({ Destination: { DestinationRefId: "recording" }, DirectoryStructure: "SINGLE_DIRECTORY" }),
            },
          }),
          expect.objectContaining({
            OutputGroupSettings: {
              MediaPackageGroupSettings: {
                Destination: { DestinationRefId: "live" },
                MediapackageV2GroupSettings: { SegmentLength: DEFAULT_LADDER.segmentSeconds, SegmentLengthUnits: "SECONDS" },
              },
            },
          }),
        ],
      }),
    });
    expect(recordingUrl(single.id, "unstarted", 0)).not.toMatch(/\/$/);
  });

  it("gives each pipeline of a STANDARD channel a recording destination of its own", () => {
    const request = medialive.commandCalls(CreateChannelCommand).find((call) => call.args[0].input.Name === standard.name)?.args[0].input;
    const urls = request?.Destinations?.find((destination) => destination.Id === "recording")?.Settings?.map((settings) => settings.Url);
    expect(request?.ChannelClass).toBe("STANDARD");
    expect(urls).toEqual([recordingUrl(standard.id, "unstarted", 0), recordingUrl(standard.id, "unstarted", 1)]);
    expect(new Set(urls).size).toBe(2);
    expect(urls?.every((url) => url?.split("/").at(-1) === "index")).toBe(true);
    expect(request?.Destinations).toContainEqual({
      Id: "live",
      MediaPackageSettings: [{ ChannelGroup: channelGroup, ChannelName: standard.name }],
    });
  });

  it("puts the channel group's egress domain behind the account's distribution, through the stage's mediapackagev2 OAC, signed by the account's key group", () => {
    const config = createdDistribution();
    expect(config.Origins?.Items?.[1]).toEqual({
      Id: "mediapackage",
      DomainName: egressDomain,
      OriginAccessControlId: stage.originAccessControls.mediaPackage,
      CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only", OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] } },
    });
    expect(keyGroupId()).toMatch(/^KG/);
    expect(liveBehavior()).toEqual(
      expect.objectContaining({
        PathPattern: livePathPattern(channelGroup),
        TargetOriginId: "mediapackage",
        TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: [keyGroupId()] },
        // Managed cache policy "Elemental-MediaPackage".
        CachePolicyId: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
      }),
    );
  });

  it("hands out a playback URL on that behaviour's path, signed for the channel's root with the account's key", async () => {
    const answer = await platform.call("GET", `/channels/${single.id}/playback`, apiKey);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const { cdnBaseUrl, publicKeyId } = await account();
    const hlsUrl = new URL(answer.body.hlsUrl);
    const root = `out/v1/${channelGroup}/${single.name}`;
    expect(answer.body.hlsUrl).toBe(`${cdnBaseUrl}/${root}/ts/master.m3u8`);
    expect(matchesPathPattern(liveBehavior()!.PathPattern!, hlsUrl.pathname)).toBe(true);
    expect(matchesPathPattern("public/*", hlsUrl.pathname)).toBe(false);

    const query = new URLSearchParams(answer.body.query);
    const policy = fromCloudFrontBase64(query.get("Policy")!).toString("utf8");
    expect(JSON.parse(policy).Statement[0].Resource).toBe(`${cdnBaseUrl}/${root}/*`);
    expect(query.get("Key-Pair-Id")).toBe(publicKeyId);
    const cloudFrontKey = platform.cdn.state.publicKeys.find((key) => key.Id === publicKeyId);
    // A new account's key is ECDSA P-256, which CloudFront takes with SHA-256 signatures, said so in the query.
    expect(createPublicKey(cloudFrontKey!.EncodedKey!).asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(query.get("Hash-Algorithm")).toBe("SHA256");
    const verified = createVerify("SHA256").update(policy).verify(cloudFrontKey!.EncodedKey!, fromCloudFrontBase64(query.get("Signature")!));
    expect(verified).toBe(true);
  });

  it("starts from events: 202 at once, UpdateChannel for the session, StartChannel once the sweeper finds it idle, then RUNNING", async () => {
    const answer = await platform.call("POST", `/channels/${single.id}/start`, apiKey);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.channel.state).toBe("STARTING");
    await platform.settled();
    const { engineChannelId, sessionId } = await platform.wired.channels.get(accountId, single.id);
    expect(medialive).toHaveReceivedCommandExactlyOnceWith(UpdateChannelCommand, {
      ChannelId: engineChannelId,
      RoleArn: roleArn,
      Destinations: [
        { Id: "recording", Settings: [{ Url: recordingUrl(single.id, sessionId!, 0) }] },
        { Id: "live", MediaPackageSettings: [{ ChannelGroup: channelGroup, ChannelName: single.name }] },
      ],
    });
    expect(medialive).toHaveReceivedCommandTimes(StartChannelCommand, 0);

    await platform.passTime();
    const swept = await platform.sweep();
    expect(swept.channelIds).toEqual([single.id]);
    expect(medialive).toHaveReceivedCommandExactlyOnceWith(StartChannelCommand, { ChannelId: engineChannelId });
    await platform.passTime();

    const running = await platform.call("GET", `/channels/${single.id}`, apiKey);
    expect(running.body.channel.state).toBe("RUNNING");
    expect(platform.failures).toEqual([]);
  });
});
