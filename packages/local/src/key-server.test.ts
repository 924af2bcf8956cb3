import { readFile, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { contentKey } from "@visionstream/core/keys/content-keys";
import { answeredKeys } from "@visionstream/core/keys/speke";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";
import { LocalLayout } from "./account-infrastructure.ts";
import { localKeyServer, SPEKE_PATH } from "./key-server.ts";
import { keyServerSecret } from "./secrets/key-server-secret.ts";

const ADMIN_TOKEN = "operator-token-0123456789";
const fixture = (name: string) => readFile(new URL(`../../core/src/keys/testdata/${name}`, import.meta.url), "utf8");
const CHANNEL = "ch-0123456789abcdef";
const KIDS = ["855d075df81741329651ebcf3909b3ac", "bbb7f218f39b497fbc7691f81c8c9a8f"];

describe("POST /speke/v2 on the local API", () => {
  let dataDir: string;
  let url: string;
  let close: () => Promise<void>;
  let tsRequest: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "visionstream-speke-"));
    tsRequest = await fixture("mediapackage-ts-clearkey-aes128.xml");
    const app = localKeyServer({ layout: new LocalLayout(dataDir), adminToken: ADMIN_TOKEN });
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
      started.once("error", reject);
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SPEKE_PATH}`;
    close = () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      });
  });

  afterAll(async () => {
    await close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/xml", "x-speke-version": "2.0", ...headers }, body });

  it("answers the operator with the channel's keys from the local key server secret", async () => {
    const response = await post(tsRequest, { authorization: `Bearer ${ADMIN_TOKEN}` });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/xml");
    expect(response.headers.get("x-speke-version")).toBe("2.0");
    const body = await response.text();
    const secret = await keyServerSecret(new LocalLayout(dataDir));
    const keys = answeredKeys(body);
    expect([...keys.keys()]).toEqual(KIDS);
    for (const kid of KIDS) expect(keys.get(kid)!.equals(contentKey(secret, CHANNEL, kid).key)).toBe(true);
    const media = Buffer.from(/<cpix:HLSSignalingData playlist="media">([^<]+)</.exec(body)![1]!, "base64").toString();
    expect(media).toBe(`#EXT-X-KEY:METHOD=AES-128,URI="../keys/${KIDS[0]}"`);
  });

  it("answers the same request the same way twice", async () => {
    const first = await (await post(tsRequest, { authorization: `Bearer ${ADMIN_TOKEN}` })).text();
    const second = await (await post(tsRequest, { authorization: `Bearer ${ADMIN_TOKEN}` })).text();

    expect(second).toBe(first);
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer not-the-operator-token" }],
    ["an account-style key", { authorization: "Basic b3BlcmF0b3I6dG9rZW4=" }],
  ])("refuses %s with 403 and no key", async (_case, headers: Record<string, string>) => {
    const response = await post(tsRequest, headers);

    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toMatch(/not IAM-authorised/);
    expect(body).not.toContain("PlainValue");
  });

  it("names what is wrong in a malformed request", async () => {
    const response = await post(tsRequest.replace('version="2.3"', 'version="9.9"'), { authorization: `Bearer ${ADMIN_TOKEN}` });

    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/Unsupported CPIX@version "9.9"/);
  });
});

describe("the local runtime", () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>;

  beforeAll(async () => {
    runtime = await startTestRuntime();
  });

  afterAll(() => runtime.cleanup());

  it("serves the key server at POST /speke/v2 on its API, for the operator's token only", async () => {
    const request = await fixture("mediapackage-ts-clearkey-aes128.xml");
    const send = (headers: Record<string, string>) =>
      fetch(`${runtime.apiUrl}/speke/v2`, { method: "POST", headers: { "content-type": "application/xml", "x-speke-version": "2.0", ...headers }, body: request });

    const operator = await send({ authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    const anonymous = await send({});

    expect(operator.status).toBe(200);
    const secret = await keyServerSecret(runtime.layout);
    expect(answeredKeys(await operator.text()).get(KIDS[0]!)!.equals(contentKey(secret, CHANNEL, KIDS[0]!).key)).toBe(true);
    expect(anonymous.status).toBe(403);
  });
});
