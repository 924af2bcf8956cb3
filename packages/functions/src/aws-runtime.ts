import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { MediaConnectClient } from "@aws-sdk/client-mediaconnect";
import { MediaLiveClient } from "@aws-sdk/client-medialive";
import { MediaPackageV2Client } from "@aws-sdk/client-mediapackagev2";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CloudFrontPlaybackSigner, documentClient, dynamoClient } from "@visionstream/aws";
import { AwsVodAssembler } from "@visionstream/aws/mediaconvert/assembler";
import { S3ObjectStore } from "@visionstream/aws/s3/object-store";
import { S3UploadSigner } from "@visionstream/aws/s3/media-uploads";
import { AwsAccountInfrastructure, loadSigningKey } from "@visionstream/aws/account-infrastructure";
import { EventBridgePublisher } from "@visionstream/aws/eventbridge/event-publisher";
import { AwsLiveEngine } from "@visionstream/aws/medialive/live-engine";
import { AwsSwitcherEngine } from "@visionstream/aws/mediaconnect/switcher-engine";
import { regionalCloudWatch } from "@visionstream/aws/mediaconnect/switcher-health";
import { perRegion } from "@visionstream/aws/regional-clients";
import { EventBridgeSwitchScheduler } from "@visionstream/aws/scheduler/switch-scheduler";
import { NotFound } from "@visionstream/core";
import { readAwsConfig } from "./config.ts";
import { domain, type DomainOptions } from "./domain.ts";

/** The domain wired to AWS adapters, once per Lambda container. */
export function awsRuntime(options: Pick<DomainOptions, "broadcastSecret"> = {}) {
  const config = readAwsConfig();
  const region = config.AWS_REGION;
  const prefix = config.VISIONSTREAM_RESOURCE_PREFIX;
  const dynamo = dynamoClient({ region });
  const secrets = new SecretsManagerClient({ region });
  const s3 = new S3Client({ region });
  // One attempt per SDK call: the engine retries throttling itself, within MediaConnect's rate.
  const mediaConnectIn = perRegion((flowRegion) => new MediaConnectClient({ region: flowRegion, maxAttempts: 1 }));
  const wired = domain(
    documentClient(dynamo),
    config.VISIONSTREAM_TABLE,
    (repositories) => ({
      publisher: new EventBridgePublisher({ client: new EventBridgeClient({ region }), busName: config.VISIONSTREAM_BUS }),
      infrastructure: new AwsAccountInfrastructure({
        s3,
        cloudfront: new CloudFrontClient({ region: "us-east-1" }),
        secrets,
        region,
        prefix,
        originAccessControls: { s3: config.VISIONSTREAM_S3_OAC_ID, mediaPackage: config.VISIONSTREAM_MEDIAPACKAGE_OAC_ID },
        mediaPackage: { channelGroup: config.VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP, egressDomain: config.VISIONSTREAM_MEDIAPACKAGE_EGRESS_DOMAIN },
        keyDelivery: { domain: config.VISIONSTREAM_KEY_DELIVERY_DOMAIN, originAccessControl: config.VISIONSTREAM_KEY_DELIVERY_OAC_ID },
      }),
      signer: new CloudFrontPlaybackSigner(async (accountId) => {
        const account = await repositories.accounts.get(accountId);
        if (!account?.publicKeyId) throw new NotFound("signing key of account", accountId);
        const { privateKey } = await loadSigningKey(secrets, prefix, accountId);
        return { keyPairId: account.publicKeyId, privateKey };
      }),
      engine: new AwsLiveEngine({
        medialive: new MediaLiveClient({ region }),
        mediapackage: new MediaPackageV2Client({ region }),
        secrets,
        roleArn: config.VISIONSTREAM_MEDIALIVE_ROLE_ARN,
        prefix,
        channelGroup: config.VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP,
        keyServer: { url: config.VISIONSTREAM_SPEKE_URL, roleArn: config.VISIONSTREAM_SPEKE_ROLE_ARN },
      }),
      assembler: new AwsVodAssembler({ mediaconvert: new MediaConvertClient({ region }), roleArn: config.VISIONSTREAM_MEDIACONVERT_ROLE_ARN }),
      store: new S3ObjectStore({ s3 }),
      // Presigned PUTs must not carry the SDK's default checksum of the empty body.
      uploads: new S3UploadSigner({ s3: new S3Client({ region, requestChecksumCalculation: "WHEN_REQUIRED" }) }),
      switcherEngine: new AwsSwitcherEngine({
        client: mediaConnectIn,
        architectureOf: async (switcherId) => (await repositories.switchers.findById(switcherId))?.architecture,
        // Every container of every switcher function counts against one MediaConnect rate and one debounce per bus.
        sharedLimits: { client: documentClient(dynamo), tableName: config.VISIONSTREAM_TABLE },
        // The ingests' bit rates, from CloudWatch in each ingest's region.
        metrics: regionalCloudWatch(),
      }),
      scheduler: new EventBridgeSwitchScheduler({
        client: new SchedulerClient({ region }),
        groupName: config.VISIONSTREAM_SWITCH_SCHEDULE_GROUP,
        targetArn: config.VISIONSTREAM_SCHEDULED_SWITCH_ARN,
        roleArn: config.VISIONSTREAM_SCHEDULER_ROLE_ARN,
      }),
    }),
    { idleStopAfterMs: config.VISIONSTREAM_IDLE_STOP_MINUTES * 60_000, ...options },
  );
  return { config, ...wired, idempotency: { tableName: config.VISIONSTREAM_IDEMPOTENCY_TABLE, client: dynamo } };
}
