import { randomUUID } from "node:crypto";
import { sameSecret } from "@visionstream/core";
import type { SpekeKeyUrls } from "@visionstream/core/keys/speke";
import { spekeKeyServer } from "@visionstream/functions/handlers/key-server";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { Hono } from "hono";
import type { LocalLayout } from "./account-infrastructure.ts";
import { LOCAL_AWS_ACCOUNT } from "./eventbridge/bus.ts";
import { lambdaContext } from "./lambda-context.ts";
import { keyServerSecret } from "./secrets/key-server-secret.ts";

export const SPEKE_PATH = "/speke/v2";
/** Who the operator's token stands for, where API Gateway would name the IAM principal that signed the request. */
export const LOCAL_SPEKE_CALLER = `arn:aws:iam::${LOCAL_AWS_ACCOUNT}:user/visionstream-operator`;

/**
 * Key URIs as the local layout serves them (live/<ch>/keys/<kid>, answered by the local CDN), relative to where they
 * are written: media playlists sit in live/<ch>/<rendition>/ and the DASH manifest in live/<ch>/cmaf/, the
 * multivariant playlist in live/<ch>/. Relative, because the key server knows the channel but not its account's CDN.
 */
export const LOCAL_KEY_URLS: SpekeKeyUrls = {
  key: (_channelId, kid, playlist) => (playlist === "media" ? `../keys/${kid}` : `keys/${kid}`),
  clearKeyLicense: () => "../keys/clearkey",
};

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];

/**
 * `POST /speke/v2`: the AWS key server's very handler, behind a stand-in for API Gateway's IAM authorisation (the
 * operator's admin token, as a Bearer token). Without it the event carries no IAM identity and the handler answers 403.
 */
export function localKeyServer(options: { layout: LocalLayout; adminToken: string }): Hono {
  const handler = spekeKeyServer({ secret: () => keyServerSecret(options.layout), keyUrls: LOCAL_KEY_URLS });
  const app = new Hono();
  app.post(SPEKE_PATH, async (c) => {
    const token = bearer(c.req.header("authorization"));
    const authorised = token !== undefined && sameSecret(token, options.adminToken);
    const event = {
      resource: SPEKE_PATH,
      path: SPEKE_PATH,
      httpMethod: "POST",
      headers: c.req.header(),
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: await c.req.text(),
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_AWS_ACCOUNT,
        apiId: "local",
        stage: "local",
        requestId: randomUUID(),
        httpMethod: "POST",
        path: SPEKE_PATH,
        resourcePath: SPEKE_PATH,
        protocol: "HTTP/1.1",
        requestTimeEpoch: Date.now(),
        identity: { userArn: authorised ? LOCAL_SPEKE_CALLER : null, accountId: authorised ? LOCAL_AWS_ACCOUNT : null, sourceIp: "127.0.0.1" },
      },
    } as unknown as APIGatewayProxyEvent;
    const result = (await handler(event, lambdaContext("spekeHandler"))) as APIGatewayProxyResult;
    const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
    return new Response(body, { status: result.statusCode, headers });
  });
  return app;
}

