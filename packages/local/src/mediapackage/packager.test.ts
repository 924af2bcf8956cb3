import { execFile, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { contentKey, keyPeriod, kidAsUuid, periodKid } from "@visionstream/core/keys/content-keys";
import { parse, types } from "hls-parser";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../testing/browser.ts";
import { frameHashes } from "../../testing/medialive.ts";
import { trackChild } from "../child-processes.ts";
import { parseMediaPlaylist } from "../medialive/media-playlist.ts";
import { type EncryptingPackager, startEncryptingPackager } from "./packager.ts";

const run = promisify(execFile);
const CHANNEL = "ch1";
const RENDITIONS = ["hi", "lo"] as const;
const ROTATION_SECONDS = 4;
const SEGMENT_SECONDS = 2;
const RUN_SECONDS = 14;
/** The dash muxer's streams: video hi, video lo, audio. */
const CMAF_STREAMS = ["0", "1", "2"] as const;

const exists = (path: string) => stat(path).then((stats) => stats.size, () => undefined);

/** One ffmpeg, as the engine runs it for an encrypted channel: HLS-TS per rendition and low-latency CMAF (DASH + HLS). */
function ffmpegArgs(sourceDir: string) {
  const video = "-c:v libx264 -preset ultrafast -tune zerolatency -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac -b:a 64k".split(" ");
  return [
    "-hide_banner", "-nostdin", "-loglevel", "error",
    "-re", "-t", String(RUN_SECONDS), "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
    "-re", "-t", String(RUN_SECONDS), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-filter_complex",
    "[0:v]split=4[v0][l0][v2][l2];[l0]scale=160:90[v1];[l2]scale=160:90[v3];[1:a]asplit=3[a0][a1][a2]",
    "-map", "[v0]", "-map", "[a0]", "-map", "[v1]", "-map", "[a1]", ...video,
    "-f", "hls", "-hls_time", String(SEGMENT_SECONDS), "-hls_list_size", "3",
    "-hls_flags", "delete_segments+independent_segments+temp_file+program_date_time", "-hls_segment_type", "mpegts",
    "-start_number", "1", "-master_pl_name", "master.m3u8",
    "-hls_segment_filename", join(sourceDir, "%v", "seg_%05d.ts"),
    "-var_stream_map", RENDITIONS.map((name, i) => `v:${i},a:${i},name:${name}`).join(" "),
    join(sourceDir, "%v", "index.m3u8"),
    "-map", "[v2]", "-map", "[v3]", "-map", "[a2]", ...video,
    "-f", "dash", "-seg_duration", String(SEGMENT_SECONDS), "-streaming", "1", "-ldash", "1", "-target_latency", "3",
    "-write_prft", "1", "-utc_timing_url", "http://127.0.0.1:9/time", "-hls_playlist", "1",
    "-window_size", "3", "-extra_window_size", "1",
    "-init_seg_name", "init-stream$RepresentationID$.$ext$", "-media_seg_name", "chunk-stream$RepresentationID$-$Number%05d$.$ext$",
    "-adaptation_sets", "id=0,streams=v id=1,streams=a",
    join(sourceDir, "cmaf", "encoder.mpd"),
  ];
}

async function framesOf(path: string, extra: string[] = []): Promise<number> {
  const { stdout } = await run("ffprobe", [
    "-v", "error", ...extra, "-count_frames", "-select_streams", "0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path,
  ]);
  // MPEG-TS: the stream is listed again under its program
  return Number.parseInt(stdout.trim().split("\n")[0] ?? "", 10) || 0;
}

/** Frames of a file that ffmpeg cannot read count as none. */
const framesOrNone = (path: string, extra: string[] = []) => framesOf(path, extra).catch(() => 0);


const keyTagOf = (playlist: string) => playlist.split("\n").find((line) => line.startsWith("#EXT-X-KEY:"));

describe("encrypting packager on a live ffmpeg", () => {
  let root: string;
  let sourceDir: string;
  let liveDir: string;
  let packager: EncryptingPackager;
  /** A second packager started while the channel runs, as after a restart of the runtime. */
  let lateLiveDir: string;
  const secret = randomBytes(32);
  const errors: unknown[] = [];
  const startedAt = new Date();
  /** Published segments a published playlist named before they were there. */
  const listedMissing: string[] = [];
  /** Per published HLS-TS segment (rendition/sequence), the key and IV its playlist gave. */
  const keyTags = new Map<string, types.Key>();
  /** Sizes of each published growing segment, seen while its source was still growing. */
  const growth = new Map<string, number[]>();
  let sampling = true;
  const rounds: number[] = [];
  const samplerRoundMs = () => (rounds.at(-1)! - rounds[0]!) / (rounds.length - 1);
  /** Per growing segment: when its source last grew without the published one following yet. */
  const sourceGrewAt = new Map<string, { size: number; at?: number; published?: number }>();
  /** How long the published segment took to grow after its source grew (ms, to the sampler's precision). */
  const lags: number[] = [];

  async function sample() {
    for (const rendition of RENDITIONS) {
      const text = await readFile(join(liveDir, rendition, "index.m3u8"), "utf8").catch(() => undefined);
      if (!text) continue;
      for (const segment of (parse(text) as types.MediaPlaylist).segments) {
        if (segment.key) keyTags.set(`${rendition}/${segment.mediaSequenceNumber}`, segment.key);
        if ((await exists(join(liveDir, rendition, segment.uri))) === undefined) listedMissing.push(`${rendition}/${segment.uri}`);
      }
    }
    for (const stream of CMAF_STREAMS) {
      const text = await readFile(join(liveDir, "cmaf", `media_${stream}.m3u8`), "utf8").catch(() => undefined);
      if (!text) continue;
      for (const segment of (parse(text) as types.MediaPlaylist).segments) {
        if ((await exists(join(liveDir, "cmaf", segment.uri))) === undefined) listedMissing.push(`cmaf/${segment.uri}`);
      }
    }
    const names = await readdir(join(sourceDir, "cmaf")).catch(() => [] as string[]);
    for (const name of names.filter((name) => name.startsWith("chunk-stream") && name.endsWith(".tmp"))) {
      const sourceSize = await exists(join(sourceDir, "cmaf", name));
      const published = await exists(join(liveDir, "cmaf", name));
      const stillGrowing = (await exists(join(sourceDir, "cmaf", name))) !== undefined;
      const seen = sourceGrewAt.get(name) ?? { size: 0 };
      if (sourceSize !== undefined && sourceSize > seen.size) {
        seen.size = sourceSize;
        seen.at ??= performance.now();
      }
      if (published !== undefined && published !== seen.published) {
        if (seen.at !== undefined && seen.published !== undefined) lags.push(performance.now() - seen.at);
        seen.published = published;
        delete seen.at;
      }
      sourceGrewAt.set(name, seen);
      if (published === undefined || !stillGrowing) continue;
      const sizes = growth.get(name) ?? [];
      if (sizes.at(-1) !== published) sizes.push(published);
      growth.set(name, sizes);
    }
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "visionstream-packager-"));
    sourceDir = join(root, "mediapackage", CHANNEL);
    liveDir = join(root, "bucket", "live", CHANNEL);
    packager = startEncryptingPackager({
      sourceDir, liveDir, channelId: CHANNEL, secret, keyRotationSeconds: ROTATION_SECONDS, renditions: RENDITIONS,
      onError: (error) => void errors.push(error),
    });
    await mkdir(join(sourceDir, "cmaf"), { recursive: true }); // the dash muxer makes no directory
    const ffmpeg = spawn("ffmpeg", ffmpegArgs(sourceDir), { stdio: ["ignore", "ignore", "pipe"] });
    trackChild(ffmpeg);
    let stderr = "";
    ffmpeg.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => ffmpeg.once("exit", resolve));
    const sampler = (async () => {
      while (sampling) {
        rounds.push(performance.now());
        await sample();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    lateLiveDir = join(root, "bucket", "live", "late");
    const late = startEncryptingPackager({
      sourceDir, liveDir: lateLiveDir, channelId: CHANNEL, secret, keyRotationSeconds: ROTATION_SECONDS, renditions: RENDITIONS,
      onError: (error) => void errors.push(error),
    });
    const code = await exited;
    sampling = false;
    await sampler;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    await Promise.all([packager.close(), late.close()]);
    await sample();
  }, 60_000);

  afterAll(async () => {
    await packager?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("reports no error and never lists a segment before it is published", () => {
    expect(errors.map((error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)))).toEqual([]);
    expect(listedMissing).toEqual([]);
  });

  it("never publishes a media file as ffmpeg wrote it", async () => {
    const media = (await readdir(liveDir, { recursive: true })).filter((name) => /\.(ts|m4s)$/.test(name));
    expect(media.length).toBeGreaterThan(20);
    for (const name of media) {
      const source = await readFile(join(sourceDir, name)).catch(() => undefined);
      expect(source?.equals(await readFile(join(liveDir, name))) ?? false).toBe(false);
    }
  });

  it("publishes every HLS-TS segment in AES-128: no frame without the key, every frame of the source with it", async () => {
    let checked = 0;
    for (const rendition of RENDITIONS) {
      const published = parseMediaPlaylist(await readFile(join(liveDir, rendition, "index.m3u8"), "utf8"));
      expect(published.segments.length).toBeGreaterThanOrEqual(3);
      for (const segment of published.segments) {
        const path = join(liveDir, rendition, segment.uri);
        const encrypted = await readFile(path);
        // read as MPEG-TS: probed freely, random bytes may pass for some other format with "frames" of its own
        expect(await framesOrNone(path, ["-f", "mpegts"])).toBe(0);

        const tag = keyTags.get(`${rendition}/${segment.mediaSequence}`)!;
        const kid = tag.uri!.replace("../keys/", "");
        const decipher = createDecipheriv("aes-128-cbc", contentKey(secret, CHANNEL, kid).key, tag.iv as unknown as Buffer);
        const clear = Buffer.concat([decipher.update(encrypted), decipher.final()]);
        const source = await readFile(join(sourceDir, rendition, segment.uri)).catch(() => undefined);
        if (source) expect(clear.equals(source)).toBe(true);
        const decrypted = join(root, `clear-${rendition}-${segment.uri}`);
        await writeFile(decrypted, clear);
        expect(await framesOf(decrypted)).toBeGreaterThanOrEqual(45);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("names each segment's key: the KID of the key period it starts in, the IV its media sequence number", async () => {
    const kids = new Set<string>();
    for (const rendition of RENDITIONS) {
      const text = await readFile(join(liveDir, rendition, "index.m3u8"), "utf8");
      for (const segment of (parse(text) as types.MediaPlaylist).segments) {
        const period = keyPeriod(segment.programDateTime!, ROTATION_SECONDS);
        expect(segment.key?.method).toBe("AES-128");
        expect(segment.key?.uri).toBe(`../keys/${periodKid(secret, CHANNEL, period)}`);
        expect(Buffer.from(segment.key!.iv!).readBigUInt64BE(8)).toBe(BigInt(segment.mediaSequenceNumber));
      }
    }
    for (const tag of keyTags.values()) kids.add(tag.uri!);
    // 2 s segments and keys of 4 s: the key changes every other segment
    expect(kids.size).toBeGreaterThanOrEqual(3);
  });

  it("publishes the last segments on close, with the end of the playlist, and the multivariant playlist as it is", async () => {
    for (const rendition of RENDITIONS) {
      const source = parseMediaPlaylist(await readFile(join(sourceDir, rendition, "index.m3u8"), "utf8"));
      const published = parseMediaPlaylist(await readFile(join(liveDir, rendition, "index.m3u8"), "utf8"));
      expect(published.ended).toBe(true);
      expect(published.segments.map(({ uri }) => uri)).toEqual(source.segments.map(({ uri }) => uri));
    }
    expect(await readFile(join(liveDir, "master.m3u8"), "utf8")).toBe(await readFile(join(sourceDir, "master.m3u8"), "utf8"));
  });

  it("publishes the same HLS-TS when started on a running channel: same playlists, same bytes", async () => {
    for (const rendition of RENDITIONS) {
      const playlist = await readFile(join(liveDir, rendition, "index.m3u8"), "utf8");
      expect(await readFile(join(lateLiveDir, rendition, "index.m3u8"), "utf8")).toBe(playlist);
      for (const { uri } of parseMediaPlaylist(playlist).segments) {
        expect((await readFile(join(lateLiveDir, rendition, uri))).equals(await readFile(join(liveDir, rendition, uri)))).toBe(true);
      }
    }
  });

  it("deletes published segments a few segments after they left the source playlist", async () => {
    for (const rendition of RENDITIONS) {
      const source = parseMediaPlaylist(await readFile(join(sourceDir, rendition, "index.m3u8"), "utf8"));
      const first = source.segments[0]!.mediaSequence;
      const left = (await readdir(join(liveDir, rendition))).filter((name) => name.endsWith(".ts"));
      const sequences = left.map((name) => Number(/(\d+)\.ts$/.exec(name)![1])).sort((a, b) => a - b);
      expect(first).toBeGreaterThan(4);
      expect(sequences[0]).toBe(first - 3);
      expect(sequences.at(-1)).toBe(source.segments.at(-1)!.mediaSequence);
    }
  });

  it("publishes CMAF in CENC with one key: init and segments decode with it, as the source does, and not without", async () => {
    const mpd = await readFile(join(liveDir, "cmaf", "manifest.mpd"), "utf8");
    const kidUuid = /cenc:default_KID="([^"]+)"/.exec(mpd)![1]!;
    const kid = kidUuid.replace(/-/g, "");
    const possible = [startedAt, new Date()].map((at) => periodKid(secret, CHANNEL, keyPeriod(at, ROTATION_SECONDS)));
    expect(possible).toContain(kid);
    const decryptionKey = ["-decryption_key", contentKey(secret, CHANNEL, kid).key.toString("hex")];

    for (const stream of CMAF_STREAMS) {
      const chunks = (await readdir(join(sourceDir, "cmaf"))).filter((name) => name.startsWith(`chunk-stream${stream}-`) && name.endsWith(".m4s"));
      const chunk = chunks.sort().at(-2)!;
      const [init, segment, clearInit, clearSegment] = await Promise.all([
        readFile(join(liveDir, "cmaf", `init-stream${stream}.m4s`)),
        readFile(join(liveDir, "cmaf", chunk)),
        readFile(join(sourceDir, "cmaf", `init-stream${stream}.m4s`)),
        readFile(join(sourceDir, "cmaf", chunk)),
      ]);
      const expected = await frameHashes(Buffer.concat([clearInit, clearSegment]));
      expect(expected.length).toBeGreaterThan(10);
      const encrypted = Buffer.concat([init, segment]);
      expect(await frameHashes(encrypted, decryptionKey)).toEqual(expected);
      const withoutKey = await frameHashes(encrypted);
      expect(withoutKey).not.toEqual(expected);
    }
  });

  it("publishes a growing segment as it grows, before ffmpeg completes it", () => {
    const grown = [...growth.values()].filter((sizes) => sizes.length >= 3 && sizes.every((size, i) => i === 0 || size > sizes[i - 1]!));
    expect(grown.length).toBeGreaterThanOrEqual(3);
    const sorted = lags.sort((a, b) => a - b);
    const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    const followed = sorted.filter((lag) => lag < 1).length / sorted.length;
    console.log(
      `growing segments: ${sorted.length} growths, ${(followed * 100).toFixed(0)}% already followed when the sampler ` +
        `(a round every ~${samplerRoundMs().toFixed(1)} ms) saw them; p95 lag ${percentile(0.95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    expect(percentile(0.5)).toBeLessThan(20);
  });

  it("publishes every CMAF segment, and deletes those ffmpeg deleted", async () => {
    const source = (await readdir(join(sourceDir, "cmaf"))).filter((name) => name.startsWith("chunk-stream")).sort();
    const published = (await readdir(join(liveDir, "cmaf"))).filter((name) => name.startsWith("chunk-stream")).sort();
    expect(published).toEqual(source);
    expect(source.every((name) => !name.endsWith(".tmp"))).toBe(true);
    expect(published).not.toContain("chunk-stream0-00001.m4s");
  });

  it("protects every AdaptationSet of the MPD with cenc and ClearKey, and names the key in the fMP4 playlists", async () => {
    const mpd = await readFile(join(liveDir, "cmaf", "manifest.mpd"), "utf8");
    const kid = /cenc:default_KID="([^"]+)"/.exec(mpd)![1]!.replace(/-/g, "");
    expect(mpd).toMatch(/<MPD xmlns:cenc="urn:mpeg:cenc:2013"/);
    const adaptationSets = mpd.match(/<AdaptationSet\b/g)!.length;
    expect(adaptationSets).toBe(2);
    expect(mpd.match(new RegExp(`schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${kidAsUuid(kid)}"`, "g"))).toHaveLength(2);
    expect(mpd.match(/schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/g)).toHaveLength(2);

    for (const stream of CMAF_STREAMS) {
      const playlist = await readFile(join(liveDir, "cmaf", `media_${stream}.m3u8`), "utf8");
      const tag = keyTagOf(playlist)!;
      expect(tag).toContain('METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"');
      expect(tag).toContain(`URI="data:text/plain;base64,${Buffer.from(kid, "hex").toString("base64")}"`);
      expect(tag).toContain(`KEYID=0x${kid.toUpperCase()}`);
      expect(playlist.indexOf("#EXT-X-KEY")).toBeLessThan(playlist.indexOf("#EXT-X-MAP"));
    }
  });

  describe("played in Chromium, keys from a ClearKey licence and key URIs", () => {
    let server: Server;
    let origin: string;
    let browser: Browser;
    /** Key requests the players made: "licence" or the KID of an HLS AES-128 key. */
    let keyRequests: string[] = [];

    beforeAll(async () => {
      server = createServer((request, response) => void answer(request.method ?? "GET", request.url ?? "/", request, response));
      async function answer(method: string, url: string, request: NodeJS.ReadableStream, response: import("node:http").ServerResponse) {
        const path = new URL(url, "http://x").pathname;
        const keyPrefix = `/live/${CHANNEL}/keys/`;
        if (method === "POST" && path === `${keyPrefix}clearkey`) {
          let body = "";
          for await (const chunk of request) body += chunk.toString();
          const { kids } = JSON.parse(body) as { kids: string[] };
          keyRequests.push("licence");
          const keys = kids.map((kid) => ({
            kty: "oct",
            kid,
            k: contentKey(secret, CHANNEL, Buffer.from(kid, "base64url").toString("hex")).key.toString("base64url"),
          }));
          return response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys, type: "temporary" }));
        }
        if (path.startsWith(keyPrefix)) keyRequests.push(path.slice(keyPrefix.length));
        if (path.startsWith(keyPrefix)) return response.writeHead(200).end(contentKey(secret, CHANNEL, path.slice(keyPrefix.length)).key);
        const files: Record<string, string> = {
          "/hls.js": join(process.cwd(), "node_modules/hls.js/dist/hls.min.js"),
          "/dash.js": join(process.cwd(), "node_modules/dashjs/dist/modern/umd/dash.all.min.js"),
        };
        if (path === "/page.html") {
          return response.writeHead(200, { "content-type": "text/html" }).end('<video muted playsinline></video><script src="/hls.js"></script><script src="/dash.js"></script>');
        }
        const file = files[path] ?? join(root, "bucket", path);
        const body = await readFile(file).catch(() => undefined);
        if (!body) return response.writeHead(404).end();
        const type = path.endsWith(".js") ? "text/javascript" : "application/octet-stream";
        response.writeHead(200, { "content-type": type }).end(body);
      }
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    /** Plays in a fresh page until 2 s of media have played; resolves with the error when the player gives up. */
    async function play(player: "hls" | "hls-clearkey" | "dash", path: string): Promise<string> {
      const page = await browser.newPage();
      keyRequests = [];
      try {
        await page.goto(`${origin}/page.html`);
        return await page.evaluate(
          ({ player, url, licence }) =>
            new Promise<string>((resolve) => {
              const video = document.querySelector("video")!;
              const w = window as unknown as Record<string, any>;
              const timer = setTimeout(() => resolve(`timed out at ${video.currentTime} s`), 20_000);
              const done = (outcome: string) => {
                clearTimeout(timer);
                resolve(outcome);
              };
              video.addEventListener("timeupdate", () => video.currentTime >= 2 && done("played"));
              if (player === "dash") {
                const dash = w.dashjs.MediaPlayer().create();
                dash.setProtectionData({ "org.w3.clearkey": { serverURL: licence } });
                dash.on("error", (event: { error?: { message?: string } }) => done(`dash.js: ${event.error?.message ?? "error"}`));
                dash.initialize(video, url, true);
                return;
              }
              const config = player === "hls-clearkey" ? { emeEnabled: true, drmSystems: { "org.w3.clearkey": { licenseUrl: licence } } } : {};
              const hls = new w.Hls(config);
              hls.on(w.Hls.Events.ERROR, (_: unknown, data: { fatal: boolean; details: string }) => data.fatal && done(`hls.js: ${data.details}`));
              hls.loadSource(url);
              hls.attachMedia(video);
              void video.play().catch(() => {});
            }),
          { player, url: `${origin}${path}`, licence: `${origin}/live/${CHANNEL}/keys/clearkey` },
        );
      } finally {
        await page.close();
      }
    }

    it("plays HLS-TS with hls.js, which loads each period's key", async () => {
      expect(await play("hls", `/live/${CHANNEL}/master.m3u8`)).toBe("played");
      expect(new Set(keyRequests).size).toBeGreaterThanOrEqual(2);
    });

    it("plays HLS fMP4 with hls.js and the ClearKey licence", async () => {
      expect(await play("hls-clearkey", `/live/${CHANNEL}/cmaf/master.m3u8`)).toBe("played");
      expect(keyRequests).toContain("licence");
    });

    it("plays DASH with dash.js and the ClearKey licence", async () => {
      expect(await play("dash", `/live/${CHANNEL}/cmaf/manifest.mpd`)).toBe("played");
      expect(keyRequests).toContain("licence");
    });
  });
});
