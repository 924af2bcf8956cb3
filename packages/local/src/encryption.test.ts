import { execFile } from "node:child_process";
import { createDecipheriv } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationSeconds, push } from "../testing/media.ts";
import { SMALL_LADDER } from "../testing/reliability.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";

const run = promisify(execFile);
const PUSHED_SECONDS = 24;

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let work: string;
let tenant: { accountId: string; apiKey: string };
let other: { accountId: string; apiKey: string };
let pusher: ReturnType<typeof push> | undefined;

beforeAll(async () => {
  runtime = await startTestRuntime({ rtmpPort: 25_000, rtpPort: 25_100, ladder: SMALL_LADDER, preset: "ultrafast" });
  work = await mkdtemp(join(tmpdir(), "visionstream-encryption-"));
  tenant = await activeAccount(runtime, "studio");
  other = await activeAccount(runtime, "someone else");
}, 60_000);

afterAll(async () => {
  if (pusher?.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The pictures ffmpeg decodes from a file (an MD5 each), and what it reported doing so. */
async function decode(file: string, extra: string[] = []): Promise<{ frames: number; hashes: string[]; errors: string }> {
  const { stdout, stderr } = await run("ffmpeg", ["-v", "error", ...extra, ...(file.endsWith(".ts") ? ["-f", "mpegts"] : []), "-i", file, "-map", "0:v:0?", "-f", "framemd5", "-"], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? "", stderr: error.stderr ?? "failed" }),
  );
  const hashes = stdout.split("\n").filter((line) => /^0,/.test(line)).map((line) => line.split(",").at(-1)!.trim());
  return { frames: hashes.length, hashes, errors: stderr.trim() };
}

async function save(name: string, body: ArrayBuffer | Buffer) {
  const file = join(work, name);
  await writeFile(file, Buffer.from(body as ArrayBuffer));
  return file;
}

const signed = (url: string, query: string) => `${url}${url.includes("?") ? "&" : "?"}${query.replace(/^[?&]/, "")}`;

describe("an encrypted channel", () => {
  it("serves only encrypted media, gives keys only to its own viewers' grants, and still records one clean MP4", async () => {
    const created = await runtime.api("POST", "/channels", {
      token: tenant.apiKey,
      json: { name: "premiere", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"], encryption: { keyRotationSeconds: 600 } },
    });
    expect(created.status).toBe(201);
    const channel = created.body.channel;
    expect(channel.encryption).toEqual({ keyRotationSeconds: 600 });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: tenant.apiKey });
    await eventually(async () => ((await runtime.channels.get(tenant.accountId, channel.id)).state === "RUNNING" ? true : undefined));
    pusher = push({ seconds: PUSHED_SECONDS, width: 1280, height: 720 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);

    const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: tenant.apiKey })).body;
    expect(playback.encrypted).toBe(true);
    expect(playback.formats.mss).toBeUndefined();
    const variant = new URL("360p/index.m3u8", playback.formats.hls).toString();
    const playlist = await eventually(
      async () => {
        const answer = await fetch(signed(variant, playback.query));
        const text = answer.ok ? await answer.text() : "";
        return (text.match(/\.ts$/gm) ?? []).length >= 2 ? text : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

    // HLS on MPEG-TS: AES-128 with an explicit IV, the key at the URI of the playlist, under the viewer's grant.
    const keyTag = /#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)",IV=0x([0-9A-Fa-f]{32})/.exec(playlist);
    expect(keyTag).not.toBeNull();
    const segmentName = playlist.split("\n").find((line) => line.endsWith(".ts"))!;
    const segment = await fetch(signed(new URL(segmentName, variant).toString(), playback.query));
    expect(segment.status).toBe(200);
    const encrypted = Buffer.from(await segment.arrayBuffer());
    expect((await decode(await save("encrypted.ts", encrypted))).frames).toBe(0);

    const keyUrl = new URL(keyTag![1]!, variant).toString();
    const key = await fetch(signed(keyUrl, playback.query));
    expect(key.status).toBe(200);
    const keyBytes = Buffer.from(await key.arrayBuffer());
    expect(keyBytes).toHaveLength(16);
    const decipher = createDecipheriv("aes-128-cbc", keyBytes, Buffer.from(keyTag![2]!, "hex"));
    const clear = await decode(await save("decrypted.ts", Buffer.concat([decipher.update(encrypted), decipher.final()])));
    expect(clear.frames).toBeGreaterThanOrEqual(55);
    expect(clear.errors).toBe("");

    const expired = await runtime.signer.signPath(tenant.accountId, `${keyUrl.split("/keys/")[0]}/*`, new Date(Date.now() - 1_000));
    const foreign = await runtime.signer.signPath(other.accountId, `${keyUrl.split("/keys/")[0]}/*`, new Date(Date.now() + 60_000));
    for (const denied of [keyUrl, signed(keyUrl, expired.query), signed(keyUrl, foreign.query)]) expect((await fetch(denied)).status).toBe(403);

    // CMAF (DASH and HLS fMP4): common encryption, the key from the ClearKey license of the same grant.
    const manifest = await eventually(
      async () => {
        const answer = await fetch(signed(playback.formats.dash, playback.query));
        const text = answer.ok ? await answer.text() : "";
        return text.includes("cenc:default_KID") ? text : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const kid = /cenc:default_KID="([0-9a-f-]{36})"/.exec(manifest)![1]!.replace(/-/g, "");
    const cmafBase = new URL(".", playback.formats.dash).toString();
    const init = Buffer.from(await (await fetch(signed(`${cmafBase}init-stream0.m4s`, playback.query))).arrayBuffer());
    const chunk = Buffer.from(await (await fetch(signed(`${cmafBase}chunk-stream0-00002.m4s`, playback.query))).arrayBuffer());
    const fragment = await save("encrypted.mp4", Buffer.concat([init, chunk]));
    const withoutKey = await decode(fragment);

    const licenseUrl = signed(new URL("../keys/clearkey", playback.formats.dash).toString(), playback.query);
    const license = await fetch(licenseUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kids: [Buffer.from(kid, "hex").toString("base64url")], type: "temporary" }),
    });
    expect(license.status).toBe(200);
    const { keys } = (await license.json()) as { keys: { kid: string; k: string }[] };
    const contentKey = Buffer.from(keys[0]!.k, "base64url").toString("hex");
    const decrypted = await decode(fragment, ["-decryption_key", contentKey]);
    expect(decrypted.errors).toBe("");
    expect(decrypted.frames).toBeGreaterThanOrEqual(55);
    // Without the key not one picture comes out as it does with it.
    expect(withoutKey.hashes.filter((hash) => decrypted.hashes.includes(hash))).toEqual([]);
    expect((await fetch(new URL("../keys/clearkey", playback.formats.dash).toString(), { method: "POST", body: "{}" })).status).toBe(403);

    // Nothing clear reaches the bucket: no MPEG-TS segment of any rendition decodes, no CMAF file is the encoder's own.
    const liveDir = join(runtime.layout.bucketDir(`visionstream-local-${tenant.accountId}`), "live", channel.id);
    const sourceDir = join(runtime.dataDir, "mediapackage", channel.id);
    expect(await readdir(liveDir)).not.toContain("mss");
    for (const rendition of SMALL_LADDER.renditions.map(({ name }) => name)) {
      const segments = (await readdir(join(liveDir, rendition))).filter((file) => file.endsWith(".ts"));
      expect(segments.length).toBeGreaterThanOrEqual(2);
      for (const name of segments) expect((await decode(join(liveDir, rendition, name))).frames, `${rendition}/${name}`).toBe(0);
    }
    const published = (await readdir(join(liveDir, "cmaf"))).filter((file) => file.endsWith(".m4s"));
    expect(published.length).toBeGreaterThanOrEqual(4);
    for (const name of published) {
      const source = await readFile(join(sourceDir, "cmaf", name)).catch(() => undefined);
      if (source) expect(source.equals(await readFile(join(liveDir, "cmaf", name))), name).toBe(false);
    }

    expect(await pusher.done).toBe(0);
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: tenant.apiKey });
    const recording = await eventually(
      async () => {
        const { body } = await runtime.api("GET", `/recordings?channelId=${channel.id}`, { token: tenant.apiKey });
        return body.recordings?.[0]?.status === "READY" ? body.recordings[0] : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Math.abs(recording.durationMs - PUSHED_SECONDS * 1000)).toBeLessThanOrEqual(1_000);
    const mp4 = await save("recording.mp4", await (await fetch((await runtime.api("GET", `/recordings/${recording.id}/playback`, { token: tenant.apiKey })).body.url)).arrayBuffer());
    expect(Math.abs((await durationSeconds(mp4)) - PUSHED_SECONDS)).toBeLessThanOrEqual(1);
    const played = await decode(mp4);
    expect(played.errors).toBe("");
    expect(played.frames).toBeGreaterThanOrEqual(PUSHED_SECONDS * 30 - 30);
  }, 120_000);
});
