/** An AWS SDK v3 operation the code sends: its package (`@aws-sdk/client-s3`) and operation (`HeadObject`). */
export interface SdkOperation {
  sdkPackage: string;
  operation: string;
  /** Whether the code that sends it sets a `Tags` member somewhere (tag-on-create needs the tagging action too). */
  tagged: boolean;
}

/** The IAM actions a request needs, and the service a role it carries is passed to. */
export interface RequiredActions {
  actions: string[];
  passesRoleTo?: string;
}

export class UnmappedOperation extends Error {
  override name = "UnmappedOperation";
}

/** The IAM service prefix of each SDK package the adapters use. */
const SERVICE_PREFIXES: Record<string, string> = {
  "@aws-sdk/client-cloudfront": "cloudfront",
  "@aws-sdk/client-cloudwatch": "cloudwatch",
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/lib-dynamodb": "dynamodb",
  "@aws-sdk/client-eventbridge": "events",
  "@aws-sdk/client-lambda": "lambda",
  "@aws-sdk/client-mediaconnect": "mediaconnect",
  "@aws-sdk/client-mediaconvert": "mediaconvert",
  "@aws-sdk/client-medialive": "medialive",
  "@aws-sdk/client-mediapackage": "mediapackage",
  "@aws-sdk/client-mediapackagev2": "mediapackagev2",
  "@aws-sdk/client-s3": "s3",
  "@aws-sdk/client-scheduler": "scheduler",
  "@aws-sdk/client-secrets-manager": "secretsmanager",
};

/** lib-dynamodb's document commands are the table operations of the same name. */
const DOCUMENT_OPERATIONS: Record<string, string[]> = {
  Get: ["GetItem"],
  Put: ["PutItem"],
  Update: ["UpdateItem"],
  Delete: ["DeleteItem"],
  Query: ["Query"],
  Scan: ["Scan"],
  BatchGet: ["BatchGetItem"],
  BatchWrite: ["BatchWriteItem"],
  TransactGet: ["GetItem"],
  // Each item of a transaction is authorized as its own action.
  TransactWrite: ["PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"],
};

/**
 * Operations authorized by actions of another name, from the Service Authorization Reference's "API operations"
 * tables (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-actions-as-permissions).
 */
const OTHER_ACTIONS: Record<string, string[]> = {
  "s3:HeadObject": ["s3:GetObject"],
  "s3:HeadBucket": ["s3:ListBucket"],
  "s3:ListObjects": ["s3:ListBucket"],
  "s3:ListObjectsV2": ["s3:ListBucket"],
  "s3:DeleteObjects": ["s3:DeleteObject"],
  "s3:CopyObject": ["s3:GetObject", "s3:PutObject"],
  "s3:CreateMultipartUpload": ["s3:PutObject"],
  "s3:UploadPart": ["s3:PutObject"],
  "s3:CompleteMultipartUpload": ["s3:PutObject"],
  "s3:PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
  "s3:GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
  "s3:PutBucketEncryption": ["s3:PutEncryptionConfiguration"],
  "s3:GetBucketEncryption": ["s3:GetEncryptionConfiguration"],
  "s3:PutBucketNotificationConfiguration": ["s3:PutBucketNotification"],
  "s3:GetBucketNotificationConfiguration": ["s3:GetBucketNotification"],
  "s3:PutBucketCors": ["s3:PutBucketCORS"],
  "s3:GetBucketCors": ["s3:GetBucketCORS"],
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/APIReference/API_CreateDistributionWithTags.html
  "cloudfront:CreateDistributionWithTags": ["cloudfront:CreateDistribution", "cloudfront:TagResource"],
};

/**
 * Creations that carry Tags are held to need the service's tagging action too: some services authorize tag-on-create
 * with it, and granting it where the creation alone would do costs nothing.
 */
const TAG_ON_CREATE: Record<string, string> = {
  "medialive:CreateChannel": "medialive:CreateTags",
  "medialive:CreateInput": "medialive:CreateTags",
  "medialive:CreateInputSecurityGroup": "medialive:CreateTags",
  "mediaconvert:CreateJob": "mediaconvert:TagResource",
  "mediapackagev2:CreateChannel": "mediapackagev2:TagResource",
  "mediapackagev2:CreateOriginEndpoint": "mediapackagev2:TagResource",
  "secretsmanager:CreateSecret": "secretsmanager:TagResource",
  "cloudfront:CreateDistribution": "cloudfront:TagResource",
};

/** Requests that hand AWS a role to act with: iam:PassRole, to that service only. */
const PASSES_ROLE: Record<string, string> = {
  "medialive:CreateChannel": "medialive.amazonaws.com",
  "medialive:UpdateChannel": "medialive.amazonaws.com",
  "mediaconvert:CreateJob": "mediaconvert.amazonaws.com",
  "scheduler:CreateSchedule": "scheduler.amazonaws.com",
  // An encrypted endpoint names the key server's role in Segment.Encryption.SpekeKeyProvider.RoleArn.
  "mediapackagev2:CreateOriginEndpoint": "mediapackagev2.amazonaws.com",
};

export function requiredActions({ sdkPackage, operation, tagged }: SdkOperation): RequiredActions {
  const service = SERVICE_PREFIXES[sdkPackage];
  if (!service) throw new UnmappedOperation(`${sdkPackage} ${operation}: no IAM service prefix for this SDK package`);
  const names =
    sdkPackage === "@aws-sdk/lib-dynamodb"
      ? DOCUMENT_OPERATIONS[operation]?.map((name) => `${service}:${name}`)
      : (OTHER_ACTIONS[`${service}:${operation}`] ?? [`${service}:${operation}`]);
  if (!names) throw new UnmappedOperation(`${sdkPackage} ${operation}: no IAM action known for this document command`);
  const actions = [...names];
  for (const name of names) {
    const tagging = TAG_ON_CREATE[name];
    if (tagged && tagging && !actions.includes(tagging)) actions.push(tagging);
  }
  const passesRoleTo = names.map((name) => PASSES_ROLE[name]).find((principal) => principal !== undefined);
  if (passesRoleTo) actions.push("iam:PassRole");
  return passesRoleTo ? { actions, passesRoleTo } : { actions };
}
