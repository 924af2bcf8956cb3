import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { handle } from "hono/aws-lambda";
import { createApi } from "./api/app.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { logger } from "./logger.ts";

export const handler = middy(handle(createApi(awsRuntime()))).use(injectLambdaContext(logger));
