import { readBroadcastSecret } from "@visionstream/aws/secrets/broadcast-secret";
import { readBroadcastConfig } from "../config.ts";
import { secretsClient } from "./secrets-client.ts";

/**
 * The broadcast tokens' key from Secrets Manager, for the API's functions with broadcast routes (api-routes.ts): read
 * on the first broadcast request and kept for the container's life; a failed read is tried again on the next.
 */
export function broadcastSecret(): () => Promise<Buffer> {
  const config = readBroadcastConfig();
  const secrets = secretsClient(config.AWS_REGION);
  let key: Promise<Buffer> | undefined;
  return () =>
    (key ??= readBroadcastSecret(secrets, config.VISIONSTREAM_BROADCAST_SECRET_ARN).catch((error: unknown) => {
      key = undefined;
      throw error;
    }));
}
