import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { KEY_DELIVERY_ACCOUNT_HEADER, parseAwsKeyPath, type AwsKeyPathOptions } from "@visionstream/aws/mediapackage/key-paths";
import { AccountId, type ChannelRepository } from "@visionstream/core";
import { contentKey } from "@visionstream/core/keys/content-keys";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { logger } from "../logger.ts";

/** The account whose distribution forwarded the request (its key origin's custom header). */
export const ACCOUNT_HEADER = KEY_DELIVERY_ACCOUNT_HEADER;

export interface KeyDeliveryDependencies {
  /** The key server's 32-byte secret, read once per container by the caller. */
  secret: () => Promise<Buffer>;
  channels: Pick<ChannelRepository, "get">;
  paths: AwsKeyPathOptions;
}

const answer = (statusCode: number, body: string): LambdaFunctionURLResult => ({
  statusCode,
  headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  body,
});

/**
 * AWS's viewer key delivery for HLS AES-128 (MediaPackage's CLEAR_KEY_AES_128): GET <playback root>/keys/<kid> gives the
 * 16 key bytes. It runs behind a function URL with AWS_IAM auth that only the stage's distributions reach, through an
 * origin access control and a behaviour that checks the viewer's playback grant; here it also checks that the channel is
 * an encrypted channel of the distribution's own account. Never logs a key.
 */
export function keyDelivery(deps: KeyDeliveryDependencies) {
  async function deliver(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
    const method = event.requestContext?.http?.method ?? "";
    if (method !== "GET" && method !== "HEAD") return answer(405, "GET a key");
    const account = AccountId.safeParse(event.headers?.[ACCOUNT_HEADER]);
    if (!account.success) return answer(403, "keys are served through an account's distribution only");
    const asked = parseAwsKeyPath(event.rawPath ?? "", deps.paths);
    if (!asked) return answer(404, "no such key");
    const channel = await deps.channels.get(account.data, asked.channelId);
    // Another account's channel, a deleted one or a clear one: no key, and nothing said about which.
    if (!channel || channel.state === "DELETED" || !channel.encryption) return answer(404, "no such key");
    const { key } = contentKey(await deps.secret(), asked.channelId, asked.kid);
    logger.info("key delivered", { accountId: account.data, channelId: asked.channelId, kid: asked.kid });
    return {
      statusCode: 200,
      headers: { "content-type": "application/octet-stream", "cache-control": "no-store" },
      body: method === "HEAD" ? "" : key.toString("base64"),
      isBase64Encoded: true,
    };
  }
  return middy<LambdaFunctionURLEvent, LambdaFunctionURLResult>().use(injectLambdaContext(logger)).handler(deliver);
}
