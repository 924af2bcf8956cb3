import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, watchPlayer } from "../testing/browser.ts";
import { startTestCdn, type TestCdnAccount } from "../testing/cdn.ts";
import { listenOnLoopback } from "../testing/http.ts";
import { withAdaptationSetSwitching } from "./mediapackage/dash-manifest.ts";
import { ensureWebBuilt, webApp } from "./web.ts";

const run = promisify(execFile);
const SECONDS = 12;
const CHANNEL = "ch-dash-switching";

/**
 * The channel's DASH as the engine writes it, in small: 16:9 renditions (640x360 800k, 480x270 500k) in one video set,
 * letterboxed 4:3 ones (320x240 250k, 160x120 100k) in another, since ffmpeg's DASH muxer keeps shapes apart; 2 s GOPs.
 * As in the real ladder, the 16:9 set spends fewer bits per pixel, so dash.js starts in it. The viewers' manifest
 * declares the video sets switchable with each other, as the published one does.
 */
async function twoShapedSets(cmafDir: string): Promise<void> {
  await mkdir(cmafDir, { recursive: true });
  await run("ffmpeg", [
    "-hide_banner", "-loglevel", "error",
    "-f", "lavfi", "-i", `testsrc2=size=640x360:rate=25:duration=${SECONDS}`,
    "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
    "-filter_complex",
    "[0:v]split=4[wide][mid0][box0][tiny0];[mid0]scale=480:270[mid];[box0]scale=320:180,pad=320:240:0:30[box];[tiny0]scale=160:90,pad=160:120:0:15[tiny]",
    ...["[wide]", "[mid]", "[box]", "[tiny]", "1:a"].flatMap((stream) => ["-map", stream]),
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
    "-b:v:0", "800k", "-b:v:1", "500k", "-b:v:2", "250k", "-b:v:3", "100k", "-c:a", "aac", "-b:a", "64k", "-ac", "2",
    "-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "1",
    "-adaptation_sets", "id=0,streams=0,1 id=1,streams=2,3 id=2,streams=a", join(cmafDir, "encoder.mpd"),
  ]);
  await writeFile(join(cmafDir, "manifest.mpd"), withAdaptationSetSwitching(await readFile(join(cmafDir, "encoder.mpd"), "utf8")));
}

/** The picture the page shows now, and how far it played. */
const picture = (page: Page) =>
  page.evaluate(() => {
    const video = document.querySelector("video")!;
    return { width: video.videoWidth, height: video.videoHeight, currentTime: video.currentTime };
  });

describe("dash.js switches between the 16:9 and the 4:3 video sets of a channel's DASH, in Chromium", () => {
  let cdn: Awaited<ReturnType<typeof startTestCdn>>;
  let account: TestCdnAccount;
  let browser: Browser;
  let web: Awaited<ReturnType<typeof listenOnLoopback>>;

  beforeAll(async () => {
    cdn = await startTestCdn();
    account = await cdn.account("acct-dash-switching");
    const [dist] = await Promise.all([
      ensureWebBuilt(),
      twoShapedSets(join(account.bucketDir, "live", CHANNEL, "cmaf")),
      launchChromium().then((launched) => (browser = launched)),
    ]);
    web = await listenOnLoopback(webApp(dist));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await cdn?.close();
  });

  async function playerUrl(): Promise<string> {
    const src = `${account.cdnBaseUrl}/live/${CHANNEL}/cmaf/manifest.mpd`;
    const { query } = await account.grant(CHANNEL);
    return `${web.url}/player.html?src=${encodeURIComponent(src)}&auth=${encodeURIComponent(query)}&format=dash`;
  }

  it("lists the renditions of both sets and plays the 4:3 picture when the viewer picks the lowest", async () => {
    const page = await browser.newPage();
    try {
      const watched = await watchPlayer(page, await playerUrl(), { seconds: 1 });
      const listed = await page.locator("#rendition-list li").count();
      const first = await picture(page);

      const lowest = watched.levels.reduce((low, level, index) => (level.bitrate < watched.levels[low]!.bitrate ? index : low), 0);
      await page.getByLabel("Quality").selectOption(String(lowest));
      await page.waitForFunction(() => document.querySelector("video")!.videoWidth === 160, undefined, { timeout: 10_000, polling: 100 });
      const before = await picture(page);
      await page.waitForTimeout(1500);
      const after = await picture(page);

      expect(watched.fatalError, JSON.stringify(watched.events.slice(-5))).toBeNull();
      expect(watched.levels.map(({ width, height }) => `${width}x${height}`).sort()).toEqual(["160x120", "320x240", "480x270", "640x360"]);
      expect(listed).toBe(4);
      expect(first.width * 9).toBe(first.height * 16);
      expect(`${after.width}x${after.height}`).toBe("160x120");
      expect(after.currentTime - before.currentTime).toBeGreaterThan(0.5);
      const state = await page.evaluate(() => window.visionstreamPlayer);
      expect(state.fatalError).toBeNull();
      expect(state.levels[state.currentLevel]).toMatchObject({ width: 160, height: 120 });
    } finally {
      await page.close();
    }
  });

  it("leaves the 16:9 set for a 4:3 rendition on its own when the network is slow", async () => {
    // One browser profile: the slow visit finds the page's scripts cached, and dash.js remembering the fast network.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const sizes: string[] = [];
      (window as unknown as { pictureSizes: string[] }).pictureSizes = sizes;
      // `resize` does not bubble: caught on its way down to the video.
      document.addEventListener("resize", (event) => {
        const video = event.target as HTMLVideoElement;
        sizes.push(`${video.videoWidth}x${video.videoHeight}`);
      }, true);
    });
    const pictureSizes = () => page.evaluate(() => (window as unknown as { pictureSizes: string[] }).pictureSizes);
    try {
      const fast = await watchPlayer(page, await playerUrl(), { seconds: 1 });
      const onFastNetwork = await pictureSizes();

      // A network that carries a 4:3 rendition and the audio (64k) but neither 16:9 one (500k, 800k).
      const devtools = await context.newCDPSession(page);
      await devtools.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: 300_000 / 8, uploadThroughput: -1 });
      const slow = await watchPlayer(page, await playerUrl(), { seconds: 0, startTimeoutMs: 20_000 });
      await page.waitForFunction(() => { const video = document.querySelector("video")!; return video.videoWidth * 3 === video.videoHeight * 4; }, undefined, { timeout: 15_000, polling: 100 });
      const before = await picture(page);
      await page.waitForTimeout(1500);
      const after = await picture(page);
      const onSlowNetwork = await pictureSizes();

      expect(fast.fatalError).toBeNull();
      expect(onFastNetwork).toEqual(["640x360"]);
      expect(slow.fatalError, JSON.stringify(slow.events.slice(-5))).toBeNull();
      expect(onSlowNetwork[0]).toBe("640x360");
      expect(onSlowNetwork.slice(1).every((size) => ["320x240", "160x120"].includes(size)), onSlowNetwork.join(" ")).toBe(true);
      expect(after.width * 3).toBe(after.height * 4);
      expect(after.currentTime - before.currentTime).toBeGreaterThan(0.5);
    } finally {
      await context.close();
    }
  }, 60_000);
});
