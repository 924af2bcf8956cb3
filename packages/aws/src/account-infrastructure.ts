import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { AccountInfrastructure, AccountResources } from "@visionstream/core/ports";
import { accountResourceNames, parseAccountId, parseResourcePrefix } from "./account-resources.ts";
import { AccountDistributions } from "./cloudfront/account-distributions.ts";
import { AccountSigners } from "./cloudfront/account-signers.ts";
import { AccountBuckets } from "./s3/account-buckets.ts";
import { SigningKeyNotFound, SigningKeySecrets, readSigningKey, type SigningKey } from "./secrets/signing-key.ts";

/** Reads an account's CloudFront signing key pair, as stored by provisioning. */
export async function loadSigningKey(
  secrets: SecretsManagerClient,
  prefix: string,
  accountId: string,
): Promise<SigningKey> {
  const { secretName } = accountResourceNames(prefix, parseAccountId(accountId));
  const signingKey = await readSigningKey(secrets, secretName);
  if (!signingKey) throw new SigningKeyNotFound(secretName);
  return signingKey;
}

export interface AwsAccountInfrastructureOptions {
  s3: S3Client;
  cloudfront: CloudFrontClient;
  secrets: SecretsManagerClient;
  region: string;
  /** Prefix of every per-account resource name, for example "visionstream-prod". */
  prefix: string;
}

/** An account's bucket, signing key and distribution, each made idempotently so that a retried provisioning converges. */
export class AwsAccountInfrastructure implements AccountInfrastructure {
  private readonly prefix: string;
  private readonly buckets: AccountBuckets;
  private readonly signingKeys: SigningKeySecrets;
  private readonly signers: AccountSigners;
  private readonly distributions: AccountDistributions;

  constructor({ s3, cloudfront, secrets, region, prefix }: AwsAccountInfrastructureOptions) {
    this.prefix = parseResourcePrefix(prefix);
    this.buckets = new AccountBuckets(s3, region);
    this.signingKeys = new SigningKeySecrets(secrets, prefix);
    this.signers = new AccountSigners(cloudfront);
    this.distributions = new AccountDistributions(cloudfront, region);
  }

  async provision(accountId: string): Promise<AccountResources> {
    const names = accountResourceNames(this.prefix, parseAccountId(accountId));
    await this.buckets.ensure(names.bucketName);
    const signingKey = await this.signingKeys.ensure(accountId, names.secretName);
    const publicKeyId = await this.signers.ensurePublicKey(accountId, names, signingKey.publicKey);
    const keyGroupId = await this.signers.ensureKeyGroup(accountId, names.cloudFrontName, publicKeyId);
    const originAccessControlId = await this.distributions.ensureOriginAccessControl(accountId, names.cloudFrontName);
    const distribution = await this.distributions.ensure(
      this.distributions.distributionConfig(accountId, names, keyGroupId, originAccessControlId),
    );
    await this.buckets.allowDistributionToRead(names.bucketName, distribution.arn);
    return {
      bucketName: names.bucketName,
      distributionId: distribution.id,
      cdnBaseUrl: `https://${distribution.domainName}`,
      publicKeyId,
    };
  }

  async deprovision(accountId: string): Promise<void> {
    const names = accountResourceNames(this.prefix, parseAccountId(accountId));
    await this.distributions.disable(names.distributionComment);
    await this.signingKeys.delete(names.secretName);
    // The bucket and its recordings are kept: deprovisioning loses no recording.
  }
}
