import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
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
  type DistributionConfig,
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
  type BucketLocationConstraint,
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
import { AccountId } from "@visionstream/core/accounts/account";
import type { AccountInfrastructure, AccountResources } from "@visionstream/core/ports";
import { z } from "zod";

/** CloudFront's managed policies, by id: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html */
export const MANAGED_POLICY = {
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  corsS3Origin: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
  simpleCors: "60669652-455b-4ae9-85a4-c4c02393f86c",
} as const;

/**
 * The resource names are `${prefix}-${accountId}`; an account id is 20 characters, and the tightest limits are
 * the bucket name (63, lowercase letters, digits and hyphens) and the origin access control name (64).
 */
const ResourcePrefix = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and hyphens, starting with a letter or digit")
  .max(63 - "-acc-0123456789abcdef".length);

export const SigningKey = z.object({ privateKey: z.string().min(1), publicKey: z.string().min(1) });
export type SigningKey = z.infer<typeof SigningKey>;

export class InvalidAccountId extends Error {
  override name = "InvalidAccountId";
  constructor(readonly accountId: string) {
    super(`${JSON.stringify(accountId)} is not an account id (acc- and 16 lowercase letters or digits)`);
  }
}

export class InvalidResourcePrefix extends Error {
  override name = "InvalidResourcePrefix";
  constructor(
    readonly prefix: string,
    reason: string,
  ) {
    super(`resource prefix ${JSON.stringify(prefix)} is not usable: ${reason}`);
  }
}

export class SigningKeyNotFound extends Error {
  override name = "SigningKeyNotFound";
  constructor(readonly secretName: string) {
    super(`signing key secret ${secretName} does not exist`);
  }
}

export class SigningKeyMalformed extends Error {
  override name = "SigningKeyMalformed";
  constructor(readonly secretName: string) {
    super(`signing key secret ${secretName} is not JSON with privateKey and publicKey`);
  }
}

/** The CloudFront public key of this name holds another key than the one in the account's secret. */
export class SigningKeyMismatch extends Error {
  override name = "SigningKeyMismatch";
  constructor(
    readonly publicKeyName: string,
    readonly secretName: string,
  ) {
    super(`CloudFront public key ${publicKeyName} does not match the public key in secret ${secretName}`);
  }
}

/** The key group of this name does not contain the account's public key. */
export class KeyGroupMismatch extends Error {
  override name = "KeyGroupMismatch";
  constructor(
    readonly keyGroupName: string,
    readonly publicKeyId: string,
  ) {
    super(`CloudFront key group ${keyGroupName} does not contain public key ${publicKeyId}`);
  }
}

/** AWS said the resource already exists, yet it cannot be found, or AWS answered without the resource's id. */
export class AccountResourceMissing extends Error {
  override name = "AccountResourceMissing";
  constructor(
    readonly resource: string,
    readonly resourceName: string,
  ) {
    super(`${resource} ${resourceName} could not be found`);
  }
}

export interface AccountResourceNames {
  bucketName: string;
  secretName: string;
  /** Name of the CloudFront public key, key group and origin access control. */
  cloudFrontName: string;
  distributionComment: string;
}

export function accountResourceNames(prefix: string, accountId: string): AccountResourceNames {
  return {
    bucketName: `${prefix}-${accountId}`,
    secretName: `${prefix}/accounts/${accountId}/cdn-signing-key`,
    cloudFrontName: `${prefix}-${accountId}`,
    distributionComment: `visionstream ${prefix} account ${accountId}`,
  };
}

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

type Distribution = { id: string; arn: string; domainName: string };

export class AwsAccountInfrastructure implements AccountInfrastructure {
  private readonly s3: S3Client;
  private readonly cloudfront: CloudFrontClient;
  private readonly secrets: SecretsManagerClient;
  private readonly region: string;
  private readonly prefix: string;

  constructor({ s3, cloudfront, secrets, region, prefix }: AwsAccountInfrastructureOptions) {
    const parsedPrefix = ResourcePrefix.safeParse(prefix);
    if (!parsedPrefix.success) throw new InvalidResourcePrefix(prefix, parsedPrefix.error.issues[0]?.message ?? "");
    this.s3 = s3;
    this.cloudfront = cloudfront;
    this.secrets = secrets;
    this.region = region;
    this.prefix = prefix;
  }

  async provision(accountId: string): Promise<AccountResources> {
    const names = accountResourceNames(this.prefix, parseAccountId(accountId));
    await this.ensureBucket(names.bucketName);
    const signingKey = await this.ensureSigningKey(accountId, names.secretName);
    const publicKeyId = await this.ensurePublicKey(accountId, names, signingKey.publicKey);
    const keyGroupId = await this.ensureKeyGroup(accountId, names.cloudFrontName, publicKeyId);
    const originAccessControlId = await this.ensureOriginAccessControl(accountId, names.cloudFrontName);
    const distribution = await this.ensureDistribution(
      this.distributionConfig(accountId, names, keyGroupId, originAccessControlId),
    );
    await this.allowDistributionToRead(names.bucketName, distribution.arn);
    return {
      bucketName: names.bucketName,
      distributionId: distribution.id,
      cdnBaseUrl: `https://${distribution.domainName}`,
      publicKeyId,
    };
  }

  async deprovision(accountId: string): Promise<void> {
    const names = accountResourceNames(this.prefix, parseAccountId(accountId));
    await this.disableDistribution(names.distributionComment);
    await this.deleteSigningKey(names.secretName);
    // The bucket and its recordings are kept: deprovisioning loses no recording.
  }

  private async ensureBucket(bucketName: string): Promise<void> {
    const Bucket = bucketName;
    try {
      await this.s3.send(
        new CreateBucketCommand({
          Bucket,
          ...(this.region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } }),
        }),
      );
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    }
    await this.s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await this.s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }],
        },
      }),
    );
    await this.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    await this.s3.send(
      new PutBucketCorsCommand({
        Bucket,
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
      }),
    );
  }

  private async ensureSigningKey(accountId: string, secretName: string): Promise<SigningKey> {
    const stored = await readSigningKey(this.secrets, secretName);
    if (stored) return stored;
    const signingKey = await generateSigningKey();
    try {
      await this.secrets.send(
        new CreateSecretCommand({
          Name: secretName,
          SecretString: JSON.stringify(signingKey),
          Description: `CloudFront signing key pair of VisionStream account ${accountId} (${this.prefix})`,
        }),
      );
      return signingKey;
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      // A concurrent provisioning stored its key pair first: use that one, so that both agree.
      const winner = await readSigningKey(this.secrets, secretName);
      if (!winner) throw new AccountResourceMissing("secret", secretName);
      return winner;
    }
  }

  private async ensurePublicKey(accountId: string, names: AccountResourceNames, publicKeyPem: string) {
    const Name = names.cloudFrontName;
    const publicKey = await findOrCreate({
      resource: "CloudFront public key",
      name: Name,
      find: async () => {
        const summary = await findInPages(
          async (Marker) => {
            const { PublicKeyList: list } = await this.cloudfront.send(new ListPublicKeysCommand({ Marker }));
            return { items: list?.Items, nextMarker: list?.NextMarker };
          },
          (key) => key.Name === Name,
        );
        return summary && { id: summary.Id, encodedKey: summary.EncodedKey };
      },
      create: async () => {
        const { PublicKey } = await this.cloudfront.send(
          new CreatePublicKeyCommand({
            PublicKeyConfig: {
              CallerReference: accountId,
              Name,
              EncodedKey: publicKeyPem,
              Comment: `Signed URLs and cookies of VisionStream account ${accountId}`,
            },
          }),
        );
        return { id: PublicKey?.Id, encodedKey: publicKeyPem };
      },
      isDuplicate: (error) => error instanceof PublicKeyAlreadyExists,
    });
    if (withoutWhitespace(publicKey.encodedKey) !== withoutWhitespace(publicKeyPem)) {
      throw new SigningKeyMismatch(Name, names.secretName);
    }
    return required(publicKey.id, "CloudFront public key", Name);
  }

  private async ensureKeyGroup(accountId: string, Name: string, publicKeyId: string): Promise<string> {
    const keyGroup = await findOrCreate({
      resource: "CloudFront key group",
      name: Name,
      find: async () => {
        const summary = await findInPages(
          async (Marker) => {
            const { KeyGroupList: list } = await this.cloudfront.send(new ListKeyGroupsCommand({ Marker }));
            return { items: list?.Items, nextMarker: list?.NextMarker };
          },
          (item) => item.KeyGroup?.KeyGroupConfig?.Name === Name,
        );
        return summary && { id: summary.KeyGroup?.Id, publicKeyIds: summary.KeyGroup?.KeyGroupConfig?.Items };
      },
      create: async () => {
        const { KeyGroup } = await this.cloudfront.send(
          new CreateKeyGroupCommand({
            KeyGroupConfig: {
              Name,
              Items: [publicKeyId],
              Comment: `Signers of VisionStream account ${accountId}`,
            },
          }),
        );
        return { id: KeyGroup?.Id, publicKeyIds: [publicKeyId] };
      },
      isDuplicate: (error) => error instanceof KeyGroupAlreadyExists,
    });
    if (!keyGroup.publicKeyIds?.includes(publicKeyId)) throw new KeyGroupMismatch(Name, publicKeyId);
    return required(keyGroup.id, "CloudFront key group", Name);
  }

  private async ensureOriginAccessControl(accountId: string, Name: string): Promise<string> {
    const originAccessControl = await findOrCreate({
      resource: "CloudFront origin access control",
      name: Name,
      find: async () => {
        const summary = await findInPages(
          async (Marker) => {
            const { OriginAccessControlList: list } = await this.cloudfront.send(
              new ListOriginAccessControlsCommand({ Marker }),
            );
            return { items: list?.Items, nextMarker: list?.IsTruncated ? list.NextMarker : undefined };
          },
          (control) => control.Name === Name,
        );
        return summary && { id: summary.Id };
      },
      create: async () => {
        const { OriginAccessControl } = await this.cloudfront.send(
          new CreateOriginAccessControlCommand({
            OriginAccessControlConfig: {
              Name,
              Description: `Reads the bucket of VisionStream account ${accountId}`,
              SigningProtocol: "sigv4",
              SigningBehavior: "always",
              OriginAccessControlOriginType: "s3",
            },
          }),
        );
        return { id: OriginAccessControl?.Id };
      },
      isDuplicate: (error) => error instanceof OriginAccessControlAlreadyExists,
    });
    return required(originAccessControl.id, "CloudFront origin access control", Name);
  }

  private distributionConfig(
    accountId: string,
    names: AccountResourceNames,
    keyGroupId: string,
    originAccessControlId: string,
  ): DistributionConfig {
    const behavior: Omit<CacheBehavior, "PathPattern"> = {
      TargetOriginId: names.bucketName,
      ViewerProtocolPolicy: "redirect-to-https",
      AllowedMethods: {
        Quantity: 3,
        Items: ["GET", "HEAD", "OPTIONS"],
        CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] },
      },
      Compress: true,
      CachePolicyId: MANAGED_POLICY.cachingOptimized,
      OriginRequestPolicyId: MANAGED_POLICY.corsS3Origin,
      ResponseHeadersPolicyId: MANAGED_POLICY.simpleCors,
    };
    return {
      CallerReference: accountId,
      Comment: names.distributionComment,
      Enabled: true,
      HttpVersion: "http2and3",
      PriceClass: "PriceClass_100",
      Origins: {
        Quantity: 1,
        Items: [
          {
            Id: names.bucketName,
            DomainName: `${names.bucketName}.s3.${this.region}.amazonaws.com`,
            OriginAccessControlId: originAccessControlId,
            S3OriginConfig: { OriginAccessIdentity: "" },
          },
        ],
      },
      // Everything needs a signed URL or cookie, except what is under public/.
      DefaultCacheBehavior: {
        ...behavior,
        TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: [keyGroupId] },
      },
      CacheBehaviors: { Quantity: 1, Items: [{ ...behavior, PathPattern: "public/*" }] },
    };
  }

  /**
   * CloudFront answers a repeated CreateDistribution with the same CallerReference and config with the
   * distribution it created first; with another config it answers DistributionAlreadyExists.
   */
  private async ensureDistribution(config: DistributionConfig): Promise<Distribution> {
    const comment = config.Comment ?? "";
    try {
      const { Distribution: created } = await this.cloudfront.send(
        new CreateDistributionCommand({ DistributionConfig: config }),
      );
      return toDistribution(created, comment);
    } catch (error) {
      if (!(error instanceof DistributionAlreadyExists)) throw error;
      return toDistribution(await this.findDistribution(comment), comment);
    }
  }

  private findDistribution(comment: string) {
    return findInPages(
      async (Marker) => {
        const { DistributionList: list } = await this.cloudfront.send(new ListDistributionsCommand({ Marker }));
        return { items: list?.Items, nextMarker: list?.IsTruncated ? list.NextMarker : undefined };
      },
      (distribution) => distribution.Comment === comment,
    );
  }

  private async allowDistributionToRead(bucketName: string, distributionArn: string): Promise<void> {
    await this.s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucketName,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AllowCloudFrontDistributionToRead",
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::${bucketName}/*`,
              Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
          ],
        }),
      }),
    );
  }

  /** CloudFront deletes only a disabled and deployed distribution, minutes later; disabling is what happens here. */
  private async disableDistribution(comment: string): Promise<void> {
    const distribution = await this.findDistribution(comment);
    if (!distribution?.Enabled) return;
    const Id = required(distribution.Id, "CloudFront distribution", comment);
    const { DistributionConfig: config, ETag } = await this.cloudfront.send(new GetDistributionConfigCommand({ Id }));
    if (!config?.Enabled) return;
    await this.cloudfront.send(
      new UpdateDistributionCommand({ Id, IfMatch: ETag, DistributionConfig: { ...config, Enabled: false } }),
    );
  }

  private async deleteSigningKey(secretName: string): Promise<void> {
    try {
      await this.secrets.send(new DeleteSecretCommand({ SecretId: secretName, RecoveryWindowInDays: 7 }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      // Secrets Manager answers InvalidRequestException for a secret already scheduled for deletion.
      if (error instanceof InvalidRequestException) return;
      throw error;
    }
  }
}

function parseAccountId(accountId: string): string {
  if (!AccountId.safeParse(accountId).success) throw new InvalidAccountId(accountId);
  return accountId;
}

async function readSigningKey(secrets: SecretsManagerClient, secretName: string): Promise<SigningKey | undefined> {
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretName })));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  try {
    return SigningKey.parse(JSON.parse(secretString ?? ""));
  } catch {
    throw new SigningKeyMalformed(secretName);
  }
}

/** CloudFront takes an RSA 2048 public key as "BEGIN PUBLIC KEY" PEM; the signer accepts a PKCS #8 private key. */
async function generateSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKey, publicKey };
}

/** Finds the resource, else creates it; when a concurrent duplicate won the race, finds that one. */
async function findOrCreate<T>({
  resource,
  name,
  find,
  create,
  isDuplicate,
}: {
  resource: string;
  name: string;
  find: () => Promise<T | undefined>;
  create: () => Promise<T>;
  isDuplicate: (error: unknown) => boolean;
}): Promise<T> {
  const existing = await find();
  if (existing) return existing;
  try {
    return await create();
  } catch (error) {
    if (!isDuplicate(error)) throw error;
    const raced = await find();
    if (raced) return raced;
  }
  throw new AccountResourceMissing(resource, name);
}

async function findInPages<T>(
  page: (marker: string | undefined) => Promise<{ items: T[] | undefined; nextMarker: string | undefined }>,
  matches: (item: T) => boolean,
): Promise<T | undefined> {
  let marker: string | undefined;
  do {
    const { items, nextMarker } = await page(marker);
    const found = items?.find(matches);
    if (found) return found;
    marker = nextMarker;
  } while (marker);
  return undefined;
}

function toDistribution(
  found: { Id?: string | undefined; ARN?: string | undefined; DomainName?: string | undefined } | undefined,
  comment: string,
): Distribution {
  return {
    id: required(found?.Id, "CloudFront distribution", comment),
    arn: required(found?.ARN, "CloudFront distribution", comment),
    domainName: required(found?.DomainName, "CloudFront distribution", comment),
  };
}

function required(value: string | undefined, resource: string, name: string): string {
  if (!value) throw new AccountResourceMissing(resource, name);
  return value;
}

function withoutWhitespace(text: string | undefined): string {
  return (text ?? "").replace(/\s+/g, "");
}
