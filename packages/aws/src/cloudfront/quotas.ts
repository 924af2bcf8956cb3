/**
 * The CloudFront quotas that provisioning an account can reach, by the error CloudFront answers, with their defaults
 * from https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
 * (public keys: "Maximum number of public keys that can be added to one AWS account", listed with field-level encryption).
 */
export const CLOUDFRONT_QUOTAS = {
  TooManyDistributions: { quota: "distributions per AWS account", defaultValue: 500 },
  TooManyPublicKeys: { quota: "public keys per AWS account", defaultValue: 10 },
  TooManyKeyGroups: { quota: "key groups per AWS account", defaultValue: 10 },
  TooManyDistributionsAssociatedToOriginAccessControl: {
    quota: "distributions per origin access control",
    defaultValue: 100,
  },
  TooManyDistributionsAssociatedToKeyGroup: { quota: "distributions associated with a single key group", defaultValue: 100 },
  TooManyDistributionsAssociatedToCachePolicy: {
    quota: "distributions associated with the same cache policy",
    defaultValue: 100,
  },
  TooManyDistributionsAssociatedToOriginRequestPolicy: {
    quota: "distributions associated with the same origin request policy",
    defaultValue: 100,
  },
  TooManyDistributionsAssociatedToResponseHeadersPolicy: {
    quota: "distributions associated with the same response headers policy",
    defaultValue: 100,
  },
} as const satisfies Record<string, { quota: string; defaultValue: number }>;

/** CloudFront refused to make one more resource: the account cannot get its CDN until the quota is raised. */
export class CloudFrontQuotaReached extends Error {
  override name = "CloudFrontQuotaReached";
  constructor(
    readonly quota: string,
    readonly defaultValue: number,
    options?: { cause?: unknown },
  ) {
    super(
      `CloudFront quota reached: ${quota} (default ${defaultValue}); ` +
        "ask AWS to raise it (Service Quotas console, Amazon CloudFront, or an AWS Support quota increase case)",
      options,
    );
  }
}

function isQuotaError(name: string): name is keyof typeof CLOUDFRONT_QUOTAS {
  return Object.hasOwn(CLOUDFRONT_QUOTAS, name);
}

/** The same failure, named by the quota it reached when it is one of CloudFront's quota errors. */
export function namingQuota(error: unknown): unknown {
  if (!(error instanceof Error) || !isQuotaError(error.name)) return error;
  const { quota, defaultValue } = CLOUDFRONT_QUOTAS[error.name];
  return new CloudFrontQuotaReached(quota, defaultValue, { cause: error });
}

/** Sends a request that creates or attaches something, turning CloudFront's quota errors into CloudFrontQuotaReached. */
export async function withinQuotas<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw namingQuota(error);
  }
}
