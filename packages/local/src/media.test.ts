import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "./eventbridge/bus.ts";
import { cdnApp } from "./cloudfront/server.ts";
import { LocalUploadSigner, UPLOAD_EXPIRES, UPLOAD_SIGNATURE, uploadSecretFile, uploadSignature, uploadSigningSecret } from "./s3/media-uploads.ts";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let work: string;
let clip: Buffer;
const events: BusEvent[] = [];

interface Tenant {
  accountId: string;
  apiKey: string;
  bucketName: string;
  cdnBaseUrl: string;
}
let tenant: Tenant;
let other: Tenant;

async function newTenant(name: string): Promise<Tenant> {
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name } });
  const accountId = created.body.account.id;
  const account = await eventually(async () => {
    const current = await runtime.accounts.get(accountId);
    return current.status === "ACTIVE" ? current : undefined;
  });
  return { accountId, apiKey: created.body.apiKey, bucketName: account.bucketName!, cdnBaseUrl: account.cdnBaseUrl! };
}

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");
const bucketDir = (who: Tenant) => join(runtime.dataDir, "buckets", who.bucketName);

async function createMedia(name = "clip one.mp4", contentType = "video/mp4") {
  const created = await runtime.api("POST", "/media", { token: tenant.apiKey, json: { name, contentType } });
  expect(created.status).toBe(201);
  return created.body as { media: { id: string; key: string; status: string }; upload: { url: string; method: string; headers: Record<string, string>; expiresAt: string } };
}

const put = (url: string, body: Buffer, headers: Record<string, string>) => fetch(url, { method: "PUT", headers, body: new Uint8Array(body) });

async function expectDenied(response: Response, because: string) {
  expect(response.status).toBe(403);
  expect(await response.text()).toContain("<Code>AccessDenied</Code>");
  expect(response.headers.get("x-visionstream-denied")).toContain(because);
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  runtime.bus.subscribe("capture-everything", {}, async (event) => void events.push(event));
  work = await mkdtemp(join(tmpdir(), "visionstream-media-"));
  const file = join(work, "clip.mp4");
  await promisify(execFile)("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "3",
    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", file,
  ]);
  clip = await readFile(file);
  tenant = await newTenant("library");
  other = await newTenant("someone else");
}, 60_000);

afterAll(async () => {
  await runtime?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("media library end to end", () => {
  it("uploads an MP4 through the presigned PUT, turns READY with its size, and plays back the same bytes", async () => {
    const { media, upload } = await createMedia();
    expect(media).toMatchObject({ status: "UPLOADING", key: `media/${media.id}/clip one.mp4` });
    expect(media.id).toMatch(/^med-[a-z0-9]{16}$/);
    expect(upload.method).toBe("PUT");
    expect(upload.headers).toEqual({ "content-type": "video/mp4" });
    expect(Math.abs(Date.parse(upload.expiresAt) - Date.now() - 15 * 60_000)).toBeLessThan(10_000);
    expect(upload.url.startsWith(`${tenant.cdnBaseUrl}/media/${media.id}/clip%20one.mp4?`)).toBe(true);
    expect((await runtime.api("GET", `/media/${media.id}/playback`, { token: tenant.apiKey })).status).toBe(409);

    const eventsBefore = events.length;
    const uploaded = await put(upload.url, clip, upload.headers);
    expect(uploaded.status).toBe(200);
    expect(uploaded.headers.get("etag")).toBe(`"${md5(clip)}"`);
    await runtime.bus.idle();
    expect(events.slice(eventsBefore)).toEqual([]);
    expect(await readdir(join(bucketDir(tenant), ".uploads"))).toEqual([]);

    const fetched = await runtime.api("GET", `/media/${media.id}`, { token: tenant.apiKey });
    expect(fetched.status).toBe(200);
    expect(fetched.body.media).toMatchObject({ id: media.id, status: "READY", sizeBytes: clip.length, name: "clip one.mp4", contentType: "video/mp4" });
    const listed = await runtime.api("GET", "/media", { token: tenant.apiKey });
    expect(listed.body.media.find((item: { id: string }) => item.id === media.id)).toMatchObject({ status: "READY", sizeBytes: clip.length });

    const playback = await runtime.api("GET", `/media/${media.id}/playback`, { token: tenant.apiKey });
    expect(playback.status).toBe(200);
    expect(playback.body.url.startsWith(`${tenant.cdnBaseUrl}/media/${media.id}/clip%20one.mp4?`)).toBe(true);
    const signed = new URL(playback.body.url).searchParams;
    expect([...signed.keys()].sort()).toEqual(["Expires", "Hash-Algorithm", "Key-Pair-Id", "Signature"]);
    expect(Math.abs(Date.parse(playback.body.expiresAt) - Date.now() - 3600_000)).toBeLessThan(10_000);
    expect(new URL(playback.body.playerUrl).searchParams.get("src")).toBe(playback.body.url);

    const played = await fetch(playback.body.url);
    expect(played.status).toBe(200);
    expect(played.headers.get("content-type")).toBe("video/mp4");
    expect(Buffer.from(await played.arrayBuffer()).equals(clip)).toBe(true);
    const ranged = await fetch(playback.body.url, { headers: { range: "bytes=100-1123" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 100-1123/${clip.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(clip.subarray(100, 1124))).toBe(true);
    expect((await fetch(playback.body.url.split("?")[0])).status).toBe(403);
  });

  it("refuses a PUT that is not exactly what was signed, and stores nothing", async () => {
    const { media, upload } = await createMedia("refused.mp4");
    const signer = new LocalUploadSigner(runtime.layout, (bucketName) => (bucketName === other.bucketName ? other.cdnBaseUrl : tenant.cdnBaseUrl));
    const signature = new URL(upload.url).searchParams.get(UPLOAD_SIGNATURE)!;
    const flipped = signature[3] === "A" ? "B" : "A";
    const tampered = upload.url.replace(signature, signature.slice(0, 3) + flipped + signature.slice(4));
    const expired = await signer.presignPut(tenant.bucketName, media.key, "video/mp4", new Date(Date.now() - 1_000));
    const outside = await signer.presignPut(tenant.bucketName, "vod/intruder.mp4", "video/mp4", new Date(Date.now() + 60_000));
    const secret = await uploadSigningSecret(runtime.layout);
    const expires = Math.floor(Date.now() / 1000) + 60;
    const climbing = `${tenant.cdnBaseUrl}/media%2F..%2Fvod%2Fclimber.mp4?${new URLSearchParams({
      [UPLOAD_EXPIRES]: String(expires),
      [UPLOAD_SIGNATURE]: uploadSignature(secret, { method: "PUT", bucketName: tenant.bucketName, key: "media/../vod/climber.mp4", contentType: "video/mp4", expires }),
    })}`;
    const otherDistribution = upload.url.replace(tenant.cdnBaseUrl, other.cdnBaseUrl);

    await expectDenied(await put(tampered, clip, upload.headers), "signature does not match");
    await expectDenied(await put(upload.url.split("?")[0]!, clip, upload.headers), `no ${UPLOAD_EXPIRES}`);
    await expectDenied(await put(expired.url, clip, expired.headers), "expired");
    await expectDenied(await put(upload.url, clip, { "content-type": "image/png" }), "signature does not match");
    await expectDenied(await put(outside.url, clip, outside.headers), "under media/");
    await expectDenied(await put(climbing, clip, { "content-type": "video/mp4" }), "under media/");
    await expectDenied(await put(otherDistribution, clip, upload.headers), "signature does not match");

    expect((await runtime.api("GET", `/media/${media.id}`, { token: tenant.apiKey })).body.media.status).toBe("UPLOADING");
    await expect(stat(join(bucketDir(tenant), media.key))).rejects.toThrow();
    await expect(stat(join(bucketDir(tenant), "vod", "intruder.mp4"))).rejects.toThrow();
    await expect(stat(join(bucketDir(tenant), "vod", "climber.mp4"))).rejects.toThrow();
    expect((await stat(uploadSecretFile(runtime.layout))).mode & 0o777).toBe(0o600);
  });

  it("refuses an upload larger than the CDN's limit without leaving a file", async () => {
    const { media, upload } = await createMedia("limited.mp4");
    const limited = cdnApp(runtime.layout, { maxUploadBytes: 1024 });

    const refused = await limited.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(clip) });
    expect(refused.status).toBe(413);
    expect(await refused.text()).toContain("<Code>EntityTooLarge</Code>");
    await expect(stat(join(bucketDir(tenant), media.key))).rejects.toThrow();

    const small = clip.subarray(0, 1024);
    const accepted = await limited.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(small) });
    expect(accepted.status).toBe(200);
    expect((await runtime.api("GET", `/media/${media.id}`, { token: tenant.apiKey })).body.media).toMatchObject({ status: "READY", sizeBytes: 1024 });
  });

  it("answers 404 to another account on every media route, and 403 to the operator", async () => {
    const { media, upload } = await createMedia("private.mp4");
    expect((await put(upload.url, clip, upload.headers)).status).toBe(200);

    for (const [method, path] of [
      ["GET", `/media/${media.id}`],
      ["GET", `/media/${media.id}/playback`],
      ["DELETE", `/media/${media.id}`],
    ] as const)
      expect((await runtime.api(method, path, { token: other.apiKey })).status).toBe(404);
    const theirs = await runtime.api("GET", "/media", { token: other.apiKey });
    expect(theirs.status).toBe(200);
    expect(theirs.body.media.map((item: { id: string }) => item.id)).not.toContain(media.id);
    expect((await runtime.api("GET", "/media", { token: TEST_ADMIN_TOKEN })).status).toBe(403);
    expect((await runtime.api("GET", "/media")).status).toBe(401);
    expect((await runtime.api("GET", `/media/${media.id}`, { token: tenant.apiKey })).body.media.status).toBe("READY");
  });

  it("deletes an item and its file", async () => {
    const { media, upload } = await createMedia("doomed.mp4");
    expect((await put(upload.url, clip, upload.headers)).status).toBe(200);
    const playback = (await runtime.api("GET", `/media/${media.id}/playback`, { token: tenant.apiKey })).body;

    expect((await runtime.api("DELETE", `/media/${media.id}`, { token: tenant.apiKey })).status).toBe(204);

    expect((await runtime.api("GET", `/media/${media.id}`, { token: tenant.apiKey })).status).toBe(404);
    expect((await runtime.api("DELETE", `/media/${media.id}`, { token: tenant.apiKey })).status).toBe(404);
    await expect(stat(join(bucketDir(tenant), media.key))).rejects.toThrow();
    expect((await fetch(playback.url)).status).toBe(404);
  });

  it("rejects bad bodies and ids with 400, naming the field", async () => {
    const issues = async (json: unknown) => {
      const answer = await runtime.api("POST", "/media", { token: tenant.apiKey, json });
      expect(answer.status).toBe(400);
      return answer.body.error.details.issues.map((issue: { field: string }) => issue.field);
    };

    expect(await issues({ name: "../x", contentType: "video/mp4" })).toEqual(["name"]);
    expect(await issues({ name: "..", contentType: "video/mp4" })).toEqual(["name"]);
    expect(await issues({ name: "a\\b.mp4", contentType: "video/mp4" })).toEqual(["name"]);
    expect(await issues({ name: "line\nbreak.mp4", contentType: "video/mp4" })).toEqual(["name"]);
    expect(await issues({ name: "", contentType: "video/mp4" })).toEqual(["name"]);
    expect(await issues({ name: "x".repeat(201), contentType: "video/mp4" })).toEqual(["name"]);
    expect(await issues({ name: "setup.exe", contentType: "application/x-msdownload" })).toEqual(["contentType"]);
    expect(await issues({ name: "clip.mp4" })).toEqual(["contentType"]);

    const badId = await runtime.api("GET", "/media/not-a-media-id", { token: tenant.apiKey });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details.issues[0]).toMatchObject({ field: "mediaId", in: "path" });
    const document = (await runtime.api("GET", "/openapi.json")).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/media", "/media/{mediaId}", "/media/{mediaId}/playback"]));
  });
});
