import { readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SigningKeyPair } from "./account-infrastructure.ts";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";
import { provisionTenant } from "../testing/tenants.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
const admin = TEST_ADMIN_TOKEN;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime?.cleanup();
});

async function createAccount(name: string) {
  const created = await runtime.api("POST", "/accounts", { token: admin, json: { name } });
  expect(created.status).toBe(201);
  const id: string = created.body.account.id;
  const active = await eventually(async () => {
    const { body } = await runtime.api("GET", `/accounts/${id}`, { token: admin });
    return body.account.status === "ACTIVE" ? body.account : undefined;
  });
  return { id, apiKey: created.body.apiKey as string, account: active };
}

async function signingKey(accountId: string) {
  return SigningKeyPair.parse(JSON.parse(await readFile(runtime.layout.keyFile(accountId), "utf8")));
}

describe("the API's plumbing", () => {
  it("answers /health and publishes an OpenAPI 3 document of every route", async () => {
    const health = await runtime.api("GET", "/health");
    const doc = await runtime.api("GET", "/openapi.json");

    expect(health).toEqual({ status: 200, body: { status: "ok" } });
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/accounts", "/accounts/{accountId}", "/accounts/{accountId}/api-keys", "/accounts/{accountId}/provision"]),
    );
  });

  it("refuses requests without a valid bearer token", async () => {
    const none = await runtime.api("GET", "/accounts");
    const wrong = await runtime.api("GET", "/accounts", { token: "not-a-token" });
    const guessed = await runtime.api("GET", "/accounts", { token: `vs_${"A".repeat(43)}` });

    for (const answer of [none, wrong, guessed]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe("UNAUTHORIZED");
    }
  });

  it("answers an unknown route with 404 in the error shape", async () => {
    const answer = await runtime.api("GET", "/nowhere");
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: "NOT_FOUND", details: {} });
  });
});

describe("accounts end to end", () => {
  it("creates an account that becomes ACTIVE with its own bucket, CDN and signing key", async () => {
    const started = Date.now();
    const created = await runtime.api("POST", "/accounts", { token: admin, json: { name: "  Festival Productions " } });
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({ name: "Festival Productions", status: "PROVISIONING" });
    expect(created.body.apiKey).toMatch(/^vs_/);

    const id = created.body.account.id;
    const account = await eventually(async () => {
      const { body } = await runtime.api("GET", `/accounts/${id}`, { token: created.body.apiKey });
      return body.account.status === "ACTIVE" ? body.account : undefined;
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(account.cdnBaseUrl).toBe(`${runtime.cdnUrl}/${account.distributionId}`);

    const key = await signingKey(id);
    expect(key.publicKeyId).toBe(account.publicKeyId);
    const { stat } = await import("node:fs/promises");
    expect((await stat(runtime.layout.keyFile(id))).mode & 0o777).toBe(0o600);
  });

  it("serves the account's bucket through its CDN base URL only to signed requests, with byte ranges", async () => {
    const { id, account } = await createAccount("cdn");
    const bucket = runtime.layout.bucketDir(account.bucketName);
    await mkdir(join(bucket, "live/ch1"), { recursive: true });
    await writeFile(join(bucket, "live/ch1/index.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n");
    const key = await signingKey(id);
    const url = `${account.cdnBaseUrl}/live/ch1/index.m3u8`;
    const signed = getSignedUrl({ url, keyPairId: key.publicKeyId, privateKey: key.privateKey, dateLessThan: new Date(Date.now() + 60_000).toISOString() });

    const unsigned = await fetch(url);
    const ok = await fetch(signed);
    const ranged = await fetch(signed, { headers: { range: "bytes=0-6" } });
    const missing = await fetch(`${account.cdnBaseUrl}/public/nothing.txt`);
    const climbing = await fetch(`${account.cdnBaseUrl}/public/..%2Flive%2Fch1%2Findex.m3u8`);
    const wildcard = getSignedUrl({
      url: `${account.cdnBaseUrl}/live/ch1/x`,
      keyPairId: key.publicKeyId,
      privateKey: key.privateKey,
      policy: JSON.stringify({
        Statement: [{ Resource: `${account.cdnBaseUrl}/live/ch1/*`, Condition: { DateLessThan: { "AWS:EpochTime": Math.floor(Date.now() / 1000) + 60 } } }],
      }),
    });
    const escaping = await fetch(`${account.cdnBaseUrl}/live/ch1/..%2F..%2Fsecret.txt?${new URL(wildcard).search.slice(1)}`);
    const badEncoding = await fetch(`${url}?%E0%A4%A=1`);

    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("<Code>MissingKey</Code>");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(await ok.text()).toBe("#EXTM3U\n#EXT-X-VERSION:3\n");
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe("bytes 0-6/25");
    expect(await ranged.text()).toBe("#EXTM3U");
    expect(missing.status).toBe(404);
    expect(climbing.status).toBe(404);
    expect(escaping.status).toBe(404);
    expect(badEncoding.status).toBe(403);
  });

  it("keeps accounts apart: another account's key gets 403, and its signature opens nothing here", async () => {
    const a = await createAccount("tenant a");
    const b = await createAccount("tenant b");
    const bucketA = runtime.layout.bucketDir(a.account.bucketName);
    await writeFile(join(bucketA, "secret.txt"), "a's");
    const keyB = await signingKey(b.id);
    const forged = getSignedUrl({
      url: `${a.account.cdnBaseUrl}/secret.txt`,
      keyPairId: keyB.publicKeyId,
      privateKey: keyB.privateKey,
      dateLessThan: new Date(Date.now() + 60_000).toISOString(),
    });

    expect((await runtime.api("GET", `/accounts/${a.id}`, { token: b.apiKey })).status).toBe(403);
    expect((await runtime.api("POST", `/accounts/${a.id}/api-keys`, { token: b.apiKey })).status).toBe(403);
    expect((await runtime.api("DELETE", `/accounts/${a.id}`, { token: b.apiKey })).status).toBe(403);
    expect((await runtime.api("GET", "/accounts", { token: b.apiKey })).status).toBe(403);
    expect((await runtime.api("POST", "/accounts", { token: b.apiKey, json: { name: "x" } })).status).toBe(403);
    expect((await fetch(forged)).status).toBe(403);
    expect((await runtime.api("GET", `/accounts/${a.id}`, { token: a.apiKey })).status).toBe(200);
  });

  it("answers bad input with 400 naming the field, unknown ids with 404, and never 500", async () => {
    const missing = await runtime.api("POST", "/accounts", { token: admin, json: {} });
    const wrongType = await runtime.api("POST", "/accounts", { token: admin, json: { name: 42 } });
    const extra = await runtime.api("POST", "/accounts", { token: admin, json: { name: "x", plan: "gold" } });
    const blank = await runtime.api("POST", "/accounts", { token: admin, json: { name: "   " } });
    const control = await runtime.api("POST", "/accounts", { token: admin, json: { name: "a\u0000b" } });
    const malformed = await runtime.api("POST", "/accounts", { token: admin, body: '{"name":', headers: { "content-type": "application/json" } });
    const notJson = await runtime.api("POST", "/accounts", { token: admin, body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const badId = await runtime.api("GET", "/accounts/..%2F..%2Fetc", { token: admin });
    const unknown = await runtime.api("GET", "/accounts/acc-0000000000000000", { token: admin });
    const badLimit = await runtime.api("GET", "/accounts?limit=0", { token: admin });

    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues).toEqual([expect.objectContaining({ field: "name", in: "body" })]);
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain("name");
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.error)).toContain("plan");
    expect(blank.status).toBe(400);
    expect(control.body.error.details.issues[0]).toMatchObject({ field: "name", message: "must not contain control characters" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("MALFORMED_BODY");
    expect(notJson.status).toBeGreaterThanOrEqual(400);
    expect(notJson.status).toBeLessThan(500);
    expect(badId.status).toBe(400);
    expect(badId.body.error.details.issues[0]).toMatchObject({ field: "accountId", in: "path" });
    expect(unknown.status).toBe(404);
    expect(badLimit.body.error.details.issues[0]).toMatchObject({ field: "limit", in: "query" });
  });

  it("lists accounts newest first for the operator, page by page", async () => {
    await createAccount("list one");
    await createAccount("list two");

    const first = await runtime.api("GET", "/accounts?limit=1", { token: admin });
    const second = await runtime.api("GET", `/accounts?limit=1&cursor=${first.body.cursor}`, { token: admin });

    expect(first.body.accounts[0].name).toBe("list two");
    expect(second.body.accounts[0].name).toBe("list one");
  });

  it("rotates an account's key: the new key works, the old one stops", async () => {
    const { id, apiKey } = await createAccount("rotate");

    const rotated = await runtime.api("POST", `/accounts/${id}/api-keys`, { token: apiKey });

    expect(rotated.status).toBe(201);
    expect((await runtime.api("GET", `/accounts/${id}`, { token: rotated.body.apiKey })).status).toBe(200);
    expect((await runtime.api("GET", `/accounts/${id}`, { token: apiKey })).status).toBe(401);
  });

  it("deletes an account: keys stop at once, the CDN is disabled, the bucket is kept", async () => {
    const { id, apiKey, account } = await createAccount("delete me");

    const deleted = await runtime.api("DELETE", `/accounts/${id}`, { token: admin });
    const again = await runtime.api("DELETE", `/accounts/${id}`, { token: admin });

    expect(deleted.status).toBe(202);
    expect(deleted.body.account.status).toBe("DELETING");
    expect(again.status).toBe(202);
    expect((await runtime.api("GET", `/accounts/${id}`, { token: apiKey })).status).toBe(401);
    await eventually(async () => {
      const { body } = await runtime.api("GET", `/accounts/${id}`, { token: admin });
      return body.account.status === "DELETED" ? true : undefined;
    });
    expect((await fetch(`${account.cdnBaseUrl}/public/x`)).status).toBe(404);
    expect((await readdir(runtime.layout.bucketDir(account.bucketName))).length).toBeGreaterThanOrEqual(0);
    expect((await runtime.api("POST", `/accounts/${id}/api-keys`, { token: admin })).status).toBe(409);
  });

  it("releases an account's channels, then its switchers, then its CDN, each step asking the bus for the next", async () => {
    const tenant = await provisionTenant(runtime, "leaving with everything", { ingestPorts: [26401, 26402], outputPorts: [26501, 26502], passphrases: ["leaving-passphrase-01", "leaving-passphrase-02"] });
    const steps: string[] = [];
    runtime.bus.subscribe("deletion-steps", { source: ["visionstream"], "detail-type": ["AccountDeleted", "AccountChannelsReleased", "AccountSwitchersReleased", "AccountDeprovisioned"] }, async (event) => {
      if ((event.detail as { accountId?: string }).accountId === tenant.accountId) steps.push(event["detail-type"]);
    });
    const file = join(runtime.layout.bucketDir(tenant.bucketName), "switchers", tenant.switcherId, "architecture.json");
    const relaysBefore = await runtime.switcherEngine.health(tenant.switcherId);

    expect((await runtime.api("DELETE", `/accounts/${tenant.accountId}`, { token: admin })).status).toBe(202);
    await eventually(async () => ((await runtime.accounts.get(tenant.accountId)).status === "DELETED" ? true : undefined));
    await runtime.bus.idle();

    // The switcher's apply put its architecture file in the bucket, which the account's deletion keeps.
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(tenant.architecture);
    expect(relaysBefore).toHaveLength(2);
    expect(steps).toEqual(["AccountDeleted", "AccountChannelsReleased", "AccountSwitchersReleased", "AccountDeprovisioned"]);
    expect(await runtime.channels.list(tenant.accountId)).toEqual([]);
    expect(await runtime.switchers.list(tenant.accountId)).toEqual([]);
    expect(await runtime.switcherEngine.health(tenant.switcherId)).toEqual([]);
  });
});

describe("provisioning", () => {
  it("is idempotent: the same AccountCreated delivered three times leaves one bucket, one distribution, one key", async () => {
    const created = await runtime.api("POST", "/accounts", { token: admin, json: { name: "duplicates" } });
    const id: string = created.body.account.id;
    const event = { source: "visionstream", "detail-type": "AccountCreated", detail: { accountId: id, name: "duplicates" } } as const;
    const delivered = runtime.bus.put(event);
    runtime.bus.put({ ...delivered });
    runtime.bus.put({ ...delivered });
    await runtime.bus.idle();

    const account = (await runtime.api("GET", `/accounts/${id}`, { token: admin })).body.account;
    const buckets = (await readdir(join(runtime.dataDir, "buckets"))).filter((name) => name.endsWith(id));
    const distributions = (await readdir(join(runtime.dataDir, "cdn", "distributions"))).filter((name) => name.startsWith(account.distributionId));
    const keys = await readdir(join(runtime.dataDir, "keys", id));
    expect(account.status).toBe("ACTIVE");
    expect(buckets).toEqual([account.bucketName]);
    expect(distributions).toEqual([`${account.distributionId}.json`]);
    expect(keys).toEqual(["signing-key.json"]);
    expect((await signingKey(id)).publicKeyId).toBe(account.publicKeyId);

    runtime.bus.put({ ...delivered });
    await runtime.bus.idle();
    expect((await runtime.api("GET", `/accounts/${id}`, { token: admin })).body.account).toEqual(account);
  });

  it("marks the account FAILED with the reason, and a retry provisions it", async () => {
    const buckets = join(runtime.dataDir, "buckets");
    await rm(buckets, { recursive: true, force: true });
    await writeFile(buckets, "not a directory");
    const created = await runtime.api("POST", "/accounts", { token: admin, json: { name: "unlucky" } });
    const id: string = created.body.account.id;
    const failed = await eventually(async () => {
      const { body } = await runtime.api("GET", `/accounts/${id}`, { token: admin });
      return body.account.status === "FAILED" ? body.account : undefined;
    });
    expect(failed.failureReason).toMatch(/ENOTDIR|EEXIST/);
    expect((await runtime.api("POST", `/accounts/${id}/provision`, { token: created.body.apiKey })).status).toBe(403);

    await rm(buckets);
    const retried = await runtime.api("POST", `/accounts/${id}/provision`, { token: admin });
    expect(retried.status).toBe(202);
    expect(retried.body.account).toMatchObject({ status: "PROVISIONING", provisioningAttempts: 2 });
    const active = await eventually(async () => {
      const { body } = await runtime.api("GET", `/accounts/${id}`, { token: admin });
      return body.account.status === "ACTIVE" ? body.account : undefined;
    });
    expect(active).not.toHaveProperty("failureReason");
    expect((await runtime.api("POST", `/accounts/${id}/provision`, { token: admin })).status).toBe(409);
  });
});
