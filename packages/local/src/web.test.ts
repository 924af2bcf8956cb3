import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, watchPlayer } from "../testing/browser.ts";
import { listenOnLoopback } from "../testing/http.ts";
import { ensureWebBuilt, webApp } from "./web.ts";

const run = promisify(execFile);
const TOKEN = "abc";

const listen = listenOnLoopback;

/** 20 s of test pattern and tone as HLS in two renditions (640x360, 320x180; 2 s segments), and an 8 s MP4. */
async function makeMedia(dir: string) {
  const lavfi = (seconds: number, size: string) => [
    ["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=25:duration=${seconds}`],
    ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
  ].flat();
  const h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"];
  const aac = ["-c:a", "aac", "-b:a", "64k", "-ac", "2"];
  await Promise.all([
    run("ffmpeg", [
      "-hide_banner", "-loglevel", "error", ...lavfi(20, "640x360"),
      "-filter_complex", "[0:v]split=2[high][low0];[low0]scale=320:180[low]",
      "-map", "[high]", "-map", "1:a", "-map", "[low]", "-map", "1:a",
      ...h264, "-b:v:0", "800k", "-b:v:1", "250k", ...aac,
      "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
      "-var_stream_map", "v:0,a:0 v:1,a:1", "-master_pl_name", "master.m3u8",
      "-hls_segment_filename", join(dir, "stream_%v", "seg_%03d.ts"), join(dir, "stream_%v", "index.m3u8"),
    ], { cwd: dir }),
    run("ffmpeg", ["-hide_banner", "-loglevel", "error", ...lavfi(8, "320x180"), ...h264, ...aac, "-movflags", "+faststart", join(dir, "clip.mp4")]),
  ]);
}

interface SeenRequest {
  method: string;
  path: string;
  token: string | undefined;
}

/** A stand-in for a CDN: the media directory, answered only with `?token=abc`, CORS with credentials. */
function tokenCheckingMediaApp(dir: string, seen: SeenRequest[]) {
  const app = new Hono();
  app.use("*", async (c, next) => {
    seen.push({ method: c.req.method, path: c.req.path, token: c.req.query("token") });
    await next();
    const origin = c.req.header("origin");
    if (origin) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.set("access-control-allow-credentials", "true");
      c.res.headers.append("vary", "Origin");
    }
  });
  app.use("*", async (c, next) => (c.req.query("token") === TOKEN ? next() : c.text("Forbidden", 403)));
  app.use("*", serveStatic({ root: dir }));
  return app;
}

function rawGet(baseUrl: string, path: string, method = "GET"): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    const sent = request({ hostname, port, path, method }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, contentType: response.headers["content-type"], body }));
    });
    sent.on("error", reject).end();
  });
}

describe("the player page in Chromium", () => {
  const seen: SeenRequest[] = [];
  let mediaDir: string;
  let browser: Browser;
  let media: Awaited<ReturnType<typeof listen>>;
  let web: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    mediaDir = await mkdtemp(join(tmpdir(), "visionstream-web-"));
    const [dist] = await Promise.all([ensureWebBuilt(), makeMedia(mediaDir), launchChromium().then((launched) => (browser = launched))]);
    media = await listen(tokenCheckingMediaApp(mediaDir, seen));
    web = await listen(webApp(dist));
  });

  afterAll(async () => {
    await browser?.close();
    await media?.close();
    await web?.close();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  });

  const playerUrl = (src: string, auth?: string) =>
    `${web.url}/player.html?src=${encodeURIComponent(src)}${auth === undefined ? "" : `&auth=${encodeURIComponent(auth)}`}`;

  it("plays both renditions of an HLS stream, adding the signature to every request", async () => {
    seen.length = 0;
    const page = await browser.newPage();
    try {
      const watched = await watchPlayer(page, playerUrl(`${media.url}/master.m3u8`, `token=${TOKEN}`), {
        seconds: 5,
        screenshotPath: process.env.VISIONSTREAM_PLAYER_SCREENSHOT,
      });

      expect(watched.fatalError).toBeNull();
      expect(watched.currentTimeEnd - watched.currentTimeStart).toBeGreaterThanOrEqual(3);
      expect(watched.levels.map(({ width, height }) => `${width}x${height}`).sort()).toEqual(["320x180", "640x360"]);
      expect(watched.levels.every((level) => level.bitrate > 0)).toBe(true);
      expect(watched.currentLevel).toBeGreaterThanOrEqual(0);
      expect(await page.locator("#rendition-list li").count()).toBe(2);
      expect(seen.some((request) => request.path === "/master.m3u8")).toBe(true);
      expect(seen.some((request) => /^\/stream_\d\/index\.m3u8$/.test(request.path))).toBe(true);
      expect(seen.some((request) => request.path.endsWith(".ts"))).toBe(true);
      expect(seen.filter((request) => request.token !== TOKEN)).toEqual([]);

      const other = watched.levels.findIndex((_level, index) => index !== watched.currentLevel);
      await page.selectOption("#rendition-choice", String(other));
      await page.waitForFunction(
        (level) => (window as unknown as { visionstreamPlayer: { currentLevel: number } }).visionstreamPlayer.currentLevel === level,
        other,
        { timeout: 5_000 },
      );
      expect(new Set(seen.map((request) => request.path.split("/")[1]))).toEqual(new Set(["master.m3u8", "stream_0", "stream_1"]));
      expect(seen.filter((request) => request.token !== TOKEN)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows why it cannot play a stream without the signature", async () => {
    seen.length = 0;
    const page = await browser.newPage();
    try {
      const watched = await watchPlayer(page, playerUrl(`${media.url}/master.m3u8`), { seconds: 1.5 });

      expect(watched.fatalError).toBe("not allowed: the link expired or is invalid");
      expect(watched.currentTimeEnd).toBe(0);
      expect(watched.networkStatuses).toContainEqual({ url: `${media.url}/master.m3u8`, status: 403 });
      const alert = await page.getByRole("alert").textContent();
      expect(alert).toContain("not allowed: the link expired or is invalid");
      expect(alert).toContain("HTTP 403 loading the playlist");
      expect(seen.filter((request) => request.path.endsWith(".ts"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("plays an MP4 whose signed URL is complete", async () => {
    const page = await browser.newPage();
    try {
      const watched = await watchPlayer(page, playerUrl(`${media.url}/clip.mp4?token=${TOKEN}`), { seconds: 3 });

      expect(watched.fatalError).toBeNull();
      expect(watched.currentTimeEnd - watched.currentTimeStart).toBeGreaterThanOrEqual(2);
    } finally {
      await page.close();
    }
  });

  it("serves the built files only, with their content types", async () => {
    const page = await rawGet(web.url, "/player.html");
    expect(page).toMatchObject({ status: 200, contentType: expect.stringMatching(/^text\/html/) });
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    expect(await rawGet(web.url, `/${script}`)).toMatchObject({ status: 200, contentType: expect.stringMatching(/javascript/) });
    expect(await rawGet(web.url, "/player.html", "HEAD")).toMatchObject({ status: 200, body: "" });

    for (const path of ["/", "/nothing.html", "/../web/package.json", "/assets/..%2f..%2fpackage.json", "/%2e%2e/package.json", "/.inputs"]) {
      expect((await rawGet(web.url, path)).status, path).toBe(404);
    }
    expect((await rawGet(web.url, "/player.html", "POST")).status).toBe(404);
  });
});
