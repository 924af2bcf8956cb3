import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsKeyUri } from "@visionstream/aws/mediapackage/key-paths";
import { readKeyServerSecret } from "@visionstream/aws/secrets/key-server-secret";
import { readKeyServerConfig } from "./config.ts";
import { spekeKeyServer } from "./handlers/key-server.ts";

const config = readKeyServerConfig();
const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
const packaging = { channelGroup: config.VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP, prefix: config.VISIONSTREAM_RESOURCE_PREFIX };
// Read on the first request and kept for the container's life; a failed read is tried again on the next request.
let secret: Promise<Buffer> | undefined;

/** SPEKE v2 for MediaPackage v2: API Gateway REST API, POST, AWS_IAM authorisation. */
export const spekeHandler = spekeKeyServer({
  secret: () =>
    (secret ??= readKeyServerSecret(secrets, config.VISIONSTREAM_KEY_SERVER_SECRET_ARN).catch((error: unknown) => {
      secret = undefined;
      throw error;
    })),
  // Root-relative, under the channel's MediaPackage path that the playback grant signs: they resolve against whichever
  // account distribution served the playlist.
  keyUrls: {
    key: (channelId, kid) => awsKeyUri(packaging, channelId, kid),
    clearKeyLicense: (channelId) => `/out/v1/${packaging.channelGroup}/${packaging.prefix}-${channelId}/keys/clearkey`,
  },
});
