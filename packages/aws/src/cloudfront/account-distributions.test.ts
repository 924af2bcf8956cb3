import {
  CreateDistributionCommand,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  GetDistributionConfigCommand,
  TooManyDistributions,
  TooManyDistributionsAssociatedToOriginAccessControl,
  TooManyKeyGroups,
  TooManyPublicKeys,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeAws } from "../account-fake-aws-testing.ts";
import {
  accountId,
  bucketOnlyConfig,
  cloudfront,
  expectedDistributionConfig,
  infrastructure,
  metadata,
  s3,
  secrets,
  stage,
} from "../account-infrastructure-testing.ts";
import { livePathPattern, matchesPathPattern } from "./path-patterns.ts";
import { CloudFrontQuotaReached } from "./quotas.ts";

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  secrets.reset();
});

function createdConfig() {
  return cloudfront.commandCalls(CreateDistributionCommand)[0]?.args[0].input.DistributionConfig;
}

describe("the account distribution's live path", () => {
  it("reads the channel group's egress domain over HTTPS through the stage's mediapackagev2 origin access control", async () => {
    fakeAws();

    await infrastructure().provision(accountId);

    expect(createdConfig()?.Origins?.Items?.[1]).toEqual({
      Id: "mediapackage",
      DomainName: stage.mediaPackage.egressDomain,
      OriginAccessControlId: stage.originAccessControls.mediaPackage,
      CustomOriginConfig: {
        HTTPPort: 80,
        HTTPSPort: 443,
        OriginProtocolPolicy: "https-only",
        OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] },
      },
    });
  });

  it("sends the channel group's path, signed with the account's key group, to MediaPackage with its managed cache policy", async () => {
    fakeAws();

    await infrastructure().provision(accountId);

    const live = createdConfig()?.CacheBehaviors?.Items?.find((behavior) => behavior.TargetOriginId === "mediapackage");
    expect(live).toEqual(
      expect.objectContaining({
        PathPattern: "out/v1/visionstream-test/*",
        TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: ["KG1"] },
        CachePolicyId: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
        OriginRequestPolicyId: "59781a5b-3903-41f3-afcb-af62929ccde1",
        ResponseHeadersPolicyId: "60669652-455b-4ae9-85a4-c4c02393f86c",
        AllowedMethods: { Quantity: 3, Items: ["GET", "HEAD", "OPTIONS"], CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] } },
      }),
    );
  });

  it("sends viewers' key requests under a channel's playback root, signed, never cached, to the key delivery function through its origin access control, naming the account", async () => {
    fakeAws();
    const keyDelivery = { domain: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws", originAccessControl: "E1KEYSTAGEOAC" };

    await infrastructure({ keyDelivery }).provision(accountId);

    const config = createdConfig();
    expect(config?.Origins?.Items?.[2]).toEqual({
      Id: "key-delivery",
      DomainName: keyDelivery.domain,
      OriginAccessControlId: "E1KEYSTAGEOAC",
      CustomHeaders: { Quantity: 1, Items: [{ HeaderName: "x-visionstream-account", HeaderValue: accountId }] },
      CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only", OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] } },
    });
    const behaviors = config?.CacheBehaviors?.Items ?? [];
    expect(behaviors.map((behavior) => behavior.TargetOriginId)).toEqual([expect.stringMatching(/^visionstream-test-acc-/), "key-delivery", "mediapackage"]);
    expect(behaviors[1]).toEqual(
      expect.objectContaining({
        PathPattern: "out/v1/visionstream-test/*/keys/*",
        TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: ["KG1"] },
        CachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        AllowedMethods: { Quantity: 3, Items: ["GET", "HEAD", "OPTIONS"], CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] } },
      }),
    );
    // The first behaviour that matches takes the request: a key goes to the key delivery, a playlist to MediaPackage.
    const behaviorOf = (path: string) => behaviors.find((behavior) => matchesPathPattern(behavior.PathPattern!, path))?.TargetOriginId;
    const channelRoot = "/out/v1/visionstream-test/visionstream-test-ch-0123456789abcdef";
    expect(behaviorOf(`${channelRoot}/keys/00112233445566778899aabbccddeeff`)).toBe("key-delivery");
    expect(behaviorOf(`${channelRoot}/ts/master.m3u8`)).toBe("mediapackage");
  });

  it("matches the paths MediaPackage v2 serves for the stage's channels, and nothing of the bucket", () => {
    const pattern = livePathPattern("visionstream-prod");

    const served = [
      "/out/v1/visionstream-prod/visionstream-prod-ch-0123456789abcdef/ts/master.m3u8",
      "out/v1/visionstream-prod/visionstream-prod-ch-0123456789abcdef/dash/manifest.mpd",
    ].map((path) => matchesPathPattern(pattern, path));
    const notServed = [
      "/live/ch-0123456789abcdef/master.m3u8",
      "/out/v1/visionstream-dev/visionstream-dev-ch-0123456789abcdef/ts/master.m3u8",
      "/recordings/out/v1/visionstream-prod/x",
    ].map((path) => matchesPathPattern(pattern, path));

    expect(served).toEqual([true, true]);
    expect(notServed).toEqual([false, false, false]);
  });
});

describe("a distribution provisioned before the live path", () => {
  function givenBucketOnlyDistribution(aws: ReturnType<typeof fakeAws>) {
    aws.state.distributions.push({
      id: "E9OLD",
      config: bucketOnlyConfig("KG1", "E3OWNOAC"),
      etag: "ETAG-OLD",
      status: "Deployed",
    });
  }

  it("is brought to the new config with one UpdateDistribution, keeping its CallerReference", async () => {
    const aws = fakeAws();
    givenBucketOnlyDistribution(aws);

    const resources = await infrastructure().provision(accountId);

    expect(resources.distributionId).toBe("E9OLD");
    expect(cloudfront).toHaveReceivedCommandTimes(CreateDistributionCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 1);
    const update = cloudfront.commandCalls(UpdateDistributionCommand)[0]?.args[0].input;
    expect(update?.Id).toBe("E9OLD");
    expect(update?.IfMatch).toBe("ETAG-OLD");
    expect(update?.DistributionConfig).toEqual(
      expect.objectContaining({ ...expectedDistributionConfig("KG1"), Aliases: { Quantity: 0 }, DefaultRootObject: "" }),
    );
  });

  it("is left alone once converged", async () => {
    const aws = fakeAws();
    givenBucketOnlyDistribution(aws);
    await infrastructure().provision(accountId);

    await infrastructure().provision(accountId);

    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 1);
    expect(cloudfront).toHaveReceivedCommandTimes(GetDistributionConfigCommand, 2);
  });
});

describe("a CloudFront quota reached while provisioning", () => {
  async function failure() {
    return infrastructure()
      .provision(accountId)
      .catch((error: unknown) => error);
  }

  const refused = { message: "quota reached", ...metadata };

  it.each([
    {
      request: "CreateDistribution",
      refuse: () => cloudfront.on(CreateDistributionCommand).rejects(new TooManyDistributions(refused)),
      quota: "distributions per AWS account (default 500)",
    },
    {
      request: "CreatePublicKey",
      refuse: () => cloudfront.on(CreatePublicKeyCommand).rejects(new TooManyPublicKeys(refused)),
      quota: "public keys per AWS account (default 10)",
    },
    {
      request: "CreateKeyGroup",
      refuse: () => cloudfront.on(CreateKeyGroupCommand).rejects(new TooManyKeyGroups(refused)),
      quota: "key groups per AWS account (default 10)",
    },
  ])("names the quota when $request is refused", async ({ refuse, quota }) => {
    fakeAws();
    refuse();

    const error = await failure();

    expect(error).toBeInstanceOf(CloudFrontQuotaReached);
    expect((error as Error).message).toBe(
      `CloudFront quota reached: ${quota}; ask AWS to raise it ` +
        "(Service Quotas console, Amazon CloudFront, or an AWS Support quota increase case)",
    );
    expect((error as Error).cause).toEqual(expect.objectContaining({ name: expect.stringMatching(/^TooMany/) }));
  });

  it("names the origin access control's quota when converging an old distribution is refused", async () => {
    const aws = fakeAws();
    aws.state.distributions.push({ id: "E9OLD", config: bucketOnlyConfig("KG1", "E3OWNOAC"), etag: "ETAG-OLD", status: "Deployed" });
    cloudfront.on(UpdateDistributionCommand).rejects(new TooManyDistributionsAssociatedToOriginAccessControl(refused));

    const error = await failure();

    expect(error).toBeInstanceOf(CloudFrontQuotaReached);
    expect((error as Error).message).toContain("distributions per origin access control (default 100)");
  });
});
