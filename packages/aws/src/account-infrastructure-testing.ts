import { generateKeyPairSync } from "node:crypto";
import {
  CloudFrontClient,
  type CacheBehavior,
  type DistributionConfig,
  type DistributionSummary,
  type KeyGroupSummary,
  type OriginAccessControlSummary,
  type PublicKeySummary,
} from "@aws-sdk/client-cloudfront";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { AwsAccountInfrastructure } from "./account-infrastructure.ts";
import type { SigningKey } from "./secrets/signing-key.ts";
import type { StageCdn } from "./cloudfront/distribution-config.ts";

export const s3 = mockClient(S3Client);
export const cloudfront = mockClient(CloudFrontClient);
export const secrets = mockClient(SecretsManagerClient);

export const region = "eu-west-1";
export const prefix = "visionstream-test";
export const accountId = "acc-0123456789abcdef";
export const bucketName = "visionstream-test-acc-0123456789abcdef";
export const secretName = "visionstream-test/accounts/acc-0123456789abcdef/cdn-signing-key";
export const cloudFrontName = "visionstream-test-acc-0123456789abcdef";
export const comment = "visionstream visionstream-test account acc-0123456789abcdef";
export const distributionArn = "arn:aws:cloudfront::111122223333:distribution/E2DISTRIBUTION";
export const stage = {
  originAccessControls: { s3: "E1S3STAGEOAC", mediaPackage: "E1MPSTAGEOAC" },
  mediaPackage: {
    channelGroup: "visionstream-test",
    egressDomain: "abcde1.egress.x1y2z3.mediapackagev2.eu-west-1.amazonaws.com",
  },
};

export const storedKey: SigningKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

export function infrastructure(options: Partial<StageCdn> & { region?: string; prefix?: string } = {}) {
  return new AwsAccountInfrastructure({
    s3: new S3Client({ region }),
    cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    secrets: new SecretsManagerClient({ region }),
    region: options.region ?? region,
    prefix: options.prefix ?? prefix,
    originAccessControls: options.originAccessControls ?? stage.originAccessControls,
    mediaPackage: options.mediaPackage ?? stage.mediaPackage,
    ...(options.keyDelivery && { keyDelivery: options.keyDelivery }),
  });
}

export const metadata = { $metadata: {} };

/** The names of the commands a mocked client received, in order. */
export function commandsSent(client: { calls(): { args: readonly [object, ...unknown[]] }[] }): string[] {
  return client.calls().map((call) => call.args[0].constructor.name);
}

export function publicKey(Id: string, Name: string, EncodedKey: string): PublicKeySummary {
  return { Id, Name, EncodedKey, CreatedTime: new Date(0) };
}

export function keyGroup(Id: string, Name: string, publicKeyIds: string[]): KeyGroupSummary {
  return { KeyGroup: { Id, LastModifiedTime: new Date(0), KeyGroupConfig: { Name, Items: publicKeyIds } } };
}

export function originAccessControl(Id: string, Name: string): OriginAccessControlSummary {
  return {
    Id,
    Name,
    Description: "",
    SigningProtocol: "sigv4",
    SigningBehavior: "always",
    OriginAccessControlOriginType: "s3",
  };
}

export function distribution(Id: string, Comment: string, Enabled = true, Status = "Deployed"): DistributionSummary {
  return {
    Id,
    ARN: `arn:aws:cloudfront::111122223333:distribution/${Id}`,
    DomainName: `${Id.toLowerCase()}.cloudfront.net`,
    Comment,
    Enabled,
    Status,
  } as DistributionSummary;
}

export function page<T>(Items: T[], NextMarker?: string) {
  return { Items, Quantity: Items.length, MaxItems: 100, NextMarker };
}

export function truncatablePage<T>(Items: T[], NextMarker?: string) {
  return { ...page(Items, NextMarker), Marker: "", IsTruncated: NextMarker !== undefined };
}

/** What CreateDistribution must receive for the test account, given the key group found or created before it. */
export function expectedDistributionConfig(keyGroupId: string): DistributionConfig {
  const methods = {
    Quantity: 3,
    Items: ["GET", "HEAD", "OPTIONS"],
    CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] },
  } satisfies CacheBehavior["AllowedMethods"];
  const bucket = {
    TargetOriginId: bucketName,
    ViewerProtocolPolicy: "redirect-to-https",
    AllowedMethods: methods,
    Compress: true,
    CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    OriginRequestPolicyId: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    ResponseHeadersPolicyId: "60669652-455b-4ae9-85a4-c4c02393f86c",
  } satisfies Omit<CacheBehavior, "PathPattern">;
  const signed = { Enabled: true, Quantity: 1, Items: [keyGroupId] };
  return {
    CallerReference: accountId,
    Comment: comment,
    Enabled: true,
    HttpVersion: "http2and3",
    PriceClass: "PriceClass_100",
    Origins: {
      Quantity: 2,
      Items: [
        {
          Id: bucketName,
          DomainName: `${bucketName}.s3.eu-west-1.amazonaws.com`,
          OriginAccessControlId: "E1S3STAGEOAC",
          S3OriginConfig: { OriginAccessIdentity: "" },
        },
        {
          Id: "mediapackage",
          DomainName: "abcde1.egress.x1y2z3.mediapackagev2.eu-west-1.amazonaws.com",
          OriginAccessControlId: "E1MPSTAGEOAC",
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: "https-only",
            OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] },
          },
        },
      ],
    },
    DefaultCacheBehavior: { ...bucket, TrustedKeyGroups: signed },
    CacheBehaviors: {
      Quantity: 2,
      Items: [
        { ...bucket, PathPattern: "public/*" },
        {
          PathPattern: "out/v1/visionstream-test/*",
          TargetOriginId: "mediapackage",
          ViewerProtocolPolicy: "redirect-to-https",
          AllowedMethods: methods,
          Compress: true,
          CachePolicyId: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
          OriginRequestPolicyId: "59781a5b-3903-41f3-afcb-af62929ccde1",
          ResponseHeadersPolicyId: "60669652-455b-4ae9-85a4-c4c02393f86c",
          TrustedKeyGroups: signed,
        },
      ],
    },
  };
}

export function bucketPolicy(sourceArn: string) {
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

/** The distribution config provisioning made before the live origin: the bucket only, through the account's own OAC. */
export function bucketOnlyConfig(keyGroupId: string, originAccessControlId: string): DistributionConfig {
  const behavior = {
    TargetOriginId: bucketName,
    ViewerProtocolPolicy: "redirect-to-https" as const,
    AllowedMethods: {
      Quantity: 3,
      Items: ["GET" as const, "HEAD" as const, "OPTIONS" as const],
      CachedMethods: { Quantity: 2, Items: ["GET" as const, "HEAD" as const] },
    },
    Compress: true,
    CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    OriginRequestPolicyId: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    ResponseHeadersPolicyId: "60669652-455b-4ae9-85a4-c4c02393f86c",
  };
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
    DefaultCacheBehavior: { ...behavior, TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: [keyGroupId] } },
    CacheBehaviors: { Quantity: 1, Items: [{ ...behavior, PathPattern: "public/*" }] },
  };
}

