import type { CacheBehavior, DistributionConfig } from "@aws-sdk/client-cloudfront";
import { z } from "zod";
import type { AccountResourceNames } from "../account-resources.ts";
import { KEY_DELIVERY_ACCOUNT_HEADER, keyPathPattern } from "../mediapackage/key-paths.ts";
import { livePathPattern } from "./path-patterns.ts";

/**
 * CloudFront's managed policies, by id:
 * cache https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html,
 * origin request https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html,
 * response headers https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
 */
export const MANAGED_POLICY = {
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  /** Keys are answered per request: never kept at the edge, where a cached answer would outlive its grant. */
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  /** "Designed for use with an origin that is an AWS Elemental MediaPackage endpoint": honours MediaPackage's max-age. */
  elementalMediaPackage: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
  corsS3Origin: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
  /**
   * CloudFront has no origin request policy for MediaPackage; this one forwards only `Origin`, and never `Host`, which
   * the origin access control's signature needs to be MediaPackage's own.
   */
  corsCustomOrigin: "59781a5b-3903-41f3-afcb-af62929ccde1",
  simpleCors: "60669652-455b-4ae9-85a4-c4c02393f86c",
} as const;

export const MEDIA_PACKAGE_ORIGIN_ID = "mediapackage";
export const KEY_DELIVERY_ORIGIN_ID = "key-delivery";

const CloudFrontId = z.string().regex(/^[A-Z0-9]+$/, "a CloudFront id: capital letters and digits");
const Hostname = z
  .string()
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i, "a host name, without scheme or path");

/** What the stage shares with every account's distribution, all declared once per stage in stacks/. */
export const StageCdn = z.object({
  originAccessControls: z.object({ s3: CloudFrontId, mediaPackage: CloudFrontId }),
  mediaPackage: z.object({
    channelGroup: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "a MediaPackage v2 channel group name"),
    egressDomain: Hostname,
  }),
  /**
   * The key delivery function's URL (AWS_IAM auth), read through its own origin access control: viewers' HLS AES-128
   * key requests under a channel's playback root reach it only through a distribution, with the playback grant checked.
   * Absent: the distribution serves no keys.
   */
  keyDelivery: z.object({ domain: Hostname, originAccessControl: CloudFrontId }).optional(),
});
export type StageCdn = z.infer<typeof StageCdn>;

export class InvalidStageCdn extends Error {
  override name = "InvalidStageCdn";
  constructor(readonly option: string, reason: string) {
    super(`CDN option ${option} is not usable: ${reason}`);
  }
}

export function parseStageCdn(options: StageCdn): StageCdn {
  const parsed = StageCdn.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidStageCdn(issue?.path.join(".") ?? "", issue?.message ?? "");
}

/** A distribution config as provisioning writes it: found again by its comment. */
export type AccountDistributionConfig = DistributionConfig & { CallerReference: string; Comment: string };

const readOnlyMethods = {
  Quantity: 3,
  Items: ["GET", "HEAD", "OPTIONS"],
  CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] },
} satisfies CacheBehavior["AllowedMethods"];

/**
 * The account's distribution: its bucket (recordings, media, public pages) and the stage's MediaPackage v2 channel
 * group (live), both read through the stage's origin access controls; everything but public/ needs a URL or cookie
 * signed with the account's key.
 */
export function accountDistributionConfig(
  accountId: string,
  names: AccountResourceNames,
  region: string,
  keyGroupId: string,
  stage: StageCdn,
): AccountDistributionConfig {
  const signed = { Enabled: true, Quantity: 1, Items: [keyGroupId] };
  const bucketBehavior: Omit<CacheBehavior, "PathPattern"> = {
    TargetOriginId: names.bucketName,
    ViewerProtocolPolicy: "redirect-to-https",
    AllowedMethods: readOnlyMethods,
    Compress: true,
    CachePolicyId: MANAGED_POLICY.cachingOptimized,
    OriginRequestPolicyId: MANAGED_POLICY.corsS3Origin,
    ResponseHeadersPolicyId: MANAGED_POLICY.simpleCors,
  };
  const liveBehavior: CacheBehavior = {
    PathPattern: livePathPattern(stage.mediaPackage.channelGroup),
    TargetOriginId: MEDIA_PACKAGE_ORIGIN_ID,
    ViewerProtocolPolicy: "redirect-to-https",
    AllowedMethods: readOnlyMethods,
    Compress: true,
    CachePolicyId: MANAGED_POLICY.elementalMediaPackage,
    OriginRequestPolicyId: MANAGED_POLICY.corsCustomOrigin,
    ResponseHeadersPolicyId: MANAGED_POLICY.simpleCors,
    TrustedKeyGroups: signed,
  };
  // Listed before the live behaviour, whose pattern also matches: CloudFront takes the first behaviour that matches.
  const keyBehavior: CacheBehavior | undefined = stage.keyDelivery && {
    PathPattern: keyPathPattern(stage.mediaPackage.channelGroup),
    TargetOriginId: KEY_DELIVERY_ORIGIN_ID,
    ViewerProtocolPolicy: "https-only",
    AllowedMethods: readOnlyMethods,
    Compress: false,
    CachePolicyId: MANAGED_POLICY.cachingDisabled,
    ResponseHeadersPolicyId: MANAGED_POLICY.simpleCors,
    TrustedKeyGroups: signed,
  };
  const keyOrigin = stage.keyDelivery && {
    Id: KEY_DELIVERY_ORIGIN_ID,
    DomainName: stage.keyDelivery.domain,
    OriginAccessControlId: stage.keyDelivery.originAccessControl,
    CustomHeaders: { Quantity: 1, Items: [{ HeaderName: KEY_DELIVERY_ACCOUNT_HEADER, HeaderValue: accountId }] },
    CustomOriginConfig: {
      HTTPPort: 80,
      HTTPSPort: 443,
      OriginProtocolPolicy: "https-only" as const,
      OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2" as const] },
    },
  };
  const behaviors = [{ ...bucketBehavior, PathPattern: "public/*" }, ...(keyBehavior ? [keyBehavior] : []), liveBehavior];
  return {
    CallerReference: accountId,
    Comment: names.distributionComment,
    Enabled: true,
    HttpVersion: "http2and3",
    PriceClass: "PriceClass_100",
    Origins: {
      Quantity: keyOrigin ? 3 : 2,
      Items: [
        {
          Id: names.bucketName,
          DomainName: `${names.bucketName}.s3.${region}.amazonaws.com`,
          OriginAccessControlId: stage.originAccessControls.s3,
          S3OriginConfig: { OriginAccessIdentity: "" },
        },
        {
          Id: MEDIA_PACKAGE_ORIGIN_ID,
          DomainName: stage.mediaPackage.egressDomain,
          OriginAccessControlId: stage.originAccessControls.mediaPackage,
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: "https-only",
            OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] },
          },
        },
        ...(keyOrigin ? [keyOrigin] : []),
      ],
    },
    DefaultCacheBehavior: { ...bucketBehavior, TrustedKeyGroups: signed },
    CacheBehaviors: { Quantity: behaviors.length, Items: behaviors },
  };
}

/**
 * Whether the distribution already has every setting we ask for; CloudFront answers with its defaults filled in
 * (ConnectionAttempts, OriginPath, …) and lists in its own order, so only what we set is compared.
 */
export function hasEverySetting(current: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    if (!Array.isArray(current) || current.length !== wanted.length) return false;
    if (wanted.every((item) => typeof item !== "object")) {
      return [...wanted].sort().join("\n") === [...current].sort().join("\n");
    }
    return wanted.every((item, index) => hasEverySetting(current[index], item));
  }
  if (wanted !== null && typeof wanted === "object") {
    if (current === null || typeof current !== "object") return false;
    return Object.entries(wanted).every(
      ([key, value]) => value === undefined || hasEverySetting((current as Record<string, unknown>)[key], value),
    );
  }
  return current === wanted;
}
