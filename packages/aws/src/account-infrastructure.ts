import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { AccountInfrastructure, AccountResources, StepResult } from "@visionstream/core/ports";
import { accountResourceNames, parseAccountId, parseResourcePrefix } from "./account-resources.ts";
import { AccountDistributions } from "./cloudfront/account-distributions.ts";
import { AccountSigners } from "./cloudfront/account-signers.ts";
import { accountDistributionConfig, parseStageCdn, type StageCdn } from "./cloudfront/distribution-config.ts";
import { AccountBuckets } from "./s3/account-buckets.ts";
import { SigningKeyNotFound, SigningKeySecrets, readSigningKey, type SigningKey } from "./secrets/signing-key.ts";

export { CloudFrontQuotaReached } from "./cloudfront/quotas.ts";
export { livePathPattern, matchesPathPattern } from "./cloudfront/path-patterns.ts";

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

export interface AwsAccountInfrastructureOptions extends StageCdn {
  s3: S3Client;
  cloudfront: CloudFrontClient;
  secrets: SecretsManagerClient;
  region: string;
  /** Prefix of every per-account resource name, for example "visionstream-prod". */
  prefix: string;
}

/**
 * An account's bucket, signing key and distribution, each made idempotently so that a retried provisioning converges;
 * the origin access controls and the MediaPackage channel group are the stage's, shared by every account.
 */
export class AwsAccountInfrastructure implements AccountInfrastructure {
  private readonly prefix: string;
  private readonly region: string;
  private readonly stage: StageCdn;
  private readonly buckets: AccountBuckets;
  private readonly signingKeys: SigningKeySecrets;
  private readonly signers: AccountSigners;
  private readonly distributions: AccountDistributions;

  constructor({ s3, cloudfront, secrets, region, prefix, originAccessControls, mediaPackage, keyDelivery }: AwsAccountInfrastructureOptions) {
    this.prefix = parseResourcePrefix(prefix);
    this.region = region;
    this.stage = parseStageCdn({ originAccessControls, mediaPackage, ...(keyDelivery && { keyDelivery }) });
    this.buckets = new AccountBuckets(s3, region);
    this.signingKeys = new SigningKeySecrets(secrets, prefix);
    this.signers = new AccountSigners(cloudfront);
    this.distributions = new AccountDistributions(cloudfront);
  }

  async provision(accountId: string): Promise<AccountResources> {
    const names = accountResourceNames(this.prefix, parseAccountId(accountId));
    await this.buckets.ensure(names.bucketName);
    const signingKey = await this.signingKeys.ensure(accountId, names.secretName);
    const publicKeyId = await this.signers.ensurePublicKey(accountId, names, signingKey.publicKey);
    const keyGroupId = await this.signers.ensureKeyGroup(accountId, names.cloudFrontName, publicKeyId);
    const distribution = await this.distributions.ensure(
      accountDistributionConfig(accountId, names, this.region, keyGroupId, this.stage),
    );
    await this.buckets.allowDistributionToRead(names.bucketName, distribution.arn);
    return {
      bucketName: names.bucketName,
      distributionId: distribution.id,
      cdnBaseUrl: `https://${distribution.domainName}`,
      publicKeyId,
      distributionArn: distribution.arn,
    };
  }

  /**
   * Releases, in the order CloudFront allows, the distribution, the account's former own origin access control, the
   * key group, the public key and the secret. The bucket and its recordings are kept.
   */
  async deprovision(accountId: string): Promise<StepResult> {
    const names = accountResourceNames(this.prefix, parseAccountId(accountId));
    if ((await this.distributions.release(names.distributionComment)) === "pending") return "pending";
    await this.distributions.releaseOwnOriginAccessControl(names.cloudFrontName);
    if ((await this.signers.releaseKeyGroup(names.cloudFrontName)) === "pending") return "pending";
    if ((await this.signers.releasePublicKey(names.cloudFrontName)) === "pending") return "pending";
    await this.signingKeys.delete(names.secretName);
    return "done";
  }
}
