import { randomBytes } from "node:crypto";
import type { Channel } from "@visionstream/core";
import { contentKey } from "@visionstream/core/keys/content-keys";
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ACCOUNT_HEADER, keyDelivery } from "./handlers/key-delivery.ts";

const context = { functionName: "key-delivery", awsRequestId: "r", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const secret = randomBytes(32);
const paths = { channelGroup: "visionstream-test", prefix: "visionstream-test" };
const accountId = "acc-0123456789abcdef";
const channelId = "ch-0123456789abcdef";
const kid = "00112233445566778899aabbccddeeff";
const keyPath = (channel = channelId) => `/out/v1/visionstream-test/visionstream-test-${channel}/keys/${kid}`;

const channel = (changes: Partial<Channel> = {}) =>
  ({ id: channelId, accountId, state: "RUNNING", encryption: { keyRotationSeconds: 3600 }, ...changes }) as Channel;

/** The handler over channels of one account, as the table holds them. */
function handler(channels: Channel[]) {
  return keyDelivery({
    secret: async () => secret,
    channels: { get: async (account, id) => channels.find((c) => c.accountId === account && c.id === id) },
    paths,
  });
}

const request = (path: string, headers: Record<string, string> = { [ACCOUNT_HEADER]: accountId }, method = "GET") =>
  ({ rawPath: path, headers, requestContext: { http: { method } } }) as unknown as LambdaFunctionURLEvent;

const call = (channels: Channel[], event: LambdaFunctionURLEvent) =>
  handler(channels)(event, context) as Promise<Exclude<LambdaFunctionURLResult, string> & { statusCode: number; body: string }>;

describe("keyDeliveryHandler (AWS viewer key delivery)", () => {
  it("answers the channel's key for the KID, 16 raw bytes, never cached", async () => {
    const answer = await call([channel()], request(keyPath()));

    expect(answer.statusCode).toBe(200);
    expect(answer.isBase64Encoded).toBe(true);
    expect(answer.headers).toMatchObject({ "content-type": "application/octet-stream", "cache-control": "no-store" });
    const key = Buffer.from(answer.body, "base64");
    expect(key).toHaveLength(16);
    expect(key.equals(contentKey(secret, channelId, kid).key)).toBe(true);
  });

  it("gives the same key on every call and another for another channel", async () => {
    const other = "ch-fedcba9876543210";
    const channels = [channel(), channel({ id: other })];

    const [first, again, elsewhere] = await Promise.all([keyPath(), keyPath(), keyPath(other)].map((path) => call(channels, request(path))));

    expect(again!.body).toBe(first!.body);
    expect(elsewhere!.body).not.toBe(first!.body);
  });

  it.each([
    ["another account's channel (its distribution names its own account)", [channel({ accountId: "acc-fedcba9876543210" })], request(keyPath()), 404],
    ["a clear channel", [channel({ encryption: undefined })], request(keyPath()), 404],
    ["a deleted channel", [channel({ state: "DELETED" })], request(keyPath()), 404],
    ["a request that did not come through a distribution", [channel()], request(keyPath(), {}), 403],
    ["a path that is no key", [channel()], request(`/out/v1/visionstream-test/visionstream-test-${channelId}/ts/master.m3u8`), 404],
    ["a POST", [channel()], request(keyPath(), { [ACCOUNT_HEADER]: accountId }, "POST"), 405],
  ])("refuses %s", async (_, channels, event, status) => {
    const answer = await call(channels, event);

    expect(answer.statusCode).toBe(status);
    expect(answer.isBase64Encoded).toBeUndefined();
  });
});
