import {
  CreateDistributionCommand,
  CreateKeyGroupCommand,
  CreateOriginAccessControlCommand,
  CreatePublicKeyCommand,
  DeleteDistributionCommand,
  DeleteKeyGroupCommand,
  DeleteOriginAccessControlCommand,
  DeletePublicKeyCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import { PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { CreateSecretCommand, DeleteSecretCommand, RestoreSecretCommand } from "@aws-sdk/client-secrets-manager";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeAws } from "./account-fake-aws-testing.ts";
import {
  accountId,
  bucketName,
  bucketOnlyConfig,
  bucketPolicy,
  cloudfront,
  cloudFrontName,
  comment,
  infrastructure,
  originAccessControl,
  s3,
  secretName,
  secrets,
  stage,
} from "./account-infrastructure-testing.ts";

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  secrets.reset();
});

describe("AwsAccountInfrastructure.provision after a crash", () => {
  it.each(["CreateBucket", "CreateSecret", "CreatePublicKey", "CreateKeyGroup", "CreateDistribution"])(
    "resumes when the answer of %s was lost, and creates no second resource",
    async (commandName) => {
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
      expect(aws.state.originAccessControls).toHaveLength(0);
      expect(aws.state.distributions).toHaveLength(1);
      const storedPublicKey = JSON.parse(aws.state.secrets.get(secretName)?.value ?? "").publicKey;
      expect(aws.state.publicKeys[0]?.EncodedKey).toBe(storedPublicKey);
      expect(aws.state.keyGroups[0]?.KeyGroup?.KeyGroupConfig?.Items).toEqual(["K1"]);
      expect(resources).toEqual({
        bucketName,
        distributionId: "E1",
        cdnBaseUrl: "https://e1.cloudfront.net",
        publicKeyId: "K1",
        distributionArn: "arn:aws:cloudfront::111122223333:distribution/E1",
      });
      expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 1);
      expect(cloudfront).toHaveReceivedCommandTimes(CreatePublicKeyCommand, 1);
      expect(cloudfront).toHaveReceivedCommandTimes(CreateKeyGroupCommand, 1);
      expect(cloudfront).toHaveReceivedCommandTimes(CreateDistributionCommand, 1);
      expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
      expect(s3).toHaveReceivedCommandWith(PutBucketPolicyCommand, {
        Bucket: bucketName,
        Policy: JSON.stringify(bucketPolicy("arn:aws:cloudfront::111122223333:distribution/E1")),
      });
    },
  );
});

describe("AwsAccountInfrastructure for several accounts", () => {
  it("gives 3 accounts their own distribution through the same two stage origin access controls", async () => {
    fakeAws();
    const accounts = ["acc-aaaaaaaaaaaaaaaa", "acc-bbbbbbbbbbbbbbbb", "acc-cccccccccccccccc"];

    for (const account of accounts) await infrastructure().provision(account);

    const configs = cloudfront.commandCalls(CreateDistributionCommand).map((call) => call.args[0].input.DistributionConfig);
    expect(configs).toHaveLength(3);
    for (const config of configs) {
      expect(config?.Origins?.Items?.map((origin) => origin.OriginAccessControlId)).toEqual([
        stage.originAccessControls.s3,
        stage.originAccessControls.mediaPackage,
      ]);
    }
    expect(new Set(configs.map((config) => config?.Comment)).size).toBe(3);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateOriginAccessControlCommand, 0);
  });
});

describe("AwsAccountInfrastructure.deprovision", () => {
  it("disables, waits for the deployment, then deletes the distribution, key group, public key and secret, each once", async () => {
    const aws = fakeAws();
    await infrastructure().provision(accountId);
    aws.deployAll();
    s3.resetHistory();
    const steps: string[] = [];

    steps.push(await infrastructure().deprovision(accountId));
    steps.push(await infrastructure().deprovision(accountId));
    aws.deployAll();
    steps.push(await infrastructure().deprovision(accountId));
    steps.push(await infrastructure().deprovision(accountId));

    expect(steps).toEqual(["pending", "pending", "done", "done"]);
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 1);
    expect(cloudfront).toHaveReceivedCommandWith(UpdateDistributionCommand, {
      Id: "E1",
      IfMatch: "ETAG1",
      DistributionConfig: expect.objectContaining({ Enabled: false, Comment: comment }),
    });
    expect(cloudfront).toHaveReceivedCommandTimes(DeleteDistributionCommand, 1);
    expect(cloudfront).toHaveReceivedCommandWith(DeleteDistributionCommand, { Id: "E1", IfMatch: "ETAG2" });
    expect(cloudfront).toHaveReceivedCommandTimes(DeleteKeyGroupCommand, 1);
    expect(cloudfront).toHaveReceivedCommandWith(DeleteKeyGroupCommand, { Id: "KG1", IfMatch: "ETAG-KG1" });
    expect(cloudfront).toHaveReceivedCommandTimes(DeletePublicKeyCommand, 1);
    expect(cloudfront).toHaveReceivedCommandWith(DeletePublicKeyCommand, { Id: "K1", IfMatch: "ETAG-K1" });
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: secretName, RecoveryWindowInDays: 7 });
    expect(aws.state.distributions).toEqual([]);
    expect(aws.state.keyGroups).toEqual([]);
    expect(aws.state.publicKeys).toEqual([]);
    expect(aws.state.secrets.get(secretName)?.scheduledForDeletion).toBe(true);
    expect(aws.state.buckets).toEqual(new Set([bucketName]));
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it("also deletes the origin access control the account had before the stage shared one", async () => {
    const aws = fakeAws();
    aws.state.originAccessControls.push(originAccessControl("E3OWNOAC", cloudFrontName));
    aws.state.originAccessControls.push(originAccessControl("E4OTHER", "visionstream-test-acc-other"));
    await infrastructure().provision(accountId);
    aws.deployAll();

    await infrastructure().deprovision(accountId);
    aws.deployAll();
    const step = await infrastructure().deprovision(accountId);

    expect(step).toBe("done");
    expect(cloudfront).toHaveReceivedCommandTimes(DeleteOriginAccessControlCommand, 1);
    expect(cloudfront).toHaveReceivedCommandWith(DeleteOriginAccessControlCommand, {
      Id: "E3OWNOAC",
      IfMatch: "ETAG-E3OWNOAC",
    });
    expect(aws.state.originAccessControls.map((control) => control.Id)).toEqual(["E4OTHER"]);
  });

  it("is done at once, deleting nothing, for an account that was never provisioned", async () => {
    fakeAws();

    const step = await infrastructure().deprovision(accountId);

    expect(step).toBe("done");
    expect(cloudfront).toHaveReceivedCommandTimes(UpdateDistributionCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(DeleteDistributionCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(DeleteKeyGroupCommand, 0);
    expect(cloudfront).toHaveReceivedCommandTimes(DeletePublicKeyCommand, 0);
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 0);
  });

  it("lets the account be provisioned again: its key pair is restored and its CDN made anew", async () => {
    const aws = fakeAws();
    await infrastructure().provision(accountId);
    const firstKeyPair = aws.state.secrets.get(secretName)?.value;
    aws.deployAll();
    await infrastructure().deprovision(accountId);
    aws.deployAll();
    await infrastructure().deprovision(accountId);

    const resources = await infrastructure().provision(accountId);

    expect(secrets).toHaveReceivedCommandTimes(RestoreSecretCommand, 1);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 1);
    expect(aws.state.secrets.get(secretName)).toEqual({ value: firstKeyPair, scheduledForDeletion: false });
    expect(aws.state.publicKeys.map((key) => key.Id)).toEqual(["K2"]);
    expect(aws.state.keyGroups.map((group) => group.KeyGroup?.KeyGroupConfig?.Items)).toEqual([["K2"]]);
    expect(aws.state.distributions.map((entry) => entry.id)).toEqual(["E2"]);
    expect(aws.state.distributions[0]?.config.CallerReference).toMatch(/^acc-0123456789abcdef-[0-9a-z]+$/);
    expect(resources).toEqual(expect.objectContaining({ distributionId: "E2", publicKeyId: "K2" }));
  });
});
