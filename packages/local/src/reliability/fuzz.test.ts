import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRuntime, TEST_ADMIN_TOKEN } from "../../testing/runtime.ts";
import { provisionTenant, type Tenant, type TestRuntime } from "../../testing/tenants.ts";
import { uploadSecretFile } from "../s3/media-uploads.ts";
import { type Answer, closeStateClients, errorShapeFault, MALFORMED_BODIES, mutated, NASTY_STRINGS, SEED, send, storedState } from "../../testing/fuzzing.ts";

const RUNS = 200;
/** The stored state is compared after this many 4xx cases in a row (and around every success). */
const STATE_BATCH = 10;
/** The only ports this file's switchers may listen on; other test files use others in parallel. */
const INGEST_PORTS = [31001, 31002];
const OUTPUT_PORTS: [number, number] = [31101, 31102];
const OTHER_INGEST_PORT = 31003;

let runtime: TestRuntime;
let owner: Tenant;
let other: Tenant;
let routes: { method: string; path: string; query: string[] }[];

type Owner = "operator" | "account";
interface RouteFuzz {
  /** Whose token the route is meant for. */
  owner: Owner;
  /** The body a well-behaved client would send, mutated by every case. */
  body?: () => unknown;
  /** Whether cases may aim at the owner's real resources: only where a success changes nothing another case relies on. */
  realIds?: boolean;
  /** Undoes what a 2xx made, so the next cases meet the same fixtures. */
  undo?: (answer: Answer) => Promise<void>;
}

const future = () => new Date(Date.now() + 3600_000).toISOString();
const switcherBody = () => owner.architecture;

/** One entry per route of the OpenAPI document: a route without one fails the suite. */
const FUZZ: Record<string, RouteFuzz> = {
  "POST /accounts": { owner: "operator", body: () => ({ name: "fuzzed account" }) },
  "GET /accounts": { owner: "operator" },
  "GET /accounts/{accountId}": { owner: "operator", realIds: true },
  "DELETE /accounts/{accountId}": { owner: "operator" },
  "POST /accounts/{accountId}/api-keys": { owner: "operator" },
  "POST /accounts/{accountId}/provision": { owner: "operator" },
  "POST /channels": { owner: "account", body: () => ({ name: "fuzzed channel", inputType: "RTMP_PUSH", redundancy: "SINGLE", allowCidrs: ["127.0.0.1/32"] }) },
  "GET /channels": { owner: "account" },
  "GET /channels/{channelId}": { owner: "account", realIds: true },
  "POST /channels/{channelId}/start": { owner: "account" },
  "POST /channels/{channelId}/stop": { owner: "account" },
  "DELETE /channels/{channelId}": { owner: "account" },
  "GET /channels/{channelId}/playback": { owner: "account", realIds: true },
  // A broadcast link stores nothing: the token is signed, not kept.
  "POST /channels/{channelId}/broadcast": { owner: "account", realIds: true },
  // Its token is a broadcast token: every token these cases carry (an API key, the operator's, junk) is refused.
  "GET /broadcast/channel": { owner: "account" },
  "GET /recordings": { owner: "account" },
  "GET /recordings/{recordingId}": { owner: "account", realIds: true },
  "POST /recordings/{recordingId}/retry": { owner: "account", realIds: true },
  "GET /recordings/{recordingId}/playback": { owner: "account", realIds: true },
  "DELETE /recordings/{recordingId}": { owner: "account" },
  "POST /media": { owner: "account", body: () => ({ name: "fuzzed clip.mp4", contentType: "video/mp4" }) },
  "GET /media": { owner: "account" },
  "GET /media/{mediaId}": { owner: "account", realIds: true },
  "GET /media/{mediaId}/playback": { owner: "account", realIds: true },
  "DELETE /media/{mediaId}": { owner: "account" },
  "POST /switchers": {
    owner: "account",
    body: switcherBody,
    undo: async (answer) => {
      const id = (answer.json as { switcher: { id: string } }).switcher.id;
      expect((await runtime.api("DELETE", `/switchers/${id}`, { token: owner.apiKey })).status).toBe(204);
    },
  },
  "GET /switchers": { owner: "account" },
  "GET /switchers/{switcherId}": { owner: "account", realIds: true },
  "PUT /switchers/{switcherId}/config": { owner: "account", body: switcherBody },
  "DELETE /switchers/{switcherId}": { owner: "account" },
  "POST /switchers/{switcherId}/preview": { owner: "account", realIds: true, body: () => ({ ingestId: "stage-b" }) },
  "POST /switchers/{switcherId}/live": { owner: "account", realIds: true, body: () => ({ ingestId: "stage-a", mode: "cut" }) },
  "POST /switchers/{switcherId}/take": { owner: "account", realIds: true, body: () => ({ mode: "cut" }) },
  "PUT /switchers/{switcherId}/schedule": { owner: "account", body: () => [{ at: future(), bus: "preview", ingestId: "stage-b", mode: "cut" }] },
  "GET /switchers/{switcherId}/events": { owner: "account", realIds: true },
  "GET /switchers/{switcherId}/monitors/{bus}/thumbnail": { owner: "account", realIds: true },
};

const ID_PREFIX: Record<string, string> = { accountId: "acc-", channelId: "ch-", mediaId: "med-", switcherId: "sw-", recordingId: "rec-" };
const idOf = (tenant: Tenant, param: string): string | undefined =>
  // A bus is no tenant's: "live" stands for a valid one.
  ({ accountId: tenant.accountId, channelId: tenant.channelId, recordingId: tenant.recordingId, mediaId: tenant.mediaId, switcherId: tenant.switcherId, bus: "live" })[param];

const wellFormedId = (param: string) =>
  fc.array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"), { minLength: 16, maxLength: 16 }).map((chars) => `${ID_PREFIX[param] ?? ""}${chars.join("")}`);

/** A path segment: the owner's id, another account's, one that looks right but is nobody's, or junk (raw or encoded). */
function pathId(param: string, fuzz: RouteFuzz) {
  const real = idOf(owner, param);
  const theirs = idOf(other, param);
  return fc.oneof(
    ...(fuzz.realIds && real ? [{ arbitrary: fc.constant(real), weight: 4 }] : []),
    ...(fuzz.owner === "account" && theirs ? [{ arbitrary: fc.constant(theirs), weight: 1 }] : []),
    { arbitrary: wellFormedId(param), weight: 3 },
    { arbitrary: fc.constantFrom(...NASTY_STRINGS).map(encodeURIComponent), weight: 1 },
    { arbitrary: fc.constantFrom("..", "%2e%2e", "%2e%2e%2f%2e%2e", "..%2f..%2fopenapi.json", `${real ?? "x"}%2f..%2f..`, `${real ?? "x"}%00`, `${(real ?? "x").toUpperCase()}`), weight: 1 },
    { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }).map(encodeURIComponent), weight: 1 },
    { arbitrary: fc.integer({ min: 1_000, max: 4_000 }).map((size) => "a".repeat(size)), weight: 1 },
  );
}

const QUERY_VALUES: Record<string, string[]> = { limit: ["1", "25", "100"], cursor: [], expiresIn: ["60", "3600"], channelId: [] };
function queryValue(name: string) {
  const valid = name === "channelId" ? [owner.channelId, other.channelId] : (QUERY_VALUES[name] ?? []);
  return fc.option(
    fc.oneof(
      ...(valid.length ? [fc.constantFrom(...valid)] : []),
      fc.constantFrom("-1", "0", "1e400", "NaN", "Infinity", "0x10", "1.5", "999999999999999999999", ...NASTY_STRINGS),
      fc.string({ unit: "grapheme", maxLength: 30 }),
      fc.integer({ min: 2_000, max: 3_000 }).map((size) => "c".repeat(size)),
    ),
    { nil: undefined },
  );
}

function token(fuzz: RouteFuzz) {
  const own = fuzz.owner === "operator" ? TEST_ADMIN_TOKEN : owner.apiKey;
  return fc.oneof(
    { arbitrary: fc.constant(`Bearer ${own}`), weight: 8 },
    { arbitrary: fc.constant(`Bearer ${fuzz.owner === "operator" ? owner.apiKey : TEST_ADMIN_TOKEN}`), weight: 1 },
    { arbitrary: fc.constant(`Bearer ${other.apiKey}`), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", `bearer   ${own}  `, `Bearer ${own} extra`, `Bearer ${own.slice(0, -1)}`, `${own}`, "Bearer \u00e9\u00e8"),
        fc.string({ unit: "grapheme-ascii", maxLength: 60 }).map((junk) => `Bearer ${junk}`),
        fc.integer({ min: 4_000, max: 8_000 }).map((size) => `Bearer ${"k".repeat(size)}`),
      ),
      weight: 2,
    },
  );
}

const contentType = fc.oneof(
  { arbitrary: fc.constant<string | undefined>("application/json"), weight: 8 },
  {
    arbitrary: fc.constantFrom<string | undefined>(undefined, "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.api+json", "application/xml", "*/*", ""),
    weight: 3,
  },
);

function body(fuzz: RouteFuzz) {
  const base = fuzz.body?.() ?? {};
  return fc.oneof(
    { arbitrary: mutated(base).map((value) => JSON.stringify(value) as string | undefined), weight: 8 },
    { arbitrary: fc.constant(fuzz.body ? JSON.stringify(base) : undefined), weight: 1 },
    { arbitrary: fc.constantFrom<string | undefined>(...MALFORMED_BODIES), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) as string | undefined), weight: 1 },
    { arbitrary: fc.constant<string | undefined>(undefined), weight: 1 },
  );
}

const EXTRA_HEADERS = [
  {},
  { accept: "text/html" },
  { "x-forwarded-for": "../../etc" },
  { "content-encoding": "gzip" },
  { "x-http-method-override": "DELETE" },
  { "accept-language": "\u00e9".repeat(50) },
];

function requestCase(route: { method: string; path: string; query: string[] }, fuzz: RouteFuzz) {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  return fc.record({
    ids: fc.tuple(...params.map((param) => pathId(param, fuzz))),
    query: fc.tuple(...route.query.map((name) => queryValue(name))),
    authorization: token(fuzz),
    contentType,
    body: route.method === "GET" ? fc.constant(undefined) : body(fuzz),
    headers: fc.constantFrom(...EXTRA_HEADERS),
  });
}

type Case = { ids: string[]; query: (string | undefined)[]; authorization: string | undefined; contentType: string | undefined; body: string | undefined; headers: Record<string, string> };

function requestOf(route: { method: string; path: string; query: string[] }, one: Case) {
  let index = 0;
  const path = route.path.replace(/\{\w+\}/g, () => one.ids[index++]!);
  const search = new URLSearchParams();
  route.query.forEach((name, at) => one.query[at] !== undefined && search.append(name, one.query[at]!));
  const url = `${runtime.apiUrl}${path}${search.size ? `?${search}` : ""}`;
  const headers: Record<string, string> = { ...one.headers };
  if (one.authorization !== undefined) headers.authorization = one.authorization;
  if (one.contentType !== undefined && one.body !== undefined) headers["content-type"] = one.contentType;
  return { url, init: { method: route.method, headers, ...(one.body !== undefined ? { body: one.body } : {}) } satisfies RequestInit };
}

const summary = (url: string, init: RequestInit, answer?: Answer) =>
  `${init.method} ${url.slice(0, 300)} ${JSON.stringify(init.headers).slice(0, 300)} body=${String(init.body ?? "").slice(0, 300)} -> ${answer?.status} ${answer?.text.slice(0, 500)}`;

/** The answer, or a failure that names the request that got none (a hang or a dropped connection). */
async function answerTo(url: string, init: RequestInit): Promise<Answer> {
  try {
    return await send(url, init);
  } catch (error) {
    throw new Error(`no answer (${(error as Error).message}): ${summary(url, init)}`);
  }
}

const state = () => storedState(runtime.dynamoEndpoint, runtime.dataDir);

describe("every route under generated and mutated input", () => {
  beforeAll(async () => {
    runtime = await startTestRuntime();
    [owner, other] = await Promise.all([
      provisionTenant(runtime, "fuzz owner", { ingestPorts: INGEST_PORTS, outputPorts: OUTPUT_PORTS, passphrases: ["owner-passphrase-0001", "owner-passphrase-0002"] }),
      provisionTenant(runtime, "fuzz other", {
        ingestPorts: [OTHER_INGEST_PORT],
        outputPorts: OUTPUT_PORTS,
        passphrases: ["other-passphrase-0001"],
        outputs: { live: { protocol: "srt-caller", destination: `127.0.0.2:${OTHER_INGEST_PORT}`, hlsMonitor: false }, preview: { protocol: "srt-caller", destination: `127.0.0.2:${OTHER_INGEST_PORT}`, hlsMonitor: false } },
      }),
    ]);
    const doc = (await runtime.api("GET", "/openapi.json")).body as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
    routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        query: (operation.parameters ?? []).filter((parameter) => parameter.in === "query").map((parameter) => parameter.name),
      })),
    );
  }, 90_000);

  afterAll(async () => {
    closeStateClients();
    await runtime?.cleanup();
  }, 60_000);

  it("has a generator for every route of the OpenAPI document", () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes.map((route) => `${route.method} ${route.path}`).filter((route) => !FUZZ[route])).toEqual([]);
  });

  it(
    `answers ${RUNS} generated cases per route with 2xx or a documented 4xx, in time, and a 4xx changes nothing stored`,
    async () => {
      for (const route of routes) {
        const fuzz = FUZZ[`${route.method} ${route.path}`]!;
        const readOnly = route.method === "GET";
        let before = await state();
        const unchecked: { url: string; init: RequestInit }[] = [];
        /** Every 4xx since the last look at the state: together they must have changed nothing. */
        const checkUnchanged = async () => {
          const batch = unchecked.splice(0);
          if (batch.length) expect(await state(), `stored state changed by one of: ${batch.map(({ url, init }) => summary(url, init)).join("\n")}`).toEqual(before);
        };
        await fc.assert(
          fc.asyncProperty(requestCase(route, fuzz), async (one) => {
            const { url, init } = requestOf(route, one as Case);
            const answer = await answerTo(url, init);
            expect(answer.status, summary(url, init, answer)).toBeLessThan(500);
            if (answer.status >= 400) expect(errorShapeFault(answer), summary(url, init, answer)).toBeUndefined();
            if (readOnly) return;
            if (answer.status >= 400) {
              unchecked.push({ url, init });
              if (unchecked.length >= STATE_BATCH) await checkUnchanged();
            } else {
              // The batch's 4xx cases ran before this success changed the state: replay each against a state of its own.
              const replays = unchecked.splice(0);
              await fuzz.undo?.(answer);
              await runtime.bus.idle();
              before = await state();
              for (const replay of replays) {
                const again = await send(replay.url, replay.init);
                if (again.status < 400) {
                  await runtime.bus.idle();
                  before = await state();
                  continue;
                }
                expect(await state(), `stored state changed: ${summary(replay.url, replay.init, again)}`).toEqual(before);
              }
            }
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
        await checkUnchanged();
        if (readOnly) expect(await state(), `${route.method} ${route.path} changed the stored state`).toEqual(before);
      }
    },
    150_000,
  );

  it(`answers ${RUNS * 2} generated CDN requests with no 5xx, opens only what an untouched grant of the account covers, and never serves a secret`, async () => {
    const distributionOf = (tenant: Tenant) => new URL(tenant.cdnBaseUrl).pathname.slice(1);
    const live = (await runtime.api("GET", `/channels/${owner.channelId}/playback`, { token: owner.apiKey })).body as { hlsUrl: string; query: string; cookies: Record<string, string> };
    const media = (await runtime.api("GET", `/media/${owner.mediaId}/playback`, { token: owner.apiKey })).body as { url: string };
    const playlistKey = new URL(live.hlsUrl).pathname.split("/").slice(2).join("/");
    const playlistFile = join(runtime.layout.bucketDir(owner.bucketName), playlistKey);
    await mkdir(dirname(playlistFile), { recursive: true });
    await writeFile(playlistFile, "#EXTM3U\n");
    const secrets = [(await readFile(uploadSecretFile(runtime.layout), "utf8")).trim(), "PRIVATE KEY", "owner-passphrase-0001"];
    const mediaQuery = new URL(media.url).search.slice(1);
    const keys = [playlistKey, `media/${owner.mediaId}/clip.mp4`, `vod/${owner.recordingId}.mp4`, `switchers/${owner.switcherId}/architecture.json`, `live/${other.channelId}/index.m3u8`];
    const climbs = [
      `../../keys/${owner.accountId}/signing-key.json`,
      `..%2f..%2fkeys%2f${owner.accountId}%2fsigning-key.json`,
      "%2e%2e/%2e%2e/cdn/upload-signing-secret",
      `${playlistKey.split("/").slice(0, 2).join("/")}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secrets/switcher/${owner.accountId}/stage-0`,
      `${playlistKey.split("/").slice(0, 2).join("/")}/..%5c..%5cvod%5c${owner.recordingId}.mp4`,
      `media/${owner.mediaId}/clip.mp4%00.m3u8`,
      "public/../vod/x.mp4",
    ];
    const flip = (text: string, at: number) => {
      const index = at % Math.max(text.length, 1);
      return text.slice(0, index) + (text[index] === "A" ? "B" : "A") + text.slice(index + 1);
    };
    const grant = fc.oneof(
      fc.constant({ query: live.query, cookies: {} as Record<string, string>, untouched: true }),
      fc.constant({ query: "", cookies: live.cookies, untouched: true }),
      fc.constant({ query: mediaQuery, cookies: {}, untouched: true }),
      fc.constant({ query: "", cookies: {}, untouched: false }),
      fc.nat().map((at) => ({ query: flip(live.query, at), cookies: {}, untouched: false })),
      fc.nat().map((at) => ({ query: "", cookies: Object.fromEntries(Object.entries(live.cookies).map(([name, value]) => [name, flip(value, at)])), untouched: false })),
      fc.constantFrom("Expires=-1", "Expires=99999999999999999999", "Expires=NaN", "Policy=%%%", "Signature=&Key-Pair-Id=&Expires=", `${mediaQuery}&Expires=1`, "Key-Pair-Id=../../keys").map((query) => ({ query, cookies: {}, untouched: false })),
      fc.string({ unit: "grapheme", maxLength: 60 }).map((junk) => ({ query: encodeURIComponent(junk), cookies: {}, untouched: false })),
    );
    const cdnCase = fc.record({
      method: fc.constantFrom("GET", "GET", "GET", "HEAD", "PUT", "OPTIONS", "DELETE"),
      distribution: fc.constantFrom(distributionOf(owner), distributionOf(owner), distributionOf(other), "EAAAAAAAAAAAAA", "..", "%2e%2e", "keys"),
      key: fc.oneof(fc.constantFrom(...keys, ...climbs), fc.constantFrom(...NASTY_STRINGS).map(encodeURIComponent), fc.string({ unit: "grapheme", maxLength: 30 }).map(encodeURIComponent)),
      grant,
      range: fc.constantFrom(undefined, "bytes=0-10", "bytes=-5", "bytes=5-1", "bytes=99999999999999999999-", "bytes=0-0,1-2", "bytes=--", "items=0-1"),
    });

    await fc.assert(
      fc.asyncProperty(cdnCase, async ({ method, distribution, key, grant, range }) => {
        const url = `${runtime.cdnUrl}/${distribution}/${key}${grant.query ? `?${grant.query}` : ""}`;
        const headers: Record<string, string> = {};
        if (range) headers.range = range;
        const cookies = Object.entries(grant.cookies).map(([name, value]) => `${name}=${value}`).join("; ");
        if (cookies) headers.cookie = cookies;
        const init: RequestInit = { method, headers, ...(method === "PUT" ? { body: "intruder" } : {}) };
        const answer = await answerTo(url, init);
        expect(answer.status, summary(url, init, answer)).toBeLessThan(500);
        for (const secret of secrets) expect(answer.text.includes(secret), summary(url, init, answer)).toBe(false);
        if (answer.status < 300 && method !== "OPTIONS") {
          expect(grant.untouched && distribution === distributionOf(owner), `opened without an untouched grant: ${summary(url, init, answer)}`).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS * 2, endOnFailure: true },
    );
    expect((await fetch(`${live.hlsUrl}?${live.query}`)).status).toBe(200);
  }, 60_000);
});
