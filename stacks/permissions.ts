type Statement = sst.aws.FunctionPermissionArgs;
type Arn = $util.Input<string>;

export const TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:Query",
] as const;

export const IDEMPOTENCY_TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
] as const;

export const PUBLISH_ACTIONS = ["events:PutEvents"] as const;

export const ACCOUNT_BUCKET_ACTIONS = [
  "s3:CreateBucket",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketNotification",
  "s3:PutBucketCORS",
  "s3:PutBucketPolicy",
] as const;

export const ACCOUNT_SECRET_ACTIONS = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:CreateSecret",
  "secretsmanager:DeleteSecret",
] as const;

/** CloudFront has no name-scoped resources, and its List actions accept only "*". */
export const ACCOUNT_CDN_ACTIONS = [
  "cloudfront:ListPublicKeys",
  "cloudfront:CreatePublicKey",
  "cloudfront:ListKeyGroups",
  "cloudfront:CreateKeyGroup",
  "cloudfront:ListOriginAccessControls",
  "cloudfront:CreateOriginAccessControl",
  "cloudfront:CreateDistribution",
  "cloudfront:ListDistributions",
  "cloudfront:GetDistributionConfig",
  "cloudfront:UpdateDistribution",
  "cloudfront:TagResource",
] as const;

export const DEPROVISION_SECRET_ACTIONS = ["secretsmanager:DeleteSecret"] as const;

export const DEPROVISION_CDN_ACTIONS = [
  "cloudfront:ListDistributions",
  "cloudfront:GetDistributionConfig",
  "cloudfront:UpdateDistribution",
] as const;

export const ALL_ACTIONS = [
  ...TABLE_ACTIONS,
  ...IDEMPOTENCY_TABLE_ACTIONS,
  ...PUBLISH_ACTIONS,
  ...ACCOUNT_BUCKET_ACTIONS,
  ...ACCOUNT_SECRET_ACTIONS,
  ...ACCOUNT_CDN_ACTIONS,
  ...DEPROVISION_SECRET_ACTIONS,
  ...DEPROVISION_CDN_ACTIONS,
] as const;

const allow = (actions: readonly string[], resources: Arn[]): Statement => ({
  actions: [...actions],
  resources,
});

/** Per-account buckets are named `<prefix>-...`. */
export const accountBucketArn = (prefix: string) => `arn:aws:s3:::${prefix}-*`;

/** Per-account secrets are named `<prefix>/accounts/<accountId>`; the ARN ends in a random suffix. */
export const accountSecretArn = (prefix: string) =>
  `arn:aws:secretsmanager:*:*:secret:${prefix}/accounts/*`;

/** What every function needs: the tables (and their indexes) and publishing on the bus. */
export function basePermissions(arns: { table: Arn; idempotencyTable: Arn; bus: Arn }): Statement[] {
  return [
    allow(TABLE_ACTIONS, [arns.table, $interpolate`${arns.table}/index/*`]),
    allow(IDEMPOTENCY_TABLE_ACTIONS, [arns.idempotencyTable]),
    allow(PUBLISH_ACTIONS, [arns.bus]),
  ];
}

export function provisionPermissions(prefix: string): Statement[] {
  return [
    allow(ACCOUNT_BUCKET_ACTIONS, [accountBucketArn(prefix)]),
    allow(ACCOUNT_SECRET_ACTIONS, [accountSecretArn(prefix)]),
    allow(ACCOUNT_CDN_ACTIONS, ["*"]),
  ];
}

export function deprovisionPermissions(prefix: string): Statement[] {
  return [
    allow(DEPROVISION_SECRET_ACTIONS, [accountSecretArn(prefix)]),
    allow(DEPROVISION_CDN_ACTIONS, ["*"]),
  ];
}
