import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { MediaLiveClient } from "@aws-sdk/client-medialive";
import { MediaPackageClient } from "@aws-sdk/client-mediapackage";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  CloudFrontPlaybackSigner,
  documentClient,
  DynamoAccountRepository,
  DynamoChannelRepository,
  dynamoClient,
} from "@visionstream/aws";
import { AwsAccountInfrastructure, loadSigningKey } from "@visionstream/aws/account-infrastructure";
import { EventBridgePublisher } from "@visionstream/aws/event-publisher";
import { AwsLiveEngine } from "@visionstream/aws/medialive/live-engine";
import { Accounts, Channels, NotFound } from "@visionstream/core";
import { readAwsConfig } from "./config.ts";

/** The domain wired to AWS adapters, once per Lambda container. */
export function awsRuntime() {
  const config = readAwsConfig();
  const region = config.AWS_REGION;
  const prefix = config.VISIONSTREAM_RESOURCE_PREFIX;
  const documents = documentClient(dynamoClient({ region }));
  const repository = new DynamoAccountRepository(documents, config.VISIONSTREAM_TABLE);
  const publisher = new EventBridgePublisher({ client: new EventBridgeClient({ region }), busName: config.VISIONSTREAM_BUS });
  const secrets = new SecretsManagerClient({ region });
  const infrastructure = new AwsAccountInfrastructure({
    s3: new S3Client({ region }),
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
  const channels = Channels({
    channels: new DynamoChannelRepository(documents, config.VISIONSTREAM_TABLE),
    accounts: repository,
    engine,
    signer,
    idleStopAfterMs: config.VISIONSTREAM_IDLE_STOP_MINUTES * 60_000,
  });
  return { config, repository, accounts: Accounts({ repository, publisher, infrastructure }), channels };
}
