import {
  CloudFrontClient,
  CreateDistributionCommand,
  CreateOriginAccessControlCommand,
  DistributionAlreadyExists,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  ListOriginAccessControlsCommand,
  OriginAccessControlAlreadyExists,
  UpdateDistributionCommand,
  type CacheBehavior,
  type DistributionConfig,
} from "@aws-sdk/client-cloudfront";
import type { AccountResourceNames } from "../account-resources.ts";
import { findInPages, findOrCreate, required, truncatedPage } from "./find-or-create.ts";

/** CloudFront's managed policies, by id: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html */
export const MANAGED_POLICY = {
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  corsS3Origin: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
  simpleCors: "60669652-455b-4ae9-85a4-c4c02393f86c",
} as const;

export type Distribution = { id: string; arn: string; domainName: string };

/** Each account's distribution in front of its bucket, which it reads through an origin access control. */
export class AccountDistributions {
  constructor(
    private readonly cloudfront: CloudFrontClient,
    private readonly region: string,
  ) {}

  async ensureOriginAccessControl(accountId: string, Name: string): Promise<string> {
    const originAccessControl = await findOrCreate({
      resource: "CloudFront origin access control",
      name: Name,
      page: async (Marker) => truncatedPage((await this.cloudfront.send(new ListOriginAccessControlsCommand({ Marker }))).OriginAccessControlList),
      matches: (control) => control.Name === Name,
      found: (control) => ({ id: control.Id }),
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

  distributionConfig(
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
  async ensure(config: DistributionConfig): Promise<Distribution> {
    const comment = config.Comment ?? "";
    try {
      const { Distribution: created } = await this.cloudfront.send(
        new CreateDistributionCommand({ DistributionConfig: config }),
      );
      return toDistribution(created, comment);
    } catch (error) {
      if (!(error instanceof DistributionAlreadyExists)) throw error;
      return toDistribution(await this.find(comment), comment);
    }
  }

  /** CloudFront deletes only a disabled and deployed distribution, minutes later; disabling is what happens here. */
  async disable(comment: string): Promise<void> {
    const distribution = await this.find(comment);
    if (!distribution?.Enabled) return;
    const Id = required(distribution.Id, "CloudFront distribution", comment);
    const { DistributionConfig: config, ETag } = await this.cloudfront.send(new GetDistributionConfigCommand({ Id }));
    if (!config?.Enabled) return;
    await this.cloudfront.send(
      new UpdateDistributionCommand({ Id, IfMatch: ETag, DistributionConfig: { ...config, Enabled: false } }),
    );
  }

  private find(comment: string) {
    return findInPages({
      page: async (Marker) => truncatedPage((await this.cloudfront.send(new ListDistributionsCommand({ Marker }))).DistributionList),
      matches: (distribution) => distribution.Comment === comment,
    });
  }
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
