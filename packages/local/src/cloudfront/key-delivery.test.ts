import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { contentKey, kidAsUuid } from "@visionstream/core/keys/content-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCdn, type TestCdnAccount } from "../../testing/cdn.ts";
import { keyServerSecret } from "../secrets/key-server-secret.ts";

let cdn: Awaited<ReturnType<typeof startTestCdn>>;
let ours: TestCdnAccount;
let theirs: TestCdnAccount;
let secret: Buffer;
const channelId = "ch-keys-1";
const kid = "00112233445566778899aabbccddeeff";
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64url");

beforeAll(async () => {
  cdn = await startTestCdn();
  ours = await cdn.account("acct-ours");
  theirs = await cdn.account("acct-theirs");
  secret = await keyServerSecret(cdn.layout);
});
afterAll(async () => cdn?.close());

const keyUrl = (who: TestCdnAccount, id: string, channel = channelId) => `${who.cdnBaseUrl}/live/${channel}/keys/${id}`;
const licenseUrl = (who: TestCdnAccount, channel = channelId) => `${who.cdnBaseUrl}/live/${channel}/keys/clearkey`;
const cookieHeader = (cookies: Record<string, string>) => Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join("; ");

async function expectRefused(response: Response, code: string) {
  expect(response.status).toBe(403);
  expect(response.headers.get("content-type")).toBe("text/xml");
  expect(await response.text()).toContain(`<Code>${code}</Code>`);
}

describe("key delivery: GET live/<channel>/keys/<kid>", () => {
  it("answers the 16 raw bytes of the channel's key to a valid grant, by query or cookies, hex or UUID", async () => {
    const grant = await ours.grant(channelId);
    const expected = contentKey(secret, channelId, kid).key;

    const byQuery = await fetch(`${keyUrl(ours, kid)}?${grant.query}`);
    const byCookies = await fetch(keyUrl(ours, kidAsUuid(kid)), { headers: { cookie: cookieHeader(grant.cookies) } });

    for (const response of [byQuery, byCookies]) {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/octet-stream");
      expect(response.headers.get("cache-control")).toBe("private, no-store");
      expect(response.headers.get("content-length")).toBe("16");
      expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
    }
  });

  it("derives every key from the channel of the path and never reads the bucket", async () => {
    const decoy = join(ours.bucketDir, "live", channelId, "keys", kid);
    await mkdir(join(decoy, ".."), { recursive: true });
    await writeFile(decoy, Buffer.alloc(16, 7));
    const other = "ch-keys-2";

    const mine = Buffer.from(await (await fetch(`${keyUrl(ours, kid)}?${(await ours.grant(channelId)).query}`)).arrayBuffer());
    const otherChannel = Buffer.from(await (await fetch(`${keyUrl(ours, kid, other)}?${(await ours.grant(other)).query}`)).arrayBuffer());

    expect(mine.equals(contentKey(secret, channelId, kid).key)).toBe(true);
    expect(otherChannel.equals(contentKey(secret, other, kid).key)).toBe(true);
    expect(otherChannel.equals(mine)).toBe(false);
  });

  it("refuses without a grant, with an expired grant, another channel's grant or another account's grant, as any object", async () => {
    const expired = await ours.grant(channelId, new Date(Date.now() - 1_000));
    const otherChannel = await ours.grant("ch-other");
    const theirGrant = await theirs.grant(channelId);
    // another account's key pair over our very path
    const theirKeyOverOurs = await cdn.signer.signPath(theirs.accountId, `${ours.cdnBaseUrl}/live/${channelId}/*`, new Date(Date.now() + 600_000));

    await expectRefused(await fetch(keyUrl(ours, kid)), "MissingKey");
    await expectRefused(await fetch(`${keyUrl(ours, kid)}?${expired.query}`), "AccessDenied");
    await expectRefused(await fetch(keyUrl(ours, kid), { headers: { cookie: cookieHeader(expired.cookies) } }), "AccessDenied");
    await expectRefused(await fetch(`${keyUrl(ours, kid)}?${otherChannel.query}`), "AccessDenied");
    await expectRefused(await fetch(`${keyUrl(ours, kid)}?${theirGrant.query}`), "InvalidKey");
    await expectRefused(await fetch(`${keyUrl(ours, kid)}?${theirKeyOverOurs.query}`), "InvalidKey");
    // their grant is for their distribution, and there their key for our channel id is theirs to have: not ours
    const theirs200 = await fetch(`${keyUrl(theirs, kid)}?${theirGrant.query}`);
    expect(theirs200.status).toBe(200);
  });

  it("answers 400 to a malformed key id, once the grant is valid", async () => {
    const grant = await ours.grant(channelId);

    for (const bad of ["0011", `${kid}00`, "zz112233445566778899aabbccddeeff", "not-a-kid"]) {
      const response = await fetch(`${keyUrl(ours, bad)}?${grant.query}`);
      expect(response.status, bad).toBe(400);
      expect(await response.text()).toContain("<Code>InvalidKeyId</Code>");
    }
    await expectRefused(await fetch(keyUrl(ours, "0011")), "MissingKey");
  });
});

describe("ClearKey licenses: POST live/<channel>/keys/clearkey", () => {
  it("answers the W3C ClearKey JWK set for the asked KIDs, and lets a page POST JSON across origins", async () => {
    const grant = await ours.grant(channelId);
    const second = "ffeeddccbbaa99887766554433221100";
    const origin = "http://127.0.0.1:8080";

    const preflight = await fetch(`${licenseUrl(ours)}?${grant.query}`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    const response = await fetch(`${licenseUrl(ours)}?${grant.query}`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ kids: [b64(kid), b64(second)], type: "temporary" }),
    });

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("access-control-allow-origin")).toBe(origin);
    expect(await response.json()).toEqual({
      keys: [
        { kty: "oct", kid: b64(kid), k: contentKey(secret, channelId, kid).key.toString("base64url") },
        { kty: "oct", kid: b64(second), k: contentKey(secret, channelId, second).key.toString("base64url") },
      ],
      type: "temporary",
    });
  });

  it("refuses as GET does, and names the field of a malformed request", async () => {
    const body = JSON.stringify({ kids: [b64(kid)], type: "temporary" });
    const grant = await ours.grant(channelId);
    const post = (url: string, content: string = body) => fetch(url, { method: "POST", body: content });

    await expectRefused(await post(licenseUrl(ours)), "MissingKey");
    await expectRefused(await post(`${licenseUrl(ours)}?${(await ours.grant(channelId, new Date(Date.now() - 1_000))).query}`), "AccessDenied");
    await expectRefused(await post(`${licenseUrl(ours)}?${(await theirs.grant(channelId)).query}`), "InvalidKey");
    const malformed = await post(`${licenseUrl(ours)}?${grant.query}`, JSON.stringify({ kids: ["nope"] }));
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("kids[0]");
    const huge = await post(`${licenseUrl(ours)}?${grant.query}`, " ".repeat(64 * 1024));
    expect(huge.status).toBe(413);
    const elsewhere = await post(`${ours.cdnBaseUrl}/live/${channelId}/master.m3u8?${grant.query}`);
    expect(elsewhere.status).toBe(405);
    const getLicense = await fetch(`${licenseUrl(ours)}?${grant.query}`);
    expect(getLicense.status).toBe(405);
  });
});
