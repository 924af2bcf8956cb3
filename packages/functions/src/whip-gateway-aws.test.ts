import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  DescribeInputSecurityGroupCommand,
  type InputSecurityGroup,
  ListInputSecurityGroupsCommand,
  MediaLiveClient,
  UpdateInputSecurityGroupCommand,
} from "@aws-sdk/client-medialive";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoAccountRepository, DynamoChannelRepository, documentClient, dynamoClient, ensureTables } from "@visionstream/aws";
import { BroadcastSecretMalformed } from "@visionstream/aws/secrets/broadcast-secret";
import { Broadcasts, Channel, newId } from "@visionstream/core";
import { activeAccount } from "@visionstream/core/testing";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import dynalite from "dynalite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { publishWhip } from "../../whip/testing/publisher.ts";
import { MissingConfiguration } from "./config.ts";
import { lookUpPublicAddress, PublicAddressUnknown, startWhipGatewayInAws } from "./whip-gateway-aws.ts";

const region = "eu-west-1";
const tableName = "visionstream-whip-aws-test";
const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:visionstream-test/broadcast-AbCdEf";
/** A documentation address (RFC 5737): what the address service says the task is reached at. */
const PUBLIC_ADDRESS = "203.0.113.7";
/** This file's own UDP ports, apart from other test files'. */
const ICE_PORTS = [21_500, 21_599] as const;
const key = randomBytes(32);

const server = dynalite({ createTableMs: 0 });
const secrets = mockClient(SecretsManagerClient);
const medialive = mockClient(MediaLiveClient);
/** The channels' MediaLive input security groups, as the live engine creates them (tagged, the channel's allowCidrs). */
const securityGroups = new Map<string, InputSecurityGroup>();
let dynamo: ReturnType<typeof dynamoClient>;

const env = (changes: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  AWS_REGION: region,
  VISIONSTREAM_TABLE: tableName,
  VISIONSTREAM_RESOURCE_PREFIX: "visionstream-test",
  VISIONSTREAM_BROADCAST_SECRET_ARN: secretArn,
  VISIONSTREAM_WHIP_PORT: "0",
  VISIONSTREAM_WHIP_ICE_PORTS: `${ICE_PORTS[0]}-${ICE_PORTS[1]}`,
  VISIONSTREAM_WHIP_ADDRESS_LOOKUP_URL: "https://address.test/",
  ...changes,
});

/** The address service: answers `text` with `status`, and counts the calls. */
function addressService(text: string, status = 200) {
  const calls: string[] = [];
  const fetchUrl = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(text, { status });
  }) as typeof fetch;
  return { calls, fetch: fetchUrl };
}

const channels = () => new DynamoChannelRepository(documentClient(dynamo), tableName);
const accounts = () => new DynamoAccountRepository(documentClient(dynamo), tableName);

/** A running RTMP channel of a new account, in the table; its ingest goes nowhere (no forwarder gets media here). */
async function runningChannel(allowCidrs: string[]) {
  const account = activeAccount();
  await accounts().create(account, randomBytes(16).toString("hex"));
  const now = new Date().toISOString();
  const channel = Channel.parse({
    id: newId("channel"),
    accountId: account.id,
    name: "browser broadcast",
    inputType: "RTMP_PUSH",
    redundancy: "SINGLE",
    allowCidrs,
    state: "RUNNING",
    ingest: [{ url: "rtmp://127.0.0.1:9/live", streamKey: "sk-whip-aws-test" }],
    createdAt: now,
    updatedAt: now,
  });
  await channels().create(channel);
  const { token } = await Broadcasts({ channels: channels(), accounts: accounts(), secret: async () => key }).grant(account.id, channel.id);
  const groupId = String(1_000_000 + securityGroups.size);
  securityGroups.set(groupId, {
    Id: groupId,
    State: "IN_USE",
    Tags: { "visionstream:prefix": "visionstream-test", "visionstream:accountId": account.id, "visionstream:channelId": channel.id },
    WhitelistRules: allowCidrs.map((Cidr) => ({ Cidr })),
  });
  return { channel, token, groupId };
}

/** MediaLive over `securityGroups`: an update is applied at once, unless `updating` keeps the group UPDATING. */
function fakeMediaLive({ updating = false } = {}) {
  medialive.reset();
  medialive.on(ListInputSecurityGroupsCommand).callsFake(() => ({ InputSecurityGroups: [...securityGroups.values()] }));
  medialive.on(DescribeInputSecurityGroupCommand).callsFake(({ InputSecurityGroupId }: { InputSecurityGroupId: string }) => securityGroups.get(InputSecurityGroupId));
  medialive.on(UpdateInputSecurityGroupCommand).callsFake(({ InputSecurityGroupId, WhitelistRules }: { InputSecurityGroupId: string; WhitelistRules: { Cidr: string }[] }) => {
    const group = { ...securityGroups.get(InputSecurityGroupId)!, WhitelistRules, State: updating ? ("UPDATING" as const) : ("IN_USE" as const) };
    securityGroups.set(InputSecurityGroupId, group);
    return { SecurityGroup: group };
  });
}

const rulesOf = (groupId: string) => securityGroups.get(groupId)!.WhitelistRules!.map((rule) => rule.Cidr);

/** A POST refused before its offer is read: only the answer's status, headers and error matter. */
async function refusedPublish(url: string, token: string) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/sdp", authorization: `Bearer ${token}` }, body: "v=0\r\n" });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), error: ((await response.json()) as { error: { code: string; message: string } }).error };
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  dynamo = dynamoClient({ region, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  await ensureTables(dynamo, { table: tableName, idempotencyTable: `${tableName}-idempotency` });
});

afterAll(async () => {
  dynamo.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  fakeMediaLive();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: key.toString("base64url") });
});

describe("startWhipGatewayInAws (the gateway's container)", () => {
  it("advertises the task's public address on the configured UDP ports, and publishes with a token the API signed with the same key", async () => {
    const service = addressService(`${PUBLIC_ADDRESS}\n`);
    const { server: gateway, publicAddress } = await startWhipGatewayInAws(env(), { dynamo, secrets: new SecretsManagerClient({ region }), fetch: service.fetch });
    const { channel, token } = await runningChannel(["127.0.0.0/8"]);
    try {
      const publish = await publishWhip(`${gateway.url}/whip/channels/${channel.id}`, { headers: { authorization: `Bearer ${token}` } });
      await publish.stop({ delete: true });

      expect(publicAddress).toBe(PUBLIC_ADDRESS);
      expect(service.calls).toEqual(["https://address.test/"]);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      expect(publish.status, publish.body).toBe(201);
      const candidates = publish.body.split(/\r?\n/).filter((line) => line.startsWith("a=candidate:")).map((line) => line.split(" "));
      expect(candidates.map((fields) => fields[4])).toContain(PUBLIC_ADDRESS);
      for (const fields of candidates.filter((candidate) => candidate[2]!.toLowerCase() === "udp")) {
        expect(Number(fields[5])).toBeGreaterThanOrEqual(ICE_PORTS[0]);
        expect(Number(fields[5])).toBeLessThanOrEqual(ICE_PORTS[1]);
      }
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("puts the task's address on the channel's MediaLive input allow-list before publishing, in place of an earlier task's, and only once", async () => {
    const { server: gateway } = await startWhipGatewayInAws(env({ VISIONSTREAM_WHIP_PUBLIC_ADDRESS: PUBLIC_ADDRESS }), { dynamo, secrets: new SecretsManagerClient({ region }) });
    const { channel, token, groupId } = await runningChannel(["127.0.0.0/8", "192.0.2.44/32"]);
    securityGroups.get(groupId)!.WhitelistRules!.push({ Cidr: "198.51.100.200/32" });
    const endpoint = `${gateway.url}/whip/channels/${channel.id}`;
    try {
      const first = await publishWhip(endpoint, { headers: { authorization: `Bearer ${token}` } });
      await first.stop({ delete: true });
      const again = await publishWhip(endpoint, { headers: { authorization: `Bearer ${token}` } });
      await again.stop({ delete: true });

      expect(first.status, first.body).toBe(201);
      expect(again.status, again.body).toBe(201);
      expect(rulesOf(groupId)).toEqual(["127.0.0.0/8", "192.0.2.44/32", `${PUBLIC_ADDRESS}/32`]);
      expect(medialive).toHaveReceivedCommandTimes(UpdateInputSecurityGroupCommand, 1);
      expect(medialive).toHaveReceivedCommandWith(UpdateInputSecurityGroupCommand, {
        InputSecurityGroupId: groupId,
        WhitelistRules: [{ Cidr: "127.0.0.0/8" }, { Cidr: "192.0.2.44/32" }, { Cidr: `${PUBLIC_ADDRESS}/32` }],
      });
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("refuses a publish with 409 naming the allow-list when the channel's rules fill its MediaLive input's, and 503 with Retry-After while MediaLive applies a change", async () => {
    const { server: gateway } = await startWhipGatewayInAws(env({ VISIONSTREAM_WHIP_PUBLIC_ADDRESS: PUBLIC_ADDRESS }), {
      dynamo,
      secrets: new SecretsManagerClient({ region }),
      allowListSettleWithinMs: 200,
    });
    const full = await runningChannel(["127.0.0.0/8", ...Array.from({ length: 9 }, (_, index) => `198.51.100.${index}/32`)]);
    const changing = await runningChannel(["127.0.0.0/8"]);
    try {
      const refused = await refusedPublish(`${gateway.url}/whip/channels/${full.channel.id}`, full.token);
      fakeMediaLive({ updating: true });
      const busy = await refusedPublish(`${gateway.url}/whip/channels/${changing.channel.id}`, changing.token);

      expect(refused.status).toBe(409);
      expect(refused.error.code).toBe("CONFLICT");
      expect(refused.error.message).toMatch(/MediaLive input allow-list is full/);
      expect(rulesOf(full.groupId)).not.toContain(`${PUBLIC_ADDRESS}/32`);
      expect(busy.status).toBe(503);
      expect(busy.error.code).toBe("BUSY");
      expect(busy.retryAfter).toBe("1");
      expect(gateway.sessions()).toEqual([]);
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("checks the channel's allow-list and the token against the table, refusing before any session", async () => {
    const { server: gateway } = await startWhipGatewayInAws(env({ VISIONSTREAM_WHIP_PUBLIC_ADDRESS: PUBLIC_ADDRESS }), { dynamo, secrets: new SecretsManagerClient({ region }) });
    const { channel, token } = await runningChannel(["198.51.100.0/24"]);
    const forged = `${token.slice(0, -4)}AAAA`;
    try {
      const outside = await publishWhip(`${gateway.url}/whip/channels/${channel.id}`, { headers: { authorization: `Bearer ${token}` } });
      const unsigned = await publishWhip(`${gateway.url}/whip/channels/${channel.id}`, { headers: { authorization: `Bearer ${forged}` } });
      await Promise.all([outside.stop(), unsigned.stop()]);

      expect(outside.status).toBe(403);
      expect(unsigned.status).toBe(401);
      expect(gateway.sessions()).toEqual([]);
      expect(medialive.calls()).toEqual([]);
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("behind CloudFront and the load balancer, checks the allow-list against the broadcaster's address in X-Forwarded-For, not the proxies'", async () => {
    const { server: gateway } = await startWhipGatewayInAws(env({ VISIONSTREAM_WHIP_PUBLIC_ADDRESS: PUBLIC_ADDRESS, VISIONSTREAM_WHIP_FORWARDED_HOPS: "2" }), {
      dynamo,
      secrets: new SecretsManagerClient({ region }),
    });
    const { channel, token } = await runningChannel(["198.51.100.0/24"]);
    const endpoint = `${gateway.url}/whip/channels/${channel.id}`;
    // CloudFront appends the viewer's address, the ALB CloudFront's; anything left of them is the client's own say.
    const via = (viewer: string, claimed?: string) => ({ authorization: `Bearer ${token}`, "x-forwarded-for": [claimed, viewer, "130.176.0.10"].filter(Boolean).join(", ") });
    try {
      const allowed = await publishWhip(endpoint, { headers: via("198.51.100.23") });
      await allowed.stop({ delete: true });
      const spoofing = await publishWhip(endpoint, { headers: via("192.0.2.50", "198.51.100.23") });
      await spoofing.stop();
      const direct = await publishWhip(endpoint, { headers: { authorization: `Bearer ${token}` } });
      await direct.stop();

      expect(allowed.status, allowed.body).toBe(201);
      expect(spoofing.status).toBe(403);
      expect(spoofing.body).toContain("192.0.2.50");
      expect(direct.status).toBe(403);
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("fails at start, naming what is missing, before anything listens", async () => {
    await expect(startWhipGatewayInAws(env({ VISIONSTREAM_BROADCAST_SECRET_ARN: undefined, VISIONSTREAM_WHIP_ICE_PORTS: "50199-50000" }), { dynamo })).rejects.toThrow(
      MissingConfiguration,
    );
    await expect(startWhipGatewayInAws(env({ VISIONSTREAM_BROADCAST_SECRET_ARN: undefined }), { dynamo })).rejects.toThrow(/VISIONSTREAM_BROADCAST_SECRET_ARN/);
    await expect(startWhipGatewayInAws(env({ VISIONSTREAM_WHIP_ICE_PORTS: "50199-50000" }), { dynamo })).rejects.toThrow(/VISIONSTREAM_WHIP_ICE_PORTS/);
  });

  it("fails at start when the broadcast key cannot be read, naming the secret and not its value", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: "not-a-key" });

    const starting = startWhipGatewayInAws(env({ VISIONSTREAM_WHIP_PUBLIC_ADDRESS: PUBLIC_ADDRESS }), { dynamo, secrets: new SecretsManagerClient({ region }) });

    await expect(starting).rejects.toThrow(BroadcastSecretMalformed);
    await expect(starting).rejects.toThrow(secretArn);
    await expect(starting).rejects.not.toThrow(/not-a-key/);
  });
});

describe("lookUpPublicAddress", () => {
  it("reads the address the service saw, the last of a list", async () => {
    expect(await lookUpPublicAddress("https://address.test/", addressService(`${PUBLIC_ADDRESS}\n`).fetch)).toBe(PUBLIC_ADDRESS);
    expect(await lookUpPublicAddress("https://address.test/", addressService(`192.0.2.1, ${PUBLIC_ADDRESS}`).fetch)).toBe(PUBLIC_ADDRESS);
  });

  it.each([
    ["an error status", addressService(PUBLIC_ADDRESS, 503).fetch],
    ["no address", addressService("<html>rate limited</html>").fetch],
    ["no answer", (async () => { throw new TypeError("fetch failed"); }) as typeof fetch],
  ])("fails on %s, naming the service", async (_, fetchUrl) => {
    await expect(lookUpPublicAddress("https://address.test/", fetchUrl)).rejects.toThrow(PublicAddressUnknown);
    await expect(lookUpPublicAddress("https://address.test/", fetchUrl)).rejects.toThrow("https://address.test/");
  });
});
