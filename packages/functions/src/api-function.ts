import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { readBroadcastSecret } from "@visionstream/aws/secrets/broadcast-secret";
import { Authenticator } from "@visionstream/core";
import { handle } from "hono/aws-lambda";
import { createApi } from "./api/app.ts";
import type { ApiFunctionName } from "./api-routes.ts";
import { secretsClient } from "./aws-adapters/secrets-client.ts";
import { awsRuntime, type FunctionWiring, type OnlyGranted } from "./aws-runtime.ts";
import { readApiConfig } from "./config.ts";
import { logger } from "./logger.ts";

/**
 * One of the API's functions (api-routes.ts): the whole app over the domain, wired with the adapters of its routes
 * (FunctionAdapters); the gateway sends it those routes only.
 */
export function apiFunction<N extends ApiFunctionName, W extends FunctionWiring<N>>(name: N, wiring: OnlyGranted<N, W>) {
  const config = readApiConfig();
  const secrets = secretsClient(config.AWS_REGION);
  // Read on the first broadcast request and kept for the container's life; a failed read is tried again on the next.
  let broadcastKey: Promise<Buffer> | undefined;
  const broadcastSecret = () =>
    (broadcastKey ??= readBroadcastSecret(secrets, config.VISIONSTREAM_BROADCAST_SECRET_ARN).catch((error: unknown) => {
      broadcastKey = undefined;
      throw error;
    }));
  const { accounts, repository, channels, recordings, media, switchers, broadcasts } = awsRuntime(name, wiring, { broadcastSecret });
  const authenticator = Authenticator({ repository, adminToken: config.VISIONSTREAM_ADMIN_TOKEN });
  const api = createApi({ accounts, authenticator, channels, recordings, media, switchers, broadcasts, whipBaseUrl: config.VISIONSTREAM_WHIP_URL, webBaseUrl: config.VISIONSTREAM_WEB_URL });
  return middy(handle(api)).use(injectLambdaContext(logger));
}
