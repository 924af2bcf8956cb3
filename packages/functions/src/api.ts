import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { handle } from "hono/aws-lambda";
import { createApi } from "./api/app.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { readApiConfig } from "./config.ts";
import { Authenticator } from "@visionstream/core";
import { logger } from "./logger.ts";

const { accounts, repository, channels, recordings, media, switchers } = awsRuntime();
const config = readApiConfig();
const authenticator = Authenticator({ repository, adminToken: config.VISIONSTREAM_ADMIN_TOKEN });

export const handler = middy(handle(createApi({ accounts, authenticator, channels, recordings, media, switchers, webBaseUrl: config.VISIONSTREAM_WEB_URL }))).use(
  injectLambdaContext(logger),
);
