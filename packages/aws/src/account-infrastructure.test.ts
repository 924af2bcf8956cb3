import {
  CreateDistributionCommand,
  CreateKeyGroupCommand,
  CreateOriginAccessControlCommand,
  CreatePublicKeyCommand,
  DistributionAlreadyExists,
  GetDistributionConfigCommand,
  KeyGroupAlreadyExists,
  ListDistributionsCommand,
  ListKeyGroupsCommand,
  ListPublicKeysCommand,
  PublicKeyAlreadyExists,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import {
  accountId,
  bucketName,
  bucketPolicy,
  cloudfront,
  cloudFrontName,
  commandsSent,
  comment,
  distribution,
  distributionArn,
  expectedDistributionConfig,
  infrastructure,
  keyGroup,
  metadata,
  page,
  prefix,
  publicKey,
  region,
  s3,
  secretName,
  secrets,
  storedKey,
  truncatablePage,
} from "./account-infrastructure-testing.ts";
import { loadSigningKey } from "./account-infrastructure.ts";
import { InvalidAccountId, InvalidResourcePrefix } from "./account-resources.ts";
import { SigningKeyMismatch } from "./cloudfront/account-signers.ts";
import { InvalidStageCdn } from "./cloudfront/distribution-config.ts";
import { SigningKeyNotFound } from "./secrets/signing-key.ts";

// These tests catch rejections and inspect them: in this workspace `rejects.toThrow` cannot match messages
// (packages/aws resolves vitest 5 next to the root's vitest 4 runner).

const createdDistribution = { Id: "E2DISTRIBUTION", ARN: distributionArn, DomainName: "d111111abcdef8.cloudfront.net" };

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
  cloudfront.on(ListDistributionsCommand).resolves({ DistributionList: truncatablePage([]) });
  cloudfront.on(CreateDistributionCommand).resolves({ Distribution: createdDistribution as never });
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
    .on(ListDistributionsCommand)
    .resolves({ DistributionList: truncatablePage([distribution("E1OTHER", "another account")], "E1OTHER") });
  cloudfront.on(ListDistributionsCommand, { Marker: "E1OTHER" }).resolves({
    DistributionList: truncatablePage([
      { ...distribution("E2DISTRIBUTION", comment), DomainName: "d111111abcdef8.cloudfront.net" },
    ]),
  });
  cloudfront
    .on(GetDistributionConfigCommand, { Id: "E2DISTRIBUTION" })
    .resolves({ DistributionConfig: expectedDistributionConfig("KG-KEYGROUP"), ETag: "E2ETAG" });
}

const provisioned = {
  bucketName,
  distributionId: "E2DISTRIBUTION",
  cdnBaseUrl: "https://d111111abcdef8.cloudfront.net",
  publicKeyId: "K2PUBLICKEY",
  distributionArn,
};

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  secrets.reset();
});

describe("AwsAccountInfrastructure.provision", () => {
  it("creates the bucket, signing key, CloudFront key, key group and distribution, and no origin access control", async () => {
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
    expect(cloudfront).toHaveReceivedCommandWith(CreateDistributionCommand, {
      DistributionConfig: expectedDistributionConfig("KG-KEYGROUP"),
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
      "ListDistributionsCommand",
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
    const origins = cloudfront.commandCalls(CreateDistributionCommand)[0]?.args[0].input.DistributionConfig?.Origins;
    expect(origins?.Items?.[0]).toEqual(expect.objectContaining({ DomainName: `${bucketName}.s3.us-east-1.amazonaws.com` }));
  });

  it("finds everything that exists and creates or changes nothing", async () => {
    givenEverythingExists();

    const resources = await infrastructure().provision(accountId);

    expect(resources).toEqual(provisioned);
    expect(commandsSent(secrets)).toEqual(["GetSecretValueCommand"]);
    expect(commandsSent(cloudfront)).toEqual([
      "ListPublicKeysCommand",
      "ListPublicKeysCommand",
      "ListKeyGroupsCommand",
      "ListDistributionsCommand",
      "ListDistributionsCommand",
      "GetDistributionConfigCommand",
    ]);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreatePublicKeyCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateKeyGroupCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateOriginAccessControlCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateDistributionCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
    expect(cloudfront).toHaveReceivedCommandWith(ListPublicKeysCommand, { Marker: "K1OTHER" });
    expect(cloudfront).toHaveReceivedCommandWith(ListDistributionsCommand, { Marker: "E1OTHER" });
    expect(s3).toHaveReceivedCommandWith(PutBucketPolicyCommand, {
      Bucket: bucketName,
      Policy: JSON.stringify(bucketPolicy(distributionArn)),
    });
  });

  it("uses the key pair and distribution of a concurrent provisioning that won every race", async () => {
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
      .on(ListDistributionsCommand)
      .resolvesOnce({ DistributionList: truncatablePage([]) })
      .resolves({ DistributionList: truncatablePage([{ ...distribution("E2DISTRIBUTION", comment), ...createdDistribution }]) });
    cloudfront.on(CreateDistributionCommand).rejects(new DistributionAlreadyExists({ message: "exists", ...metadata }));
    cloudfront
      .on(GetDistributionConfigCommand)
      .resolves({ DistributionConfig: expectedDistributionConfig("KG-KEYGROUP"), ETag: "E2ETAG" });

    const resources = await infrastructure().provision(accountId);

    expect(resources).toEqual(provisioned);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(cloudfront).toHaveReceivedCommandWith(CreatePublicKeyCommand, {
      PublicKeyConfig: expect.objectContaining({ EncodedKey: storedKey.publicKey }),
    });
    expect(cloudfront).toHaveReceivedCommandTimes(ListPublicKeysCommand, 2);
    expect(cloudfront).toHaveReceivedCommandTimes(ListKeyGroupsCommand, 2);
    expect(cloudfront).toHaveReceivedCommandTimes(ListDistributionsCommand, 2);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateDistributionCommand, 1);
    expect(cloudfront).toHaveReceivedCommandWith(CreateDistributionCommand, {
      DistributionConfig: expectedDistributionConfig("KG-KEYGROUP"),
    });
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
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
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
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

  it("refuses an egress domain given as a URL, naming the option", () => {
    const mediaPackage = { channelGroup: "visionstream-test", egressDomain: "https://abcde1.egress.example.com/out" };

    const error = (() => {
      try {
        return infrastructure({ mediaPackage });
      } catch (failure) {
        return failure;
      }
    })();

    expect(error).toBeInstanceOf(InvalidStageCdn);
    expect((error as Error).message).toContain("mediaPackage.egressDomain");
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
