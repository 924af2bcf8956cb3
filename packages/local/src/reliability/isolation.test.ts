import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { monitorPlaylistKey } from "@visionstream/core";
import { logger as functionsLogger } from "@visionstream/functions/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logger as localLogger } from "../logger.ts";
import { uploadSecretFile } from "../s3/media-uploads.ts";
import { pushSrt, stopChild } from "../../testing/mediaconnect.ts";
import { startTestRuntime, TEST_ADMIN_TOKEN } from "../../testing/runtime.ts";
import { provisionTenant, type Tenant, type TestRuntime } from "../../testing/tenants.ts";
import { closeStateClients, storedState } from "../../testing/fuzzing.ts";

/** SRT ports of this file: 31201-31299. */
const OWNER_PORTS = { ingestPorts: [31201, 31202], outputPorts: [31211, 31212] as [number, number] };
const OTHER_PORTS = { ingestPorts: [31221, 31222], outputPorts: [31231, 31232] as [number, number] };
const PASSPHRASES = { owner: ["owner-secret-passphrase-01", "owner-secret-passphrase-02"], other: ["other-secret-passphrase-01", "other-secret-passphrase-02"] };
const WRONG_PASSPHRASE = "intruder-wrong-passphrase-9";

let runtime: TestRuntime;
let owner: Tenant;
let other: Tenant;
const captured: string[] = [];
const restores: (() => void)[] = [];

/** Everything the process prints from here on: stdout, stderr and the console, at the loggers' most talkative level. */
function captureOutput() {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    restores.push(() => (stream.write = write));
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      captured.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    };
    restores.push(() => (console[method] = original));
  }
  for (const logger of [localLogger, functionsLogger]) {
    const level = logger.getLevelName();
    logger.setLogLevel("DEBUG");
    restores.push(() => logger.setLogLevel(level));
  }
}

const as = (tenant: Tenant | string, method: string, path: string, json?: unknown) =>
  runtime.api(method, path, { token: typeof tenant === "string" ? tenant : tenant.apiKey, ...(json !== undefined ? { json } : {}) });
const state = () => storedState(runtime.dynamoEndpoint, runtime.dataDir);

async function putObject(tenant: Tenant, key: string, body = "#EXTM3U\n") {
  const file = join(runtime.layout.bucketDir(tenant.bucketName), key);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
}

beforeAll(async () => {
  captureOutput();
  runtime = await startTestRuntime();
  owner = await provisionTenant(runtime, "tenant a", { ...OWNER_PORTS, passphrases: PASSPHRASES.owner });
  other = await provisionTenant(runtime, "tenant b", { ...OTHER_PORTS, passphrases: PASSPHRASES.other });
}, 90_000);

afterAll(async () => {
  for (const restore of restores.reverse()) restore();
  closeStateClients();
  await runtime?.cleanup();
}, 60_000);

describe("tenant isolation on the API", () => {
  it("answers account B's key on every route that names one of account A's resources with 403 or 404, and A's state stays as it was", async () => {
    const doc = (await runtime.api("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })));
    const idOf: Record<string, string> = { accountId: owner.accountId, channelId: owner.channelId, recordingId: owner.recordingId, mediaId: owner.mediaId, switcherId: owner.switcherId };
    /** Path parameters that are not ids: a valid value, so that only the resource's owner decides the answer. */
    const valueOf: Record<string, string> = { ...idOf, bus: "live" };
    const bodies: Record<string, unknown> = {
      "PUT /switchers/{switcherId}/config": owner.architecture,
      "POST /switchers/{switcherId}/preview": { ingestId: "stage-b" },
      "POST /switchers/{switcherId}/live": { ingestId: "stage-b", mode: "cut" },
      "POST /switchers/{switcherId}/take": { mode: "cut" },
      "PUT /switchers/{switcherId}/schedule": [{ at: new Date(Date.now() + 3600_000).toISOString(), bus: "live", ingestId: "stage-b", mode: "cut" }],
    };
    /** Routes that name no resource: they act on the caller's own account, or list it. */
    const LISTS = ["GET /channels", "GET /recordings", "GET /media", "GET /switchers"];
    const CREATES = ["POST /channels", "POST /media", "POST /switchers"];
    const OPERATOR = ["POST /accounts", "GET /accounts"];
    /** Routes taking a broadcast token (bound to one channel), which no API key is. */
    const BROADCAST_TOKEN = ["GET /broadcast/channel"];
    const before = await state();

    const unclassified: string[] = [];
    for (const { method, path } of routes) {
      const name = `${method} ${path}`;
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
      if (params.length > 0) {
        const answer = await as(other, method, path.replace(/\{(\w+)\}/g, (_, param: string) => valueOf[param]!), bodies[name] ?? (method === "GET" || method === "DELETE" ? undefined : {}));
        expect([403, 404], `${name}: ${answer.status} ${JSON.stringify(answer.body)}`).toContain(answer.status);
        expect(JSON.stringify(answer.body)).not.toContain(owner.bucketName);
      } else if (LISTS.includes(name)) {
        const answer = await as(other, method, path === "/recordings" ? `/recordings?channelId=${owner.channelId}` : path);
        expect(answer.status, name).toBe(200);
        const text = JSON.stringify(answer.body);
        for (const id of Object.values(idOf)) expect(text, `${name} shows A's ${id}`).not.toContain(id);
      } else if (OPERATOR.includes(name)) {
        expect((await as(other, method, path, method === "POST" ? { name: "b's own" } : undefined)).status, name).toBe(403);
      } else if (BROADCAST_TOKEN.includes(name)) {
        const answer = await as(other, method, path);
        expect(answer.status, name).toBe(401);
        for (const id of Object.values(idOf)) expect(JSON.stringify(answer.body), `${name} shows A's ${id}`).not.toContain(id);
      } else if (!CREATES.includes(name)) unclassified.push(name);
    }

    expect(unclassified).toEqual([]);
    expect(await state()).toEqual(before);
    expect((await as(owner, "GET", `/switchers/${owner.switcherId}`)).body.switcher).toMatchObject({ live: "stage-a", preview: "stage-b", schedule: [] });
  });

  it("creates what account B asks for in account B only", async () => {
    const channel = await as(other, "POST", "/channels", { name: "b's channel", inputType: "RTP_PUSH", redundancy: "SINGLE", allowCidrs: ["127.0.0.1/32"] });
    expect(channel.status).toBe(201);
    expect((await as(owner, "GET", `/channels/${channel.body.channel.id}`)).status).toBe(404);
    expect((await as(owner, "GET", "/channels")).body.channels.map((item: { id: string }) => item.id)).toEqual([owner.channelId]);
    expect((await as(other, "DELETE", `/channels/${channel.body.channel.id}`)).status).toBe(202);

    const onTheirPort = { ...other.architecture, ingests: [{ ...other.architecture.ingests[0]!, port: OWNER_PORTS.ingestPorts[0]! }] };
    const refused = await as(other, "POST", "/switchers", onTheirPort);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.issues[0].field).toBe("ingests[0].port");
    expect(JSON.stringify(refused.body)).not.toContain(owner.switcherId);
  });
});

describe("tenant isolation on the CDN", () => {
  const denied = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, init);
    await response.body?.cancel();
    return response.status;
  };
  const cookieHeader = (cookies: Record<string, string>) => ({ cookie: Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join("; ") });
  const pathOf = (url: string) => new URL(url).pathname.split("/").slice(2).join("/");

  beforeAll(async () => {
    for (const tenant of [owner, other]) {
      for (const bus of ["live", "preview"] as const) await putObject(tenant, monitorPlaylistKey(tenant.switcherId, bus));
    }
  });

  it("opens A's live stream with A's playback signature, and nothing of B's with it, as query or cookies", async () => {
    const playback = (await as(owner, "GET", `/channels/${owner.channelId}/playback`)).body;
    const playlist = pathOf(playback.hlsUrl);
    const theirPlaylist = playlist.replace(owner.channelId, other.channelId);
    await putObject(owner, playlist);
    await putObject(other, theirPlaylist);
    expect(await denied(`${playback.hlsUrl}?${playback.query}`)).toBe(200);
    expect(await denied(playback.hlsUrl, { headers: cookieHeader(playback.cookies) })).toBe(200);

    for (const target of [`${other.cdnBaseUrl}/${theirPlaylist}`, `${other.cdnBaseUrl}/${playlist}`, `${other.cdnBaseUrl}/${monitorPlaylistKey(other.switcherId, "live")}`]) {
      expect(await denied(`${target}?${playback.query}`), target).toBe(403);
      expect(await denied(target, { headers: cookieHeader(playback.cookies) }), target).toBe(403);
    }
  });

  it("opens none of B's objects with A's signed URLs of a recording or a media item", async () => {
    const recording = (await as(owner, "GET", `/recordings/${owner.recordingId}/playback`)).body;
    const media = (await as(owner, "GET", `/media/${owner.mediaId}/playback`)).body;
    const theirRecording = (await as(other, "GET", `/recordings/${other.recordingId}/playback`)).body;
    const theirMedia = (await as(other, "GET", `/media/${other.mediaId}/playback`)).body;
    expect(await denied(recording.url)).toBe(200);
    expect(await denied(media.url)).toBe(200);

    for (const [mine, theirs] of [[recording.url, theirRecording.url], [media.url, theirMedia.url]] as const) {
      const signature = new URL(mine).search;
      const theirPath = theirs.split("?")[0]!;
      expect(await denied(`${theirPath}${signature}`), theirPath).toBe(403);
      expect(await denied(`${other.cdnBaseUrl}/${pathOf(mine)}${signature}`)).toBe(403);
      expect(await denied(`${mine.split("?")[0]!.replace(pathOf(mine), pathOf(theirs))}${signature}`)).toBe(403);
    }
  });

  it("opens none of B's monitors with A's monitor signatures from GET /switchers/{id}", async () => {
    const { monitors } = (await as(owner, "GET", `/switchers/${owner.switcherId}`)).body.switcher;
    for (const bus of ["live", "preview"] as const) {
      const monitor = monitors[bus];
      expect(await denied(`${monitor.hlsUrl}?${monitor.query}`)).toBe(200);
      const target = `${other.cdnBaseUrl}/${monitorPlaylistKey(other.switcherId, bus)}`;
      expect(await denied(`${target}?${monitor.query}`), target).toBe(403);
      expect(await denied(target, { headers: cookieHeader(monitor.cookies) }), target).toBe(403);
      expect(await denied(`${other.cdnBaseUrl}/${monitorPlaylistKey(owner.switcherId, bus)}?${monitor.query}`)).toBe(403);
    }
  });
});

describe("secrets in the logs", () => {
  it("never prints an API key, the operator token, a stream key, a passphrase or a signing secret", async () => {
    const rotated = await runtime.api("POST", `/accounts/${other.accountId}/api-keys`, { token: TEST_ADMIN_TOKEN });
    expect(rotated.status).toBe(201);
    const rotatedKey: string = rotated.body.apiKey;
    expect((await as(other, "GET", "/channels")).status).toBe(401);
    const rtmp = await as(owner, "POST", "/channels", { name: "keyed", inputType: "RTMP_PUSH", redundancy: "STANDARD", allowCidrs: ["127.0.0.1/32"] });
    const streamKeys: string[] = rtmp.body.channel.ingest.map((ingest: { streamKey: string }) => ingest.streamKey);
    expect(streamKeys.every(Boolean)).toBe(true);
    await runtime.api("GET", "/channels", { token: `${owner.apiKey}x` });
    await runtime.api("GET", "/accounts", { token: `${TEST_ADMIN_TOKEN}x` });
    const intruder = pushSrt({ port: OWNER_PORTS.ingestPorts[0]!, passphrase: WRONG_PASSPHRASE, picture: "testsrc2=size=160x90:rate=15" });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 8_000);
      intruder.once("exit", () => resolve(clearTimeout(timer)));
    });
    await stopChild(intruder);
    await runtime.bus.idle();
    const signingKey = JSON.parse(await readFile(runtime.layout.keyFile(owner.accountId), "utf8")) as { privateKey: string };
    const privateKeyLine = signingKey.privateKey.split("\n").find((line) => line.length > 40 && !line.startsWith("-----"))!;
    const uploadSecret = (await readFile(uploadSecretFile(runtime.layout), "utf8")).trim();

    const output = captured.join("");
    const secrets = {
      "the operator token": TEST_ADMIN_TOKEN,
      "A's API key": owner.apiKey,
      "B's first API key": other.apiKey,
      "B's rotated API key": rotatedKey,
      ...Object.fromEntries(streamKeys.map((key, index) => [`stream key ${index}`, key])),
      ...Object.fromEntries([...PASSPHRASES.owner, ...PASSPHRASES.other, WRONG_PASSPHRASE].map((passphrase) => [`passphrase ${passphrase.slice(0, 5)}`, passphrase])),
      "A's CDN private key": privateKeyLine,
      "the upload signing secret": uploadSecret.slice(0, 24),
    };
    expect(output.length, "the flow printed nothing: is the capture working?").toBeGreaterThan(0);
    for (const [what, secret] of Object.entries(secrets)) expect(output.includes(secret), `${what} appears in the logs`).toBe(false);
    other.apiKey = rotatedKey;
  }, 30_000);
});
