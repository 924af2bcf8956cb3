import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { contentKey } from "@visionstream/core/keys/content-keys";
import { encryptInit, encryptSegment } from "@visionstream/mp4";
import type { Hono } from "hono";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, watchPlayer } from "../testing/browser.ts";
import { listenOnLoopback } from "../testing/http.ts";
import { startTestCdn, type TestCdnAccount } from "../testing/cdn.ts";
import { protectedFmp4Playlist, protectedMpd } from "./mediapackage/dash-protection.ts";
import { keyServerSecret } from "./secrets/key-server-secret.ts";
import { ensureWebBuilt, webApp } from "./web.ts";

const run = promisify(execFile);
const SECONDS = 12;
const CLEAR = "ch-formats-clear";
const LOCKED = "ch-formats-locked";
const KID = "0123456789abcdef0123456789abcdef";

const listen = listenOnLoopback;

const ffmpeg = (args: string[]) => run("ffmpeg", ["-hide_banner", "-loglevel", "error", ...args]);

/** 12 s of test pattern and tone in two renditions (640x360 800k, 320x180 250k), 2 s GOPs, mapped for `mapped` outputs. */
const ladder = (mapped: string[]) => [
  "-f", "lavfi", "-i", `testsrc2=size=640x360:rate=25:duration=${SECONDS}`,
  "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
  "-filter_complex", "[0:v]split=2[high][low0];[low0]scale=320:180[low]",
  ...mapped.flatMap((stream) => ["-map", stream]),
  "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
  "-b:v:0", "800k", "-b:v:1", "250k", "-c:a", "aac", "-b:a", "64k", "-ac", "2",
];

/** HLS on TS at the channel's root (`master.m3u8`, `stream_<n>/`), AES-128 with `keyInfo` (ffmpeg's key info file). */
const hlsTs = (liveDir: string, keyInfo?: string) =>
  ffmpeg([
    ...ladder(["[high]", "1:a", "[low]", "1:a"]),
    "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", ...(keyInfo ? ["-hls_key_info_file", keyInfo] : []),
    "-var_stream_map", "v:0,a:0 v:1,a:1", "-master_pl_name", "master.m3u8",
    "-hls_segment_filename", join(liveDir, "stream_%v", "seg_%03d.ts"), join(liveDir, "stream_%v", "index.m3u8"),
  ]);

/** CMAF in `cmaf/`: a DASH manifest and an HLS fMP4 playlist over the same segments, as the channel engine's dash muxer writes them. */
const cmaf = (liveDir: string) =>
  ffmpeg([
    ...ladder(["[high]", "[low]", "1:a"]),
    "-f", "dash", "-hls_playlist", "1", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "1",
    "-adaptation_sets", "id=0,streams=v id=1,streams=a", join(liveDir, "cmaf", "manifest.mpd"),
  ]);

/** Smooth Streaming in `mss/`. */
async function smoothStreaming(liveDir: string): Promise<void> {
  await ffmpeg([...ladder(["[high]", "[low]", "1:a"]), "-f", "smoothstreaming", "-min_frag_duration", "2000000", join(liveDir, "mss")]);
  await timeFirstSmoothChunks(join(liveDir, "mss"));
}

/**
 * ffmpeg's final (VOD) Smooth Streaming manifest numbers the chunks from time 0, while the video fragments are named by
 * their real start (after the AAC priming delay); its live manifest, which channels serve, gives every chunk its `t`.
 * The first chunk of each stream gets its `t` here, so the VOD fixture plays like the live one.
 */
async function timeFirstSmoothChunks(dir: string): Promise<void> {
  const starts = new Map<string, number>();
  for (const level of await readdir(dir)) {
    if (!level.startsWith("QualityLevels(")) continue;
    for (const name of await readdir(join(dir, level))) {
      const match = /^Fragments\((video|audio)=(\d+)\)$/.exec(name);
      if (match) starts.set(match[1]!, Math.min(starts.get(match[1]!) ?? Infinity, Number(match[2])));
    }
  }
  const manifest = await readFile(join(dir, "Manifest"), "utf8");
  const timed = manifest.replace(/(<StreamIndex Type="(video|audio)"[^]*?)<c n="0"/g, (_all, head: string, type: string) => `${head}<c n="0" t="${starts.get(type) ?? 0}"`);
  await writeFile(join(dir, "Manifest"), timed);
}

/** The CMAF folder as the packager publishes it for an encrypted channel: every segment CENC with the key, MPD and playlists with ClearKey. */
async function encryptCmaf(dir: string, key: { kid: Buffer; key: Buffer }): Promise<void> {
  const names = await readdir(dir);
  for (const init of names.filter((name) => /^init-stream\d+\.m4s$/.test(name))) {
    const stream = /\d+/.exec(init)![0];
    const clearInit = await readFile(join(dir, init));
    for (const chunk of names.filter((name) => name.startsWith(`chunk-stream${stream}-`))) {
      await writeFile(join(dir, chunk), encryptSegment(clearInit, key, await readFile(join(dir, chunk))));
    }
    await writeFile(join(dir, init), encryptInit(clearInit, key));
  }
  const kid = key.kid.toString("hex");
  await writeFile(join(dir, "manifest.mpd"), protectedMpd(await readFile(join(dir, "manifest.mpd"), "utf8"), kid));
  for (const playlist of names.filter((name) => /^media_\d+\.m3u8$/.test(name))) {
    const encrypted = protectedFmp4Playlist(await readFile(join(dir, playlist), "utf8"), kid, () => true);
    if (encrypted) await writeFile(join(dir, playlist), encrypted);
  }
}

/** A clear channel's formats (HLS-TS, CMAF, MSS) in live/<CLEAR>/, an encrypted one's (HLS-TS AES-128, CMAF CENC) in live/<LOCKED>/. */
async function makeChannels(bucketDir: string, secret: Buffer, workDir: string): Promise<void> {
  const clear = join(bucketDir, "live", CLEAR);
  const locked = join(bucketDir, "live", LOCKED);
  for (const dir of [join(clear, "cmaf"), join(clear, "mss"), join(locked, "cmaf")]) await mkdir(dir, { recursive: true });
  // The key the CDN's key server answers for this channel and KID; the playlists name it as the packager does.
  const { key } = contentKey(secret, LOCKED, KID);
  const keyInfo = join(workDir, `${LOCKED}.keyinfo`);
  await writeFile(join(workDir, `${LOCKED}.key`), key);
  await writeFile(keyInfo, `../keys/${KID}\n${join(workDir, `${LOCKED}.key`)}\n${randomBytes(16).toString("hex")}\n`);
  await Promise.all([hlsTs(clear), cmaf(clear), smoothStreaming(clear), hlsTs(locked, keyInfo), cmaf(locked)]);
  await encryptCmaf(join(locked, "cmaf"), { kid: Buffer.from(KID, "hex"), key });
}

interface SeenRequest {
  method: string;
  url: string;
  status: number;
}

/** Every request the page sends to `origin`, with the status it got (0: no answer); those the player aborted are left out. */
function recordRequests(page: Page, origin: string): SeenRequest[] {
  const seen: SeenRequest[] = [];
  page.on("requestfinished", async (request) => {
    if (!request.url().startsWith(origin)) return;
    const response = await request.response();
    seen.push({ method: request.method(), url: request.url(), status: response?.status() ?? 0 });
  });
  page.on("requestfailed", (request) => {
    if (request.url().startsWith(origin) && request.failure()?.errorText !== "net::ERR_ABORTED") seen.push({ method: request.method(), url: request.url(), status: 0 });
  });
  return seen;
}

const pathOf = (url: string) => decodeURIComponent(new URL(url).pathname);

describe("the player plays every format a channel serves, through the CDN with a playback grant, in Chromium", () => {
  let cdn: Awaited<ReturnType<typeof startTestCdn>>;
  let account: TestCdnAccount;
  let browser: Browser;
  let web: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    cdn = await startTestCdn();
    account = await cdn.account("acct-player-formats");
    const secret = await keyServerSecret(cdn.layout);
    const [dist] = await Promise.all([ensureWebBuilt(), makeChannels(account.bucketDir, secret, cdn.dataDir), launchChromium().then((launched) => (browser = launched))]);
    web = await listen(webApp(dist));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await cdn?.close();
  });

  async function playerUrl(channelId: string, path: string, format?: string, auth?: string): Promise<string> {
    const src = `${account.cdnBaseUrl}/live/${channelId}/${path}`;
    const signature = auth ?? (await account.grant(channelId)).query;
    return `${web.url}/player.html?src=${encodeURIComponent(src)}&auth=${encodeURIComponent(signature)}${format ? `&format=${format}` : ""}`;
  }

  const cases = [
    { name: "HLS on TS", channelId: CLEAR, path: "master.m3u8", format: "hls", label: "HLS", folder: "stream_" },
    { name: "HLS on CMAF", channelId: CLEAR, path: "cmaf/master.m3u8", format: "hlsCmaf", label: "HLS (CMAF)", folder: "cmaf/" },
    { name: "DASH", channelId: CLEAR, path: "cmaf/manifest.mpd", format: "dash", label: "DASH", folder: "cmaf/" },
    { name: "Smooth Streaming", channelId: CLEAR, path: "mss/Manifest", format: "mss", label: "Smooth Streaming", folder: "mss/" },
    { name: "HLS on TS encrypted with AES-128", channelId: LOCKED, path: "master.m3u8", format: "hls", label: "HLS", folder: "stream_" },
    { name: "DASH encrypted with CENC, ClearKey", channelId: LOCKED, path: "cmaf/manifest.mpd", format: "dash", label: "DASH", folder: "cmaf/" },
    { name: "HLS on CMAF encrypted with CENC, ClearKey", channelId: LOCKED, path: "cmaf/master.m3u8", format: "hlsCmaf", label: "HLS (CMAF)", folder: "cmaf/" },
  ] as const;

  for (const { name, channelId, path, format, label, folder } of cases) {
    it(`plays ${name}: both renditions, every request signed, and says which format it plays`, async () => {
      const page = await browser.newPage();
      const seen = recordRequests(page, account.cdnBaseUrl);
      try {
        const watched = await watchPlayer(page, await playerUrl(channelId, path, format), { seconds: 5 });

        expect(watched.fatalError, JSON.stringify(watched.events.slice(-5))).toBeNull();
        expect(watched.currentTimeEnd - watched.currentTimeStart).toBeGreaterThan(2);
        expect(watched.levels.map(({ width, height }) => `${width}x${height}`).sort()).toEqual(["320x180", "640x360"]);
        expect(watched.levels.every((level) => level.bitrate > 0)).toBe(true);
        expect(watched.format).toBe(format);
        expect(await page.locator("#format").textContent()).toBe(`Format: ${label}`);
        expect(await page.getByRole("status").textContent()).toMatch(new RegExp(`^Playing ${label.replace(/[()]/g, "\\$&")}: \\d+×\\d+`));
        expect(await page.locator("#rendition-list li").count()).toBe(2);
        const live = `/live/${channelId}/`;
        expect(seen.filter(({ url }) => pathOf(url).includes(`${live}${folder}`)).length).toBeGreaterThan(3);
        expect(seen.filter(({ url }) => !new URL(url).searchParams.has("Signature"))).toEqual([]);
        expect(seen.filter(({ status }) => status !== 200 && status !== 206)).toEqual([]);
        if (channelId === LOCKED) {
          const keyRequest = format === "hls" ? { method: "GET", path: `${live}keys/${KID}` } : { method: "POST", path: `${live}keys/clearkey` };
          expect(seen.some(({ method, url }) => method === keyRequest.method && pathOf(url).endsWith(keyRequest.path))).toBe(true);
        }
      } finally {
        await page.close();
      }
    });
  }

  it("infers the format from the stream's path when the link names none", async () => {
    const page = await browser.newPage();
    try {
      for (const [path, format] of [["cmaf/manifest.mpd", "dash"], ["mss/Manifest", "mss"], ["cmaf/master.m3u8", "hlsCmaf"], ["master.m3u8", "hls"]] as const) {
        const watched = await watchPlayer(page, await playerUrl(CLEAR, path), { seconds: 0.5 });
        expect(watched.fatalError, path).toBeNull();
        expect(watched.format, path).toBe(format);
      }
    } finally {
      await page.close();
    }
  });

  it("shows why it cannot play DASH without a grant, or with another channel's", async () => {
    const page = await browser.newPage();
    try {
      const unsigned = await watchPlayer(page, await playerUrl(CLEAR, "cmaf/manifest.mpd", "dash", ""), { seconds: 1 });
      expect(unsigned.fatalError).toBe("not allowed: the link expired or is invalid");
      expect(unsigned.currentTimeEnd).toBe(0);
      expect(await page.getByRole("alert").textContent()).toContain("HTTP 403 loading the manifest");

      const otherGrant = (await account.grant(CLEAR)).query;
      const elsewhere = await watchPlayer(page, await playerUrl(LOCKED, "cmaf/manifest.mpd", "dash", otherGrant), { seconds: 1 });
      expect(elsewhere.fatalError).toBe("not allowed: the link expired or is invalid");
    } finally {
      await page.close();
    }
  });

  it("loads dash.js only for DASH and Smooth Streaming", async () => {
    const page = await browser.newPage();
    const scripts: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
    });
    try {
      await watchPlayer(page, await playerUrl(CLEAR, "master.m3u8", "hls"), { seconds: 0.5 });
      const forHls = scripts.splice(0);
      await watchPlayer(page, await playerUrl(CLEAR, "cmaf/manifest.mpd", "dash"), { seconds: 0.5 });

      expect(forHls.some((path) => /dash/i.test(path))).toBe(false);
      expect(scripts.some((path) => /dash/i.test(path))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
