import { readFileSync } from "node:fs";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { newId } from "@visionstream/core";
import { contentKey } from "@visionstream/core/keys/content-keys";
import { answeredKeys, spekeContentId, type SpekeKeyUrls } from "@visionstream/core/keys/speke";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MissingConfiguration } from "./config.ts";
import { spekeKeyServer } from "./handlers/key-server.ts";
import { logger } from "./logger.ts";

const context = { functionName: "key-server", awsRequestId: "r", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
/** The request MediaPackage v2 sends for an HLS-TS endpoint with CLEAR_KEY_AES_128 (see the fixture's comment). */
const fixture = readFileSync(new URL("../../core/src/keys/testdata/mediapackage-ts-clearkey-aes128.xml", import.meta.url), "utf8");
const FIXTURE_CONTENT_ID = 'contentId="ch-0123456789abcdef_ts"';
const KIDS = ["855d075df81741329651ebcf3909b3ac", "bbb7f218f39b497fbc7691f81c8c9a8f"];
const secret = Buffer.from(Array.from({ length: 32 }, (_, index) => index * 7));
const MEDIAPACKAGE_ROLE = "arn:aws:sts::111122223333:assumed-role/visionstream-speke-caller/MediaPackage";
const encrypted = newId("channel");
const another = newId("channel");
const keyUrls: SpekeKeyUrls = {
  key: (channelId, kid) => `https://d111.cloudfront.test/live/${channelId}/keys/${kid}`,
  clearKeyLicense: (channelId) => `https://d111.cloudfront.test/live/${channelId}/keys/clearkey`,
};

/** The event API Gateway (REST API, AWS_IAM authorisation) hands the function for MediaPackage's signed POST. */
function spekeEvent(body: string, changes: { headers?: Record<string, string>; userArn?: string | null; method?: string; base64?: boolean } = {}): APIGatewayProxyEvent {
  return {
    resource: "/copyProtection",
    path: "/copyProtection",
    httpMethod: changes.method ?? "POST",
    headers: changes.headers ?? { "Content-Type": "application/xml", "X-Speke-Version": "2.0" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: changes.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: changes.base64 ?? false,
    requestContext: {
      identity:
        changes.userArn === undefined
          ? { userArn: MEDIAPACKAGE_ROLE, caller: "AROAEXAMPLE:MediaPackage", accountId: "111122223333" }
          : { userArn: changes.userArn, caller: null, accountId: null },
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

const requestFor = (channelId: string, endpoint = "ts") => fixture.replace(FIXTURE_CONTENT_ID, `contentId="${spekeContentId(channelId, endpoint)}"`);
const keyOf = (channelId: string, kid: string) => contentKey(secret, channelId, kid).key;

describe("the SPEKE key server", () => {
  const handler = spekeKeyServer({ secret: async () => secret, keyUrls });
  const call = (event: APIGatewayProxyEvent) => handler(event, context) as Promise<APIGatewayProxyResult>;

  it("answers MediaPackage's request with the channel's keys for exactly the asked KIDs, with the runtime's key URIs", async () => {
    const response = await call(spekeEvent(requestFor(encrypted)));

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "Content-Type": "application/xml", "X-Speke-Version": "2.0", "X-Speke-User-Agent": "VisionStream key server" });
    const keys = answeredKeys(response.body);
    expect([...keys.keys()]).toEqual(KIDS);
    for (const kid of KIDS) expect(keys.get(kid)!.equals(keyOf(encrypted, kid))).toBe(true);
    const media = Buffer.from(/<cpix:HLSSignalingData playlist="media">([^<]+)</.exec(response.body)![1]!, "base64").toString();
    expect(media).toBe(`#EXT-X-KEY:METHOD=AES-128,URI="https://d111.cloudfront.test/live/${encrypted}/keys/${KIDS[0]}"`);
  });

  it("reads a base64-encoded body, as API Gateway passes binary media types", async () => {
    const response = await call(spekeEvent(requestFor(encrypted), { base64: true }));

    expect(response.statusCode).toBe(200);
    expect(answeredKeys(response.body).get(KIDS[0]!)!.equals(keyOf(encrypted, KIDS[0]!))).toBe(true);
  });

  it("gives the same keys to the same request twice, and to another endpoint of the channel", async () => {
    const first = await call(spekeEvent(requestFor(encrypted)));
    const again = await call(spekeEvent(requestFor(encrypted)));
    const cmafEndpoint = await call(spekeEvent(requestFor(encrypted, "cmaf")));

    expect(again.body).toBe(first.body);
    expect([...answeredKeys(cmafEndpoint.body)]).toEqual([...answeredKeys(first.body)]);
  });

  it("gives two channels different keys for the same KIDs", async () => {
    const mine = answeredKeys((await call(spekeEvent(requestFor(encrypted)))).body);
    const theirs = answeredKeys((await call(spekeEvent(requestFor(another)))).body);

    expect([...theirs.keys()]).toEqual(KIDS);
    for (const kid of KIDS) expect(theirs.get(kid)!.equals(mine.get(kid)!)).toBe(false);
  });

  it.each([
    ["no IAM identity", null],
    ["an empty caller ARN", ""],
  ])("refuses a request with %s: 403 and no key", async (_case, userArn) => {
    const response = await call(spekeEvent(requestFor(encrypted), { userArn }));

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatch(/not IAM-authorised/);
    expect(response.body).not.toContain("PlainValue");
  });

  it.each([
    ["malformed XML", () => requestFor(encrypted).replace("</cpix:ContentKeyList>", ""), { "X-Speke-Version": "2.0" }, 400, /not well-formed XML/],
    ["no X-Speke-Version", () => requestFor(encrypted), { "Content-Type": "application/xml" }, 400, /Missing X-Speke-Version/],
    ["a wrong X-Speke-Version", () => requestFor(encrypted), { "x-speke-version": "1.0" }, 422, /Unsupported SPEKE version "1.0"/],
    ["a content id of another shape", () => fixture.replace(FIXTURE_CONTENT_ID, 'contentId="abc123"'), { "X-Speke-Version": "2.0" }, 422, /CPIX@contentId "abc123" is not <channelId>/],
    ["a bad KID", () => requestFor(encrypted).replace('kid="855d075d-f817-4132-9651-ebcf3909b3ac" commonEncryptionScheme', 'kid="855d075d" commonEncryptionScheme'), { "X-Speke-Version": "2.0" }, 422, /ContentKey@kid "855d075d" is not a UUID/],
    ["no ContentKeyList", () => requestFor(encrypted).replace(/<cpix:ContentKeyList>[\s\S]*<\/cpix:ContentKeyList>/, ""), { "X-Speke-Version": "2.0" }, 422, /Missing ContentKeyList/],
  ])("refuses %s with a message naming what is wrong", async (_case, body, headers, status, message) => {
    const response = await call(spekeEvent(body(), { headers }));

    expect(response.statusCode).toBe(status);
    expect(response.body).toMatch(message);
    expect(response.headers).toMatchObject({ "X-Speke-User-Agent": "VisionStream key server" });
  });

  it("answers only POST", async () => {
    const response = await call(spekeEvent("", { method: "GET" }));

    expect(response.statusCode).toBe(405);
  });

  it("answers 500 without details when its secret cannot be read", async () => {
    const failing = spekeKeyServer({ secret: () => Promise.reject(new Error("AccessDeniedException: not allowed")), keyUrls });

    const response = (await failing(spekeEvent(requestFor(encrypted)), context)) as APIGatewayProxyResult;

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("AccessDenied");
  });

  it("never writes a key to its log", async () => {
    // Every line the handler logs, whatever the level the tests run at (injectLambdaContext resets it per call).
    const written: string[] = [];
    const spies = (["debug", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        written.push(JSON.stringify(args));
      }),
    );
    try {
      await call(spekeEvent(requestFor(encrypted)));
      await call(spekeEvent(requestFor(encrypted).replace('commonEncryptionScheme="cbc1"', 'commonEncryptionScheme="cenc"')));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    const log = written.join("\n");
    expect(log).toContain("SPEKE request refused");
    expect(log).toContain("SPEKE request answered");
    for (const kid of KIDS) {
      const key = keyOf(encrypted, kid);
      for (const text of [key.toString("base64"), key.toString("hex"), key.toString("base64url")]) expect(log).not.toContain(text);
    }
    expect(log).not.toContain(secret.toString("base64"));
  });
});

describe("the key server's Lambda entry", () => {
  const secrets = mockClient(SecretsManagerClient);
  const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:visionstream-test/key-server-AbCdEf";

  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("VISIONSTREAM_RESOURCE_PREFIX", "vs-test");
    vi.stubEnv("VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP", "visionstream-test");
    vi.stubEnv("VISIONSTREAM_KEY_SERVER_SECRET_ARN", secretArn);
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    secrets.restore();
  });

  it("fails at start naming the missing setting", async () => {
    vi.stubEnv("VISIONSTREAM_KEY_SERVER_SECRET_ARN", "");

    const failure = await import("./key-server.ts").catch((error: unknown) => error);

    // A module of its own after resetModules: the class is another instance, the name is the same.
    expect((failure as Error).name).toBe(new MissingConfiguration("").name);
    expect((failure as Error).message).toContain("VISIONSTREAM_KEY_SERVER_SECRET_ARN");
  });

  it("reads its secret from Secrets Manager once, and answers key URIs under the channel's MediaPackage path", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: secret.toString("base64url") });
    const { spekeHandler } = await import("./key-server.ts");

    const first = (await spekeHandler(spekeEvent(requestFor(encrypted)), context)) as APIGatewayProxyResult;
    const second = (await spekeHandler(spekeEvent(requestFor(encrypted)), context)) as APIGatewayProxyResult;

    expect(first.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(answeredKeys(first.body).get(KIDS[1]!)!.equals(keyOf(encrypted, KIDS[1]!))).toBe(true);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    const uri = Buffer.from(/<cpix:URIExtXKey>([^<]+)</.exec(first.body)![1]!, "base64").toString();
    expect(uri).toBe(`/out/v1/visionstream-test/vs-test-${encrypted}/keys/${KIDS[0]}`);
  });
});
