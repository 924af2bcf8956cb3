import type { AddressInfo } from "node:net";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { documentClient, DynamoAccountRepository, dynamoClient, ensureTables } from "@visionstream/aws";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_FUNCTIONS, type ApiFunctionName, routedTo } from "./api-routes.ts";
import { MissingConfiguration, readApiConfig, readAwsConfig, readBroadcastConfig } from "./config.ts";

const ADMIN = "lambda-test-admin-token";
const server = dynalite({ createTableMs: 0 });
const eventBridge = mockClient(EventBridgeClient);
const s3 = mockClient(S3Client);
const context = { functionName: "test", awsRequestId: "req-1", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

type HttpEvent = Parameters<Awaited<typeof import("./api.ts")>["handler"]>[0];

function httpEvent(method: string, path: string, body?: unknown): HttpEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", host: "api.example.com" },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: "r",
      routeKey: "$default",
      stage: "$default",
      time: "22/Nov/2026:12:00:00 +0000",
      timeEpoch: 0,
      authentication: null,
      authorizer: {},
    },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    VISIONSTREAM_TABLE: "visionstream-lambda-test",
    VISIONSTREAM_IDEMPOTENCY_TABLE: "visionstream-lambda-idempotency",
    VISIONSTREAM_BUS: "visionstream-test-bus",
    VISIONSTREAM_RESOURCE_PREFIX: "visionstream-test",
    VISIONSTREAM_ADMIN_TOKEN: ADMIN,
    VISIONSTREAM_MEDIALIVE_ROLE_ARN: "arn:aws:iam::123456789012:role/visionstream-test-medialive",
    VISIONSTREAM_MEDIACONVERT_ROLE_ARN: "arn:aws:iam::123456789012:role/visionstream-test-mediaconvert",
    VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP: "visionstream-test",
    VISIONSTREAM_MEDIAPACKAGE_EGRESS_DOMAIN: "abcde.egress.mediapackagev2.eu-west-1.amazonaws.com",
    VISIONSTREAM_S3_OAC_ID: "E2S3OAC0000000",
    VISIONSTREAM_MEDIAPACKAGE_OAC_ID: "E2MPOAC0000000",
    VISIONSTREAM_SPEKE_URL: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/test/copyProtection",
    VISIONSTREAM_SPEKE_ROLE_ARN: "arn:aws:iam::123456789012:role/visionstream-test-key-server",
    VISIONSTREAM_KEY_DELIVERY_DOMAIN: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws",
    VISIONSTREAM_KEY_DELIVERY_OAC_ID: "E2KEYOAC000000",
    VISIONSTREAM_WEB_URL: "https://d2web000000000.cloudfront.net",
    VISIONSTREAM_WHIP_URL: "https://d2whip00000000.cloudfront.net",
    VISIONSTREAM_BROADCAST_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:visionstream-test/broadcast-AbCdEf",
    VISIONSTREAM_SWITCH_SCHEDULE_GROUP: "visionstream-test-switchers",
    VISIONSTREAM_SCHEDULED_SWITCH_ARN: "arn:aws:lambda:eu-west-1:123456789012:function:visionstream-test-scheduled-switch",
    VISIONSTREAM_SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/visionstream-test-scheduler",
  });
  await ensureTables(dynamoClient({ region: "eu-west-1", endpoint }), {
    table: "visionstream-lambda-test",
    idempotencyTable: "visionstream-lambda-idempotency",
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("configuration", () => {
  it("names every missing value", () => {
    expect(() => readAwsConfig({ AWS_REGION: "eu-west-1" })).toThrow(MissingConfiguration);
    expect(() => readAwsConfig({ AWS_REGION: "eu-west-1" })).toThrow(/VISIONSTREAM_TABLE.*VISIONSTREAM_IDEMPOTENCY_TABLE.*VISIONSTREAM_BUS/);
    expect(() => readApiConfig({ ...process.env, VISIONSTREAM_ADMIN_TOKEN: undefined })).toThrow(/VISIONSTREAM_ADMIN_TOKEN/);
  });

  it("asks the broadcast key's ARN only of the API's functions with broadcast routes", () => {
    const withoutKey = { ...process.env, VISIONSTREAM_BROADCAST_SECRET_ARN: undefined };

    expect(readApiConfig(withoutKey).VISIONSTREAM_WHIP_URL).toBe("https://d2whip00000000.cloudfront.net");
    expect(() => readBroadcastConfig(withoutKey)).toThrow(/VISIONSTREAM_BROADCAST_SECRET_ARN/);
  });
});

describe("the Lambda entry points, on DynamoDB (dynalite) with EventBridge and S3 mocked", () => {
  it("the API function creates an account and puts AccountCreated on the bus; the provisioning function records a failure", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    s3.on(CreateBucketCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    const { handler: api } = await import("./api.ts");
    const { handler: provision } = await import("./provision-account.ts");

    const health = await api(httpEvent("GET", "/health"), context);
    const created = await api(httpEvent("POST", "/accounts", { name: "lambda" }), context);
    const invalid = await api(httpEvent("POST", "/accounts", { name: 7 }), context);
    const { account } = JSON.parse((created as { body: string }).body) as { account: { id: string } };

    expect(health).toMatchObject({ statusCode: 200 });
    expect(created).toMatchObject({ statusCode: 201 });
    expect(invalid).toMatchObject({ statusCode: 400 });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: "visionstream-test-bus",
          Source: "visionstream",
          DetailType: "AccountCreated",
          Detail: JSON.stringify({ accountId: account.id, name: "lambda" }),
        },
      ],
    });

    await provision(
      {
        version: "0",
        id: "9d7f6a2b-0000-4000-8000-000000000001",
        "detail-type": "AccountCreated",
        source: "visionstream",
        account: "123456789012",
        time: "2026-11-22T12:00:00Z",
        region: "eu-west-1",
        resources: [],
        detail: { accountId: account.id, name: "lambda" },
      },
      context,
    );

    const repository = new DynamoAccountRepository(
      documentClient(dynamoClient({ region: "eu-west-1", endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB })),
      "visionstream-lambda-test",
    );
    const stored = await repository.get(account.id);
    expect(stored).toMatchObject({ status: "FAILED", failureReason: expect.stringContaining("Access Denied") });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: "AccountProvisioningFailed" })],
    });
  });

  it("each of the API's functions starts from its entry file, serves the routes the gateway sends it and answers any other 404", async () => {
    const entries = {
      api: import("./api.ts"),
      apiChannels: import("./api-channels.ts"),
      apiLiveEngine: import("./api-live-engine.ts"),
      apiRecordings: import("./api-recordings.ts"),
      apiMedia: import("./api-media.ts"),
      apiSwitchers: import("./api-switchers.ts"),
    } satisfies Record<ApiFunctionName, unknown>;
    const request = async (name: ApiFunctionName, method: string, path: string) => {
      const { statusCode, body } = await (await entries[name]).handler(httpEvent(method, path), context);
      return { statusCode, body: JSON.parse(body ?? "null") as { paths: Record<string, object>; error?: { message: string } } | null };
    };
    const { body: document } = await request("api", "GET", "/openapi.json");
    const routes = Object.entries(document!.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => [method.toUpperCase(), path.replace(/\{\w+\}/g, "x")] as const));
    const requests = [["GET", "/health"] as const, ["GET", "/openapi.json"] as const, ...routes];

    const answers = await Promise.all(
      API_FUNCTIONS.flatMap((name) =>
        requests.map(async ([method, path]) => {
          const { statusCode, body } = await request(name, method, path);
          // Its route's answer (a 400 for the path's "x", a 403 for the operator on an account's route, …), or hono's 404.
          const answer = body?.error?.message === `no route for ${method} ${path}` ? "no route" : statusCode < 500 ? "its route" : statusCode;
          return `${name} ${method} ${path}: ${answer}`;
        }),
      ),
    );

    expect(routes.length).toBeGreaterThan(30);
    expect(answers).toEqual(API_FUNCTIONS.flatMap((name) => requests.map(([method, path]) => `${name} ${method} ${path}: ${routedTo(name)(method, path) ? "its route" : "no route"}`)));
  });
});
