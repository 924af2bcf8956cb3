import { generateKeyPairSync } from "node:crypto";
import {
  CloudFrontClient,
  CreateDistributionCommand,
  CreateKeyGroupCommand,
  CreateOriginAccessControlCommand,
  CreatePublicKeyCommand,
  DistributionAlreadyExists,
  GetDistributionConfigCommand,
  KeyGroupAlreadyExists,
  ListDistributionsCommand,
  ListKeyGroupsCommand,
  ListOriginAccessControlsCommand,
  ListPublicKeysCommand,
  OriginAccessControlAlreadyExists,
  PublicKeyAlreadyExists,
  UpdateDistributionCommand,
  type CacheBehavior,
  type CreateDistributionCommandInput,
  type DistributionConfig,
  type DistributionSummary,
  type KeyGroupSummary,
  type OriginAccessControlSummary,
  type PublicKeySummary,
} from "@aws-sdk/client-cloudfront";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccountInfrastructure, loadSigningKey } from "./account-infrastructure.ts";
import { InvalidAccountId, InvalidResourcePrefix } from "./account-resources.ts";
import { SigningKeyMismatch } from "./cloudfront/account-signers.ts";
import { SigningKeyNotFound, type SigningKey } from "./secrets/signing-key.ts";

// These tests catch rejections and inspect them: in this workspace `rejects.toThrow` cannot match messages
// (packages/aws resolves vitest 5 next to the root's vitest 4 runner).

const s3 = mockClient(S3Client);
const cloudfront = mockClient(CloudFrontClient);
const secrets = mockClient(SecretsManagerClient);

const region = "eu-west-1";
const prefix = "visionstream-test";
const accountId = "acc-0123456789abcdef";
const bucketName = "visionstream-test-acc-0123456789abcdef";
const secretName = "visionstream-test/accounts/acc-0123456789abcdef/cdn-signing-key";
const cloudFrontName = "visionstream-test-acc-0123456789abcdef";
const comment = "visionstream visionstream-test account acc-0123456789abcdef";
const distributionArn = "arn:aws:cloudfront::111122223333:distribution/E2DISTRIBUTION";

const storedKey: SigningKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

function infrastructure(options: { region?: string; prefix?: string } = {}) {
  return new AwsAccountInfrastructure({
    s3: new S3Client({ region }),
    cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    secrets: new SecretsManagerClient({ region }),
    region: options.region ?? region,
    prefix: options.prefix ?? prefix,
  });
}

const metadata = { $metadata: {} };

/** The names of the commands a mocked client received, in order. */
function commandsSent(client: { calls(): { args: readonly [object, ...unknown[]] }[] }): string[] {
  return client.calls().map((call) => call.args[0].constructor.name);
}

function publicKey(Id: string, Name: string, EncodedKey: string): PublicKeySummary {
  return { Id, Name, EncodedKey, CreatedTime: new Date(0) };
}

function keyGroup(Id: string, Name: string, publicKeyIds: string[]): KeyGroupSummary {
  return { KeyGroup: { Id, LastModifiedTime: new Date(0), KeyGroupConfig: { Name, Items: publicKeyIds } } };
}

function originAccessControl(Id: string, Name: string): OriginAccessControlSummary {
  return {
    Id,
    Name,
    Description: "",
    SigningProtocol: "sigv4",
    SigningBehavior: "always",
    OriginAccessControlOriginType: "s3",
  };
}

function distribution(Id: string, Comment: string, Enabled = true): DistributionSummary {
  return {
    Id,
    ARN: `arn:aws:cloudfront::111122223333:distribution/${Id}`,
    DomainName: `${Id.toLowerCase()}.cloudfront.net`,
    Comment,
    Enabled,
    Status: "Deployed",
  } as DistributionSummary;
}

function page<T>(Items: T[], NextMarker?: string) {
  return { Items, Quantity: Items.length, MaxItems: 100, NextMarker };
}

function truncatablePage<T>(Items: T[], NextMarker?: string) {
  return { ...page(Items, NextMarker), Marker: "", IsTruncated: NextMarker !== undefined };
}

/** What CreateDistribution must receive for the test account, given the ids found or created before it. */
function expectedDistributionConfig(keyGroupId: string, originAccessControlId: string): DistributionConfig {
  const behavior = {
    TargetOriginId: bucketName,
    ViewerProtocolPolicy: "redirect-to-https",
    AllowedMethods: {
      Quantity: 3,
      Items: ["GET", "HEAD", "OPTIONS"],
      CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] },
    },
    Compress: true,
    CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    OriginRequestPolicyId: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    ResponseHeadersPolicyId: "60669652-455b-4ae9-85a4-c4c02393f86c",
  } satisfies Omit<CacheBehavior, "PathPattern">;
  return {
    CallerReference: accountId,
    Comment: comment,
    Enabled: true,
    HttpVersion: "http2and3",
    PriceClass: "PriceClass_100",
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: bucketName,
          DomainName: `${bucketName}.s3.eu-west-1.amazonaws.com`,
          OriginAccessControlId: originAccessControlId,
          S3OriginConfig: { OriginAccessIdentity: "" },
        },
      ],
    },
    DefaultCacheBehavior: {
      ...behavior,
      TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: [keyGroupId] },
    },
    CacheBehaviors: {
      Quantity: 1,
      Items: [
        { ...behavior, PathPattern: "public/*" },
      ],
    },
  };
}

function bucketPolicy(sourceArn: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowCloudFrontDistributionToRead",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucketName}/*`,
        Condition: { StringEquals: { "AWS:SourceArn": sourceArn } },
      },
    ],
  };
}

/** AWS as it is before the account's first provisioning. */
function givenNothingExists() {
  s3.onAnyCommand().resolves({});
  secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "not found", ...metadata }));
  secrets.on(CreateSecretCommand).resolves({ Name: secretName });
  cloudfront.on(ListPublicKeysCommand).resolves({ PublicKeyList: page([]) });
  cloudfront.on(CreatePublicKeyCommand).resolves({ PublicKey: { Id: "K2PUBLICKEY" } as never });
  cloudfront.on(ListKeyGroupsCommand).resolves({ KeyGroupList: page([]) });
  cloudfront
    .on(CreateKeyGroupCommand)
    .resolves({ KeyGroup: keyGroup("KG-KEYGROUP", cloudFrontName, ["K2PUBLICKEY"]).KeyGroup });
  cloudfront.on(ListOriginAccessControlsCommand).resolves({ OriginAccessControlList: truncatablePage([]) });
  cloudfront
    .on(CreateOriginAccessControlCommand)
    .resolves({ OriginAccessControl: { Id: "E3OAC", OriginAccessControlConfig: undefined } });
  cloudfront.on(CreateDistributionCommand).resolves({
    Distribution: {
      Id: "E2DISTRIBUTION",
      ARN: distributionArn,
      DomainName: "d111111abcdef8.cloudfront.net",
    } as never,
  });
}

/** AWS as it is after the account was provisioned; the lists have other accounts' resources first. */
function givenEverythingExists() {
  s3.onAnyCommand().resolves({});
  s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ message: "yours", ...metadata }));
  secrets.on(GetSecretValueCommand).resolves({ Name: secretName, SecretString: JSON.stringify(storedKey) });
  cloudfront
    .on(ListPublicKeysCommand)
    .resolves({ PublicKeyList: page([publicKey("K1OTHER", "visionstream-test-acc-other", "other")], "K1OTHER") });
  cloudfront
    .on(ListPublicKeysCommand, { Marker: "K1OTHER" })
    .resolves({ PublicKeyList: page([publicKey("K2PUBLICKEY", cloudFrontName, storedKey.publicKey)]) });
  cloudfront
    .on(ListKeyGroupsCommand)
    .resolves({ KeyGroupList: page([keyGroup("KG-KEYGROUP", cloudFrontName, ["K2PUBLICKEY"])]) });
  cloudfront
    .on(ListOriginAccessControlsCommand)
    .resolves({ OriginAccessControlList: truncatablePage([originAccessControl("E3OAC", cloudFrontName)]) });
  cloudfront
    .on(CreateDistributionCommand)
    .rejects(new DistributionAlreadyExists({ message: "exists", ...metadata }));
  cloudfront
    .on(ListDistributionsCommand)
    .resolves({ DistributionList: truncatablePage([distribution("E1OTHER", "another account")], "E1OTHER") });
  cloudfront.on(ListDistributionsCommand, { Marker: "E1OTHER" }).resolves({
    DistributionList: truncatablePage([
      { ...distribution("E2DISTRIBUTION", comment), DomainName: "d111111abcdef8.cloudfront.net" },
    ]),
  });
}

const provisioned = {
  bucketName,
  distributionId: "E2DISTRIBUTION",
  cdnBaseUrl: "https://d111111abcdef8.cloudfront.net",
  publicKeyId: "K2PUBLICKEY",
};

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  secrets.reset();
});

describe("AwsAccountInfrastructure.provision", () => {
  it("creates the bucket, signing key, CloudFront key, key group, origin access control and distribution", async () => {
    givenNothingExists();

    const resources = await infrastructure().provision(accountId);

    expect(resources).toEqual(provisioned);
    expect(s3).toHaveReceivedCommandWith(CreateBucketCommand, {
      Bucket: bucketName,
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      Bucket: bucketName,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketEncryptionCommand, {
      Bucket: bucketName,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }],
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketNotificationConfigurationCommand, {
      Bucket: bucketName,
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketCorsCommand, {
      Bucket: bucketName,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedMethods: ["GET", "HEAD", "PUT"],
            AllowedOrigins: ["*"],
            AllowedHeaders: ["Range", "Content-Type"],
            ExposeHeaders: ["Content-Length", "Content-Range", "Accept-Ranges", "ETag"],
            MaxAgeSeconds: 3600,
          },
        ],
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketPolicyCommand, {
      Bucket: bucketName,
      Policy: JSON.stringify(bucketPolicy(distributionArn)),
    });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: secretName });
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: secretName,
      SecretString: expect.any(String),
      Description: "CloudFront signing key pair of VisionStream account acc-0123456789abcdef (visionstream-test)",
    });
    const created = JSON.parse(secrets.commandCalls(CreateSecretCommand)[0]?.args[0].input.SecretString ?? "");
    expect(created).toEqual({
      privateKey: expect.stringContaining("-----BEGIN PRIVATE KEY-----"),
      publicKey: expect.stringContaining("-----BEGIN PUBLIC KEY-----"),
    });
    expect(cloudfront).toHaveReceivedCommandWith(ListPublicKeysCommand, { Marker: undefined });
    expect(cloudfront).toHaveReceivedCommandWith(CreatePublicKeyCommand, {
      PublicKeyConfig: {
        CallerReference: accountId,
        Name: cloudFrontName,
        EncodedKey: created.publicKey,
        Comment: "Signed URLs and cookies of VisionStream account acc-0123456789abcdef",
      },
    });
    expect(cloudfront).toHaveReceivedCommandWith(CreateKeyGroupCommand, {
      KeyGroupConfig: {
        Name: cloudFrontName,
        Items: ["K2PUBLICKEY"],
        Comment: "Signers of VisionStream account acc-0123456789abcdef",
      },
    });
    expect(cloudfront).toHaveReceivedCommandWith(CreateOriginAccessControlCommand, {
      OriginAccessControlConfig: {
        Name: cloudFrontName,
        Description: "Reads the bucket of VisionStream account acc-0123456789abcdef",
        SigningProtocol: "sigv4",
        SigningBehavior: "always",
        OriginAccessControlOriginType: "s3",
      },
    });
    expect(cloudfront).toHaveReceivedCommandWith(CreateDistributionCommand, {
      DistributionConfig: expectedDistributionConfig("KG-KEYGROUP", "E3OAC"),
    });
    expect(commandsSent(s3)).toEqual([
      "CreateBucketCommand",
      "PutPublicAccessBlockCommand",
      "PutBucketEncryptionCommand",
      "PutBucketNotificationConfigurationCommand",
      "PutBucketCorsCommand",
      "PutBucketPolicyCommand",
    ]);
    expect(commandsSent(secrets)).toEqual(["GetSecretValueCommand", "CreateSecretCommand"]);
    expect(commandsSent(cloudfront)).toEqual([
      "ListPublicKeysCommand",
      "CreatePublicKeyCommand",
      "ListKeyGroupsCommand",
      "CreateKeyGroupCommand",
      "ListOriginAccessControlsCommand",
      "CreateOriginAccessControlCommand",
      "CreateDistributionCommand",
    ]);
  });

  it("lets only the account's distribution read the bucket", async () => {
    givenNothingExists();

    await infrastructure().provision(accountId);

    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? "");
    expect(policy.Statement).toEqual([
      {
        Sid: "AllowCloudFrontDistributionToRead",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::visionstream-test-acc-0123456789abcdef/*",
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ]);
  });

  it("creates the bucket in us-east-1 without a location constraint", async () => {
    givenNothingExists();

    await infrastructure({ region: "us-east-1" }).provision(accountId);

    expect(s3).toHaveReceivedCommandTimes(CreateBucketCommand, 1);
    expect(s3.commandCalls(CreateBucketCommand)[0]?.args[0].input).toEqual({ Bucket: bucketName });
    expect(cloudfront.commandCalls(CreateDistributionCommand)[0]?.args[0].input.DistributionConfig?.Origins).toEqual({
      Quantity: 1,
      Items: [expect.objectContaining({ DomainName: `${bucketName}.s3.us-east-1.amazonaws.com` })],
    });
  });

  it("finds everything that exists and creates nothing again", async () => {
    givenEverythingExists();

    const resources = await infrastructure().provision(accountId);

    expect(resources).toEqual(provisioned);
    expect(commandsSent(secrets)).toEqual(["GetSecretValueCommand"]);
    expect(commandsSent(cloudfront)).toEqual([
      "ListPublicKeysCommand",
      "ListPublicKeysCommand",
      "ListKeyGroupsCommand",
      "ListOriginAccessControlsCommand",
      "CreateDistributionCommand",
      "ListDistributionsCommand",
      "ListDistributionsCommand",
    ]);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreatePublicKeyCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateKeyGroupCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateOriginAccessControlCommand, 0);
    expect(cloudfront).toHaveReceivedCommandWith(ListPublicKeysCommand, { Marker: "K1OTHER" });
    expect(cloudfront).toHaveReceivedCommandWith(ListDistributionsCommand, { Marker: "E1OTHER" });
    expect(cloudfront).toHaveReceivedCommandWith(CreateDistributionCommand, {
      DistributionConfig: expectedDistributionConfig("KG-KEYGROUP", "E3OAC"),
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketPolicyCommand, {
      Bucket: bucketName,
      Policy: JSON.stringify(bucketPolicy(distributionArn)),
    });
  });

  it("uses the key pair of a concurrent provisioning that won every race", async () => {
    givenNothingExists();
    const winner = { Name: secretName, SecretString: JSON.stringify(storedKey) };
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "not found", ...metadata }))
      .resolves(winner);
    secrets.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: "exists", ...metadata }));
    cloudfront
      .on(ListPublicKeysCommand)
      .resolvesOnce({ PublicKeyList: page([]) })
      .resolves({ PublicKeyList: page([publicKey("K2PUBLICKEY", cloudFrontName, storedKey.publicKey)]) });
    cloudfront.on(CreatePublicKeyCommand).rejects(new PublicKeyAlreadyExists({ message: "exists", ...metadata }));
    cloudfront
      .on(ListKeyGroupsCommand)
      .resolvesOnce({ KeyGroupList: page([]) })
      .resolves({ KeyGroupList: page([keyGroup("KG-KEYGROUP", cloudFrontName, ["K2PUBLICKEY"])]) });
    cloudfront.on(CreateKeyGroupCommand).rejects(new KeyGroupAlreadyExists({ message: "exists", ...metadata }));
    cloudfront
      .on(ListOriginAccessControlsCommand)
      .resolvesOnce({ OriginAccessControlList: truncatablePage([]) })
      .resolves({ OriginAccessControlList: truncatablePage([originAccessControl("E3OAC", cloudFrontName)]) });
    cloudfront
      .on(CreateOriginAccessControlCommand)
      .rejects(new OriginAccessControlAlreadyExists({ message: "exists", ...metadata }));

    const resources = await infrastructure().provision(accountId);

    expect(resources).toEqual(provisioned);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(cloudfront).toHaveReceivedCommandWith(CreatePublicKeyCommand, {
      PublicKeyConfig: expect.objectContaining({ EncodedKey: storedKey.publicKey }),
    });
    expect(cloudfront).toHaveReceivedCommandTimes(ListPublicKeysCommand, 2);
    expect(cloudfront).toHaveReceivedCommandTimes(ListKeyGroupsCommand, 2);
    expect(cloudfront).toHaveReceivedCommandTimes(ListOriginAccessControlsCommand, 2);
    expect(cloudfront).toHaveReceivedCommandWith(CreateDistributionCommand, {
      DistributionConfig: expectedDistributionConfig("KG-KEYGROUP", "E3OAC"),
    });
  });

  it("refuses a CloudFront public key that does not match the stored key pair", async () => {
    givenEverythingExists();
    cloudfront
      .on(ListPublicKeysCommand, { Marker: "K1OTHER" })
      .resolves({ PublicKeyList: page([publicKey("K2PUBLICKEY", cloudFrontName, "another key")]) });

    const error = await infrastructure()
      .provision(accountId)
      .catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(SigningKeyMismatch);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateDistributionCommand, 0);
  });

  it("refuses an account id that is not one, before calling AWS", async () => {
    const error = await infrastructure()
      .provision("acc-../../other")
      .catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(InvalidAccountId);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it("refuses a prefix that makes bucket names invalid or too long", () => {
    const tooLong = "visionstream-" + "x".repeat(30);
    const capitals = "VisionStream-prod";

    const errors = [tooLong, capitals].map((badPrefix) => {
      try {
        infrastructure({ prefix: badPrefix });
        return undefined;
      } catch (error) {
        return error;
      }
    });

    expect(errors[0]).toBeInstanceOf(InvalidResourcePrefix);
    expect(errors[1]).toBeInstanceOf(InvalidResourcePrefix);
  });
});

/**
 * A small stateful stand-in for S3, Secrets Manager and CloudFront, with their duplicate answers,
 * that can lose the answer of one create call: the resource exists, but the caller died waiting.
 */
function fakeAws() {
  const state = {
    buckets: new Set<string>(),
    secrets: new Map<string, string>(),
    publicKeys: [] as PublicKeySummary[],
    keyGroups: [] as KeyGroupSummary[],
    originAccessControls: [] as OriginAccessControlSummary[],
    distributions: [] as { input: string; summary: DistributionSummary }[],
  };
  let lostAnswer: string | undefined;
  const answer = <T>(commandName: string, result: T): T => {
    if (lostAnswer !== commandName) return result;
    lostAnswer = undefined;
    throw new Error(`Lambda timed out waiting for ${commandName}`);
  };
  const exists = { message: "already exists", ...metadata };

  s3.onAnyCommand().resolves({});
  s3.on(CreateBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
    if (state.buckets.has(Bucket)) throw new BucketAlreadyOwnedByYou(exists);
    state.buckets.add(Bucket);
    return answer("CreateBucket", {});
  });
  secrets.on(GetSecretValueCommand).callsFake(({ SecretId }: { SecretId: string }) => {
    const SecretString = state.secrets.get(SecretId);
    if (!SecretString) throw new ResourceNotFoundException({ message: "not found", ...metadata });
    return { Name: SecretId, SecretString };
  });
  secrets.on(CreateSecretCommand).callsFake(({ Name, SecretString }: { Name: string; SecretString: string }) => {
    if (state.secrets.has(Name)) throw new ResourceExistsException(exists);
    state.secrets.set(Name, SecretString);
    return answer("CreateSecret", { Name });
  });
  cloudfront.on(ListPublicKeysCommand).callsFake(() => ({ PublicKeyList: page(state.publicKeys) }));
  cloudfront.on(CreatePublicKeyCommand).callsFake(({ PublicKeyConfig: { Name, EncodedKey } }) => {
    if (state.publicKeys.some((key) => key.Name === Name)) throw new PublicKeyAlreadyExists(exists);
    const created = publicKey(`K${state.publicKeys.length + 1}`, Name, EncodedKey);
    state.publicKeys.push(created);
    return answer("CreatePublicKey", { PublicKey: { Id: created.Id } });
  });
  cloudfront.on(ListKeyGroupsCommand).callsFake(() => ({ KeyGroupList: page(state.keyGroups) }));
  cloudfront.on(CreateKeyGroupCommand).callsFake(({ KeyGroupConfig: { Name, Items } }) => {
    if (state.keyGroups.some((group) => group.KeyGroup?.KeyGroupConfig?.Name === Name)) {
      throw new KeyGroupAlreadyExists(exists);
    }
    const created = keyGroup(`KG${state.keyGroups.length + 1}`, Name, Items);
    state.keyGroups.push(created);
    return answer("CreateKeyGroup", { KeyGroup: created.KeyGroup });
  });
  cloudfront
    .on(ListOriginAccessControlsCommand)
    .callsFake(() => ({ OriginAccessControlList: truncatablePage(state.originAccessControls) }));
  cloudfront.on(CreateOriginAccessControlCommand).callsFake(({ OriginAccessControlConfig: { Name } }) => {
    if (state.originAccessControls.some((control) => control.Name === Name)) {
      throw new OriginAccessControlAlreadyExists(exists);
    }
    const created = originAccessControl(`OAC${state.originAccessControls.length + 1}`, Name);
    state.originAccessControls.push(created);
    return answer("CreateOriginAccessControl", { OriginAccessControl: { Id: created.Id } });
  });
  cloudfront
    .on(ListDistributionsCommand)
    .callsFake(() => ({ DistributionList: truncatablePage(state.distributions.map((entry) => entry.summary)) }));
  cloudfront.on(CreateDistributionCommand).callsFake((input: CreateDistributionCommandInput) => {
    const config = input.DistributionConfig;
    const sameCaller = state.distributions.find(
      (entry) => JSON.parse(entry.input).DistributionConfig.CallerReference === config?.CallerReference,
    );
    if (sameCaller && sameCaller.input !== JSON.stringify(input)) throw new DistributionAlreadyExists(exists);
    const created = sameCaller?.summary ?? distribution(`E${state.distributions.length + 1}`, config?.Comment ?? "");
    if (!sameCaller) state.distributions.push({ input: JSON.stringify(input), summary: created });
    return answer("CreateDistribution", { Distribution: created });
  });

  return {
    state,
    loseAnswerOnce(commandName: string) {
      lostAnswer = commandName;
    },
  };
}

describe("AwsAccountInfrastructure.provision after a crash", () => {
  it.each([
    "CreateBucket",
    "CreateSecret",
    "CreatePublicKey",
    "CreateKeyGroup",
    "CreateOriginAccessControl",
    "CreateDistribution",
  ])("resumes when the answer of %s was lost, and creates no second resource", async (commandName) => {
    const aws = fakeAws();
    aws.loseAnswerOnce(commandName);
    const crash = await infrastructure()
      .provision(accountId)
      .catch((failure: unknown) => failure);

    const resources = await infrastructure().provision(accountId);

    expect(crash).toBeInstanceOf(Error);
    expect(aws.state.buckets).toEqual(new Set([bucketName]));
    expect([...aws.state.secrets.keys()]).toEqual([secretName]);
    expect(aws.state.publicKeys).toHaveLength(1);
    expect(aws.state.keyGroups).toHaveLength(1);
    expect(aws.state.originAccessControls).toHaveLength(1);
    expect(aws.state.distributions).toHaveLength(1);
    const storedPublicKey = JSON.parse(aws.state.secrets.get(secretName) ?? "").publicKey;
    expect(aws.state.publicKeys[0]?.EncodedKey).toBe(storedPublicKey);
    expect(aws.state.keyGroups[0]?.KeyGroup?.KeyGroupConfig?.Items).toEqual(["K1"]);
    expect(resources).toEqual({
      bucketName,
      distributionId: "E1",
      cdnBaseUrl: "https://e1.cloudfront.net",
      publicKeyId: "K1",
    });
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 1);
    expect(cloudfront).toHaveReceivedCommandTimes(CreatePublicKeyCommand, 1);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateKeyGroupCommand, 1);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateOriginAccessControlCommand, 1);
    expect(s3).toHaveReceivedCommandWith(PutBucketPolicyCommand, {
      Bucket: bucketName,
      Policy: JSON.stringify(bucketPolicy("arn:aws:cloudfront::111122223333:distribution/E1")),
    });
  });
});

describe("AwsAccountInfrastructure.deprovision", () => {
  it("disables the distribution, schedules the signing key for deletion and keeps the bucket", async () => {
    cloudfront
      .on(ListDistributionsCommand)
      .resolves({ DistributionList: truncatablePage([distribution("E2DISTRIBUTION", comment)]) });
    const config = expectedDistributionConfig("KG-KEYGROUP", "E3OAC");
    cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: config, ETag: "E2ETAG" });
    cloudfront.on(UpdateDistributionCommand).resolves({});
    secrets.on(DeleteSecretCommand).resolves({ Name: secretName });

    await infrastructure().deprovision(accountId);

    expect(cloudfront).toHaveReceivedCommandWith(GetDistributionConfigCommand, { Id: "E2DISTRIBUTION" });
    expect(cloudfront).toHaveReceivedCommandWith(UpdateDistributionCommand, {
      Id: "E2DISTRIBUTION",
      IfMatch: "E2ETAG",
      DistributionConfig: { ...config, Enabled: false },
    });
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: secretName,
      RecoveryWindowInDays: 7,
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it("does nothing more when the distribution is disabled and the secret already scheduled for deletion", async () => {
    cloudfront
      .on(ListDistributionsCommand)
      .resolves({ DistributionList: truncatablePage([distribution("E2DISTRIBUTION", comment, false)]) });
    secrets
      .on(DeleteSecretCommand)
      .rejects(new InvalidRequestException({ message: "marked for deletion", ...metadata }));

    await infrastructure().deprovision(accountId);

    expect(cloudfront).toHaveReceivedCommandTimes(GetDistributionConfigCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
  });

  it("succeeds when the account was never provisioned", async () => {
    cloudfront.on(ListDistributionsCommand).resolves({ DistributionList: truncatablePage([]) });
    secrets.on(DeleteSecretCommand).rejects(new ResourceNotFoundException({ message: "not found", ...metadata }));

    await infrastructure().deprovision(accountId);

    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
  });
});

describe("loadSigningKey", () => {
  it("reads the account's key pair from its secret", async () => {
    secrets.on(GetSecretValueCommand).resolves({ Name: secretName, SecretString: JSON.stringify(storedKey) });

    const signingKey = await loadSigningKey(new SecretsManagerClient({ region }), prefix, accountId);

    expect(signingKey).toEqual(storedKey);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: secretName });
  });

  it("says so when the account has no signing key", async () => {
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "not found", ...metadata }));

    const error = await loadSigningKey(new SecretsManagerClient({ region }), prefix, accountId).catch(
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(SigningKeyNotFound);
  });
});
