import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { Authenticator } from "@visionstream/core";
import { handle } from "hono/aws-lambda";
import { type RouteGroup, routedApp } from "./api/routed-app.ts";
import { type ApiFunctionName, type BroadcastApiFunctionName, routedTo } from "./api-routes.ts";
import { awsRuntime, type FunctionWiring, type OnlyGranted } from "./aws-runtime.ts";
import { readApiConfig } from "./config.ts";
import { logger } from "./logger.ts";

/** The broadcast tokens' key (aws-adapters/broadcast-secret.ts), handed to the functions with broadcast routes and no other. */
type Broadcasting<N extends ApiFunctionName> = N extends BroadcastApiFunctionName ? [options: { broadcastSecret: () => Promise<Buffer> }] : [];

/**
 * One of the API's functions (api-routes.ts): the app of the routes the gateway sends it, out of the route modules its
 * entry file bundles (`routes`), over the domain wired with the adapters of those routes (FunctionAdapters).
 */
export function apiFunction<N extends ApiFunctionName, W extends FunctionWiring<N>>(name: N, routes: readonly RouteGroup[], wiring: OnlyGranted<N, W>, ...[options]: Broadcasting<N>) {
  const config = readApiConfig();
  const { accounts, repository, channels, recordings, media, switchers, broadcasts } = awsRuntime(name, wiring, options ?? {});
  const authenticator = Authenticator({ repository, adminToken: config.VISIONSTREAM_ADMIN_TOKEN });
  const deps = { accounts, authenticator, channels, recordings, media, switchers, broadcasts, whipBaseUrl: config.VISIONSTREAM_WHIP_URL, webBaseUrl: config.VISIONSTREAM_WEB_URL };
  const api = routedApp(deps, routes, routedTo(name));
  return middy(handle(api)).use(injectLambdaContext(logger));
}
