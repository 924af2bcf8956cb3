import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { readBroadcastSecret } from "@visionstream/aws/secrets/broadcast-secret";
import middy from "@middy/core";
import { handle } from "hono/aws-lambda";
import { createApi } from "./api/app.ts";
import { liveEngine } from "./aws-adapters/engine.ts";
import { vodAssembler } from "./aws-adapters/assembler.ts";
import { objectStore } from "./aws-adapters/store.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { uploadSigner } from "./aws-adapters/uploads.ts";
import { switcherEngine } from "./aws-adapters/switcher-engine.ts";
import { switchScheduler } from "./aws-adapters/scheduler.ts";
import { secretsClient } from "./aws-adapters/secrets-client.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { readApiConfig } from "./config.ts";
import { Authenticator } from "@visionstream/core";
import { logger } from "./logger.ts";

const config = readApiConfig();
const secrets = secretsClient(config.AWS_REGION);
// Read on the first broadcast request and kept for the container's life; a failed read is tried again on the next.
let broadcastKey: Promise<Buffer> | undefined;
const broadcastSecret = () =>
  (broadcastKey ??= readBroadcastSecret(secrets, config.VISIONSTREAM_BROADCAST_SECRET_ARN).catch((error: unknown) => {
    broadcastKey = undefined;
    throw error;
  }));
const { accounts, repository, channels, recordings, media, switchers, broadcasts } = awsRuntime("api", { engine: liveEngine, assembler: vodAssembler, store: objectStore, signer: playbackSigner, uploads: uploadSigner, switcherEngine, scheduler: switchScheduler }, { broadcastSecret });
const authenticator = Authenticator({ repository, adminToken: config.VISIONSTREAM_ADMIN_TOKEN });

export const handler = middy(handle(createApi({ accounts, authenticator, channels, recordings, media, switchers, broadcasts, whipBaseUrl: config.VISIONSTREAM_WHIP_URL, webBaseUrl: config.VISIONSTREAM_WEB_URL }))).use(
  injectLambdaContext(logger),
);
