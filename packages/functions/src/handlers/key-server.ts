import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { answerSpekeRequest, parseSpekeRequest, SPEKE_USER_AGENT, type SpekeKeyUrls, SpekeRequestInvalid } from "@visionstream/core/keys/speke";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod";
import { logger } from "../logger.ts";

export interface KeyServerDependencies {
  /** The key server's 32-byte secret, read once per container by the caller. */
  secret: () => Promise<Buffer>;
  /** Where the runtime's CDN serves the channel's keys; the URIs go into the playlists and manifests as they are. */
  keyUrls: SpekeKeyUrls;
}

/** What the handler reads of API Gateway's REST (v1) proxy event; everything else is ignored. */
const SpekeEvent = z.object({
  httpMethod: z.string(),
  headers: z.record(z.string(), z.string().optional()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
  requestContext: z.object({
    // Set by API Gateway only after it has checked the caller's SigV4 signature (AWS_IAM authorisation).
    identity: z.object({ userArn: z.string().nullish(), caller: z.string().nullish() }).nullish(),
  }),
});

class Refused extends Error {
  override name = "Refused";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const header = (headers: Record<string, string | undefined> | null | undefined, name: string) =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

function failure(status: number, message: string, spekeVersion: string | undefined): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Speke-User-Agent": SPEKE_USER_AGENT, ...(spekeVersion ? { "X-Speke-Version": spekeVersion } : {}) },
    body: message,
  };
}

/**
 * The SPEKE v2 key server behind API Gateway (REST API, AWS_IAM): CPIX in, the channel's content keys out. Thin: parse,
 * answer. Keys are derived from the channel id, so nothing is looked up; the IAM-authorised caller (MediaPackage's
 * role) is the only one let through. Never logs a key.
 */
export function spekeKeyServer(deps: KeyServerDependencies) {
  async function answer(raw: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const parsed = SpekeEvent.safeParse(raw);
    if (!parsed.success) return failure(400, "not an API Gateway proxy event", undefined);
    const event = parsed.data;
    const spekeVersion = header(event.headers, "x-speke-version")?.trim() || undefined;
    try {
      const caller = event.requestContext.identity?.userArn || event.requestContext.identity?.caller;
      if (!caller)
        throw new Refused(403, "the request is not IAM-authorised: the key server answers SigV4-signed calls through API Gateway (AWS_IAM) only");
      if (event.httpMethod !== "POST") throw new Refused(405, `${event.httpMethod} is not SPEKE: POST a CPIX document`);
      const body = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
      const request = parseSpekeRequest(body, spekeVersion);
      const answered = answerSpekeRequest(request, await deps.secret(), deps.keyUrls);
      logger.info("SPEKE request answered", {
        contentId: request.contentId,
        spekeVersion: request.spekeVersion,
        kids: answered.kids,
        systemIds: [...new Set(request.drmSystems.map((system) => system.systemId))],
        caller,
      });
      return { statusCode: 200, headers: answered.headers, body: answered.body };
    } catch (error) {
      if (error instanceof SpekeRequestInvalid || error instanceof Refused) {
        logger.warn("SPEKE request refused", { status: error.status, reason: error.message, ...(error instanceof SpekeRequestInvalid ? { field: error.field } : {}) });
        return failure(error.status, error.message, spekeVersion);
      }
      logger.error("SPEKE request failed", { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
      return failure(500, "the key server could not answer; try again", spekeVersion);
    }
  }
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>().use(injectLambdaContext(logger)).handler(answer);
}
