import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { MediaConnectClient } from "@aws-sdk/client-mediaconnect";
import { MediaLiveClient } from "@aws-sdk/client-medialive";
import { MediaPackageClient } from "@aws-sdk/client-mediapackage";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  CloudFrontPlaybackSigner,
  documentClient,
  DynamoAccountRepository,
  DynamoChannelRepository,
  dynamoClient,
  DynamoMediaRepository,
  DynamoRecordingRepository,
  DynamoSwitcherRepository,
} from "@visionstream/aws";
import { AwsVodAssembler } from "@visionstream/aws/mediaconvert/assembler";
import { S3ObjectStore } from "@visionstream/aws/s3/object-store";
import { S3UploadSigner } from "@visionstream/aws/s3/media-uploads";
import { AwsAccountInfrastructure, loadSigningKey } from "@visionstream/aws/account-infrastructure";
import { EventBridgePublisher } from "@visionstream/aws/eventbridge/event-publisher";
import { AwsLiveEngine } from "@visionstream/aws/medialive/live-engine";
import { AwsSwitcherEngine } from "@visionstream/aws/mediaconnect/switcher-engine";
import { EventBridgeSwitchScheduler } from "@visionstream/aws/scheduler/switch-scheduler";
import { ACCOUNT_CACHE_TTL_MS, Accounts, CachedAccountRepository, Channels, MediaLibrary, NotFound, Recordings, Switchers } from "@visionstream/core";
import { readAwsConfig } from "./config.ts";

/** The domain wired to AWS adapters, once per Lambda container. */
export function awsRuntime() {
  const config = readAwsConfig();
  const region = config.AWS_REGION;
  const prefix = config.VISIONSTREAM_RESOURCE_PREFIX;
  const dynamo = dynamoClient({ region });
  const documents = documentClient(dynamo);
  const repository = new CachedAccountRepository(new DynamoAccountRepository(documents, config.VISIONSTREAM_TABLE), { ttlMs: ACCOUNT_CACHE_TTL_MS });
  const publisher = new EventBridgePublisher({ client: new EventBridgeClient({ region }), busName: config.VISIONSTREAM_BUS });
  const secrets = new SecretsManagerClient({ region });
  const s3 = new S3Client({ region });
  const infrastructure = new AwsAccountInfrastructure({
    s3,
    cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    secrets,
    region,
    prefix,
  });
  const signer = new CloudFrontPlaybackSigner(async (accountId) => {
    const account = await repository.get(accountId);
    if (!account?.publicKeyId) throw new NotFound("signing key of account", accountId);
    const { privateKey } = await loadSigningKey(secrets, prefix, accountId);
    return { keyPairId: account.publicKeyId, privateKey };
  });
  const engine = new AwsLiveEngine({
    medialive: new MediaLiveClient({ region }),
    mediapackage: new MediaPackageClient({ region }),
    roleArn: config.VISIONSTREAM_MEDIALIVE_ROLE_ARN,
    prefix,
  });
  const channelRepository = new DynamoChannelRepository(documents, config.VISIONSTREAM_TABLE);
  const channels = Channels({
    channels: channelRepository,
    accounts: repository,
    engine,
    signer,
    idleStopAfterMs: config.VISIONSTREAM_IDLE_STOP_MINUTES * 60_000,
  });
  const recordings = Recordings({
    recordings: new DynamoRecordingRepository(documents, config.VISIONSTREAM_TABLE),
    channels: channelRepository,
    accounts: repository,
    assembler: new AwsVodAssembler({ mediaconvert: new MediaConvertClient({ region }), roleArn: config.VISIONSTREAM_MEDIACONVERT_ROLE_ARN }),
    store: new S3ObjectStore({ s3 }),
    signer,
  });
  const media = MediaLibrary({
    media: new DynamoMediaRepository(documents, config.VISIONSTREAM_TABLE),
    accounts: repository,
    store: new S3ObjectStore({ s3 }),
    // Presigned PUTs must not carry the SDK's default checksum of the empty body.
    uploads: new S3UploadSigner({ s3: new S3Client({ region, requestChecksumCalculation: "WHEN_REQUIRED" }) }),
    signer,
  });
  const switcherRepository = new DynamoSwitcherRepository(documents, config.VISIONSTREAM_TABLE);
  const mediaconnect = new Map<string, MediaConnectClient>();
  const mediaConnectIn = (flowRegion: string) => {
    // One attempt per SDK call: the engine retries throttling itself, within MediaConnect's rate.
    if (!mediaconnect.has(flowRegion)) mediaconnect.set(flowRegion, new MediaConnectClient({ region: flowRegion, maxAttempts: 1 }));
    return mediaconnect.get(flowRegion)!;
  };
  const switchers = Switchers({
    switchers: switcherRepository,
    accounts: repository,
    engine: new AwsSwitcherEngine({
      client: mediaConnectIn,
      architectureOf: async (switcherId) => (await switcherRepository.findById(switcherId))?.architecture,
    }),
    scheduler: new EventBridgeSwitchScheduler({
      client: new SchedulerClient({ region }),
      groupName: config.VISIONSTREAM_SWITCH_SCHEDULE_GROUP,
      targetArn: config.VISIONSTREAM_SCHEDULED_SWITCH_ARN,
      roleArn: config.VISIONSTREAM_SCHEDULER_ROLE_ARN,
    }),
    publisher,
    signer,
    store: new S3ObjectStore({ s3 }),
  });
  return {
    config,
    repository,
    accounts: Accounts({ repository, publisher, infrastructure }),
    channels,
    recordings,
    media,
    switchers,
    idempotency: { tableName: config.VISIONSTREAM_IDEMPOTENCY_TABLE, client: dynamo },
  };
}
