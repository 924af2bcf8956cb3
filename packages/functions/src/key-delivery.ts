import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoChannelRepository, documentClient, dynamoClient } from "@visionstream/aws";
import { readKeyServerSecret } from "@visionstream/aws/secrets/key-server-secret";
import { readKeyDeliveryConfig } from "./config.ts";
import { keyDelivery } from "./handlers/key-delivery.ts";

const config = readKeyDeliveryConfig();
const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
// Read on the first request and kept for the container's life; a failed read is tried again on the next request.
let secret: Promise<Buffer> | undefined;

/** Viewers' HLS AES-128 keys in AWS: a function URL (AWS_IAM) behind the account distributions' key behaviour. */
export const keyDeliveryHandler = keyDelivery({
  secret: () =>
    (secret ??= readKeyServerSecret(secrets, config.VISIONSTREAM_KEY_SERVER_SECRET_ARN).catch((error: unknown) => {
      secret = undefined;
      throw error;
    })),
  channels: new DynamoChannelRepository(documentClient(dynamoClient({ region: config.AWS_REGION })), config.VISIONSTREAM_TABLE),
  paths: { channelGroup: config.VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP, prefix: config.VISIONSTREAM_RESOURCE_PREFIX },
});
