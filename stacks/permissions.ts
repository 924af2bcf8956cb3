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

/** What the live engine does to MediaLive; ids are MediaLive's numbers, so resources are scoped by type only. */
export const LIVE_ENGINE_ACTIONS = [
  "medialive:CreateInputSecurityGroup",
  "medialive:DeleteInputSecurityGroup",
  "medialive:CreateInput",
  "medialive:DescribeInput",
  "medialive:DeleteInput",
  "medialive:CreateChannel",
  "medialive:DescribeChannel",
  "medialive:UpdateChannel",
  "medialive:StartChannel",
  "medialive:StopChannel",
  "medialive:DeleteChannel",
  "medialive:CreateTags",
] as const;

/** Finding a channel's resources by name or tag after an interrupted creation; MediaLive's List actions accept only "*". */
export const LIVE_ENGINE_LIST_ACTIONS = [
  "medialive:ListInputSecurityGroups",
  "medialive:ListInputs",
  "medialive:ListChannels",
] as const;

export const LIVE_PACKAGING_ACTIONS = [
  "mediapackage:CreateChannel",
  "mediapackage:DescribeChannel",
  "mediapackage:DeleteChannel",
  "mediapackage:CreateOriginEndpoint",
  "mediapackage:DescribeOriginEndpoint",
  "mediapackage:DeleteOriginEndpoint",
] as const;

export const PASS_ROLE_ACTIONS = ["iam:PassRole"] as const;

/** What MediaLive itself does while a channel runs: write HLS into the account buckets and push to MediaPackage. */
export const RECORDING_BUCKET_ACTIONS = ["s3:ListBucket"] as const;
export const RECORDING_OBJECT_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"] as const;
export const MEDIALIVE_PACKAGING_ACTIONS = ["mediapackage:DescribeChannel"] as const;

/**
 * Starting and reading the jobs that join a recording into an MP4. CreateJob with Tags also authorizes
 * mediaconvert:TagResource on the new job.
 */
export const VOD_ASSEMBLY_ACTIONS = ["mediaconvert:CreateJob", "mediaconvert:GetJob", "mediaconvert:TagResource"] as const;

/** What MediaConvert itself does in a job: read MediaLive's playlist and segments, write the MP4. */
export const MEDIACONVERT_SOURCE_ACTIONS = ["s3:GetObject"] as const;
export const MEDIACONVERT_OUTPUT_ACTIONS = ["s3:PutObject"] as const;

/**
 * The recordings API and reactions on the stored files: HeadObject (the MP4's size) needs s3:GetObject, and
 * s3:ListBucket both to list a session's segments and to get 404 rather than 403 for a missing object.
 */
export const RECORDING_STORE_BUCKET_ACTIONS = ["s3:ListBucket"] as const;
export const RECORDING_STORE_OBJECT_ACTIONS = ["s3:GetObject", "s3:DeleteObject"] as const;

export const PLAYBACK_SIGNING_ACTIONS = ["secretsmanager:GetSecretValue"] as const;
/** The media library: presigned uploads (signed with the API's own role), size checks and deletion. */
export const MEDIA_OBJECT_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"] as const;

/**
 * The switcher engine on MediaConnect. MediaConnect's flow actions take no resource-level permissions (the Service
 * Authorization Reference lists no resource type for them), so they are granted on "*".
 */
export const SWITCHER_ENGINE_ACTIONS = [
  "mediaconnect:ListFlows",
  "mediaconnect:DescribeFlow",
  "mediaconnect:DescribeFlowSourceMetadata",
  "mediaconnect:UpdateFlowSource",
  "mediaconnect:StartFlow",
  "mediaconnect:StopFlow",
] as const;

/** A switcher's lineup as one-time schedules in the stage's schedule group; ListSchedules takes only "*". */
export const SWITCH_SCHEDULE_ACTIONS = ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"] as const;
export const SWITCH_SCHEDULE_LIST_ACTIONS = ["scheduler:ListSchedules"] as const;

/** The API keeps each switcher's architecture file in the account bucket (switchers/<id>/architecture.json). */
export const SWITCHER_FILE_ACTIONS = ["s3:PutObject"] as const;

/** What MediaConnect itself does for the switcher's flows: read the SRT passphrases, manage its VPC network interfaces. */
export const MEDIACONNECT_SECRET_ACTIONS = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetResourcePolicy",
  "secretsmanager:ListSecretVersionIds",
] as const;
export const MEDIACONNECT_VPC_ACTIONS = [
  "ec2:DescribeSubnets",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeNetworkInterfaces",
  "ec2:CreateNetworkInterface",
  "ec2:CreateNetworkInterfacePermission",
  "ec2:DeleteNetworkInterface",
  "ec2:DeleteNetworkInterfacePermission",
] as const;

/** What EventBridge Scheduler does when a lineup entry is due. */
export const SCHEDULER_INVOKE_ACTIONS = ["lambda:InvokeFunction"] as const;

export const ALL_ACTIONS = [
  ...TABLE_ACTIONS,
  ...IDEMPOTENCY_TABLE_ACTIONS,
  ...PUBLISH_ACTIONS,
  ...ACCOUNT_BUCKET_ACTIONS,
  ...ACCOUNT_SECRET_ACTIONS,
  ...ACCOUNT_CDN_ACTIONS,
  ...DEPROVISION_SECRET_ACTIONS,
  ...DEPROVISION_CDN_ACTIONS,
  ...LIVE_ENGINE_ACTIONS,
  ...LIVE_ENGINE_LIST_ACTIONS,
  ...LIVE_PACKAGING_ACTIONS,
  ...PASS_ROLE_ACTIONS,
  ...RECORDING_BUCKET_ACTIONS,
  ...RECORDING_OBJECT_ACTIONS,
  ...MEDIALIVE_PACKAGING_ACTIONS,
  ...VOD_ASSEMBLY_ACTIONS,
  ...MEDIACONVERT_SOURCE_ACTIONS,
  ...MEDIACONVERT_OUTPUT_ACTIONS,
  ...RECORDING_STORE_BUCKET_ACTIONS,
  ...RECORDING_STORE_OBJECT_ACTIONS,
  ...PLAYBACK_SIGNING_ACTIONS,
  ...MEDIA_OBJECT_ACTIONS,
  ...SWITCHER_ENGINE_ACTIONS,
  ...SWITCH_SCHEDULE_ACTIONS,
  ...SWITCH_SCHEDULE_LIST_ACTIONS,
  ...SWITCHER_FILE_ACTIONS,
  ...MEDIACONNECT_SECRET_ACTIONS,
  ...MEDIACONNECT_VPC_ACTIONS,
  ...SCHEDULER_INVOKE_ACTIONS,
] as const;

const allow = (actions: readonly string[], resources: Arn[]): Statement => ({
  actions: [...actions],
  resources,
});

/** Per-account buckets are named `<prefix>-...`. */
export const accountBucketArn = (prefix: string) => `arn:aws:s3:::${prefix}-*`;

export const MEDIALIVE_RESOURCE_ARNS = [
  "arn:aws:medialive:*:*:channel:*",
  "arn:aws:medialive:*:*:input:*",
  "arn:aws:medialive:*:*:inputSecurityGroup:*",
];

/** MediaPackage (v1) ARNs end in an id of its own, not in the channel id we choose. */
export const MEDIAPACKAGE_CHANNEL_ARN = "arn:aws:mediapackage:*:*:channels/*";
export const MEDIAPACKAGE_RESOURCE_ARNS = [MEDIAPACKAGE_CHANNEL_ARN, "arn:aws:mediapackage:*:*:origin_endpoints/*"];

/** The folders of an account bucket that recordings use: MediaLive's segments and the joined MP4s. */
export const recordingObjectsArn = (prefix: string) => `${accountBucketArn(prefix)}/recordings/*`;
export const vodObjectsArn = (prefix: string) => `${accountBucketArn(prefix)}/vod/*`;

/** CreateJob needs the job and, for the queue it is sent to (Default or another), the queue. */
export const MEDIACONVERT_JOB_ARN = "arn:aws:mediaconvert:*:*:jobs/*";
export const MEDIACONVERT_QUEUE_ARN = "arn:aws:mediaconvert:*:*:queues/*";

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

/** What the functions that drive channels (the API, the channel reactions, the idle-stop schedule) may do. */
export function liveEnginePermissions(mediaLiveRoleArn: Arn): Statement[] {
  return [
    allow(LIVE_ENGINE_ACTIONS, MEDIALIVE_RESOURCE_ARNS),
    allow(LIVE_ENGINE_LIST_ACTIONS, ["*"]),
    allow(LIVE_PACKAGING_ACTIONS, MEDIAPACKAGE_RESOURCE_ARNS),
    {
      ...allow(PASS_ROLE_ACTIONS, [mediaLiveRoleArn]),
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["medialive.amazonaws.com"] }],
    },
  ];
}

/** What the functions that start MP4 assembly (the channel-stopped reaction, the API's retry) may do. */
export function vodAssemblyPermissions(mediaConvertRoleArn: Arn): Statement[] {
  return [
    allow(VOD_ASSEMBLY_ACTIONS, [MEDIACONVERT_JOB_ARN, MEDIACONVERT_QUEUE_ARN]),
    {
      ...allow(PASS_ROLE_ACTIONS, [mediaConvertRoleArn]),
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["mediaconvert.amazonaws.com"] }],
    },
  ];
}

/** What the functions that read and delete a recording's files (the job reaction, the API) may do. */
export function recordingStorePermissions(prefix: string): Statement[] {
  return [
    allow(RECORDING_STORE_BUCKET_ACTIONS, [accountBucketArn(prefix)]),
    allow(RECORDING_STORE_OBJECT_ACTIONS, [recordingObjectsArn(prefix), vodObjectsArn(prefix)]),
  ];
}

/** Signing viewers' URLs and cookies needs the accounts' CDN private keys (read only). */
export function playbackSigningPermissions(prefix: string): Statement[] {
  return [allow(PLAYBACK_SIGNING_ACTIONS, [accountSecretArn(prefix)])];
}

export const mediaObjectsArn = (prefix: string) => `${accountBucketArn(prefix)}/media/*`;

export function mediaStorePermissions(prefix: string): Statement[] {
  return [allow(MEDIA_OBJECT_ACTIONS, [mediaObjectsArn(prefix)])];
}

/** The schedule group of the stage's switch lineups. */
export const switchScheduleGroupName = (prefix: string) => `${prefix}-switchers`;
/** The scheduled-switch function has a fixed name, so that the scheduler's role can name it before it exists. */
export const scheduledSwitchFunctionName = (prefix: string) => `${prefix}-scheduled-switch`;

/** What the functions that switch (the API, the source-health reaction, the scheduled switch) may do to MediaConnect. */
export function switcherEnginePermissions(): Statement[] {
  return [allow(SWITCHER_ENGINE_ACTIONS, ["*"])];
}

/** Writing a switcher's lineup: schedules of the stage's group only, passing only the scheduler role to the scheduler. */
export function switchSchedulePermissions(prefix: string, schedulerRoleArn: Arn): Statement[] {
  return [
    allow(SWITCH_SCHEDULE_ACTIONS, [`arn:aws:scheduler:*:*:schedule/${switchScheduleGroupName(prefix)}/*`]),
    allow(SWITCH_SCHEDULE_LIST_ACTIONS, ["*"]),
    {
      ...allow(PASS_ROLE_ACTIONS, [schedulerRoleArn]),
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["scheduler.amazonaws.com"] }],
    },
  ];
}

export const switcherFilesArn = (prefix: string) => `${accountBucketArn(prefix)}/switchers/*`;

export function switcherFilePermissions(prefix: string): Statement[] {
  return [allow(SWITCHER_FILE_ACTIONS, [switcherFilesArn(prefix)])];
}
