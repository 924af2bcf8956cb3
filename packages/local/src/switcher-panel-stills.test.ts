import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../testing/browser.ts";
import { ensureWebBuilt, webApp } from "./web.ts";

const run = promisify(execFile);
const KEY = "vs_stills-panel-key";
const SWITCHER = "sw-5711150000000000";
const REFRESH_MS = 500;

type Rgb = [number, number, number];
type Colour = "red" | "blue";

/** A 480×270 JPEG of one colour, as MediaConnect's thumbnails are sized. */
async function jpegOf(colour: Colour): Promise<Buffer> {
  const { stdout } = await run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `color=c=${colour}:size=480x270`, "-frames:v", "1", "-f", "mjpeg", "pipe:1"], {
    encoding: "buffer",
  });
  return stdout;
}

/** What GET /switchers/{id} answers in AWS: both buses as thumbnails through the API. */
const switcherView = {
  id: SWITCHER,
  name: "stills",
  architecture: {},
  live: "stage-a",
  preview: "stage-b",
  schedule: [],
  ingests: ["stage-a", "stage-b"].map((id, index) => ({
    id,
    name: `Stage ${"AB"[index]}`,
    region: "eu-west-1",
    port: 9001 + index,
    health: { connected: true, bitrateKbps: 5_000, lastKeyframeAgeMs: null, warnings: [] },
  })),
  monitors: {
    live: { kind: "thumbnail", thumbnailUrl: `/switchers/${SWITCHER}/monitors/live/thumbnail`, refreshMs: REFRESH_MS },
    preview: { kind: "thumbnail", thumbnailUrl: `/switchers/${SWITCHER}/monitors/preview/thumbnail`, refreshMs: REFRESH_MS },
  },
  createdAt: "2026-03-01T12:00:00.000Z",
  updatedAt: "2026-03-01T12:00:00.000Z",
};

let browser: Browser;
let server: ReturnType<typeof serve>;
let pagesUrl: string;
const jpegs = {} as Record<Colour, Buffer>;
/** What each bus's thumbnail route answers: a colour, or nothing yet (404). */
const stills: Record<"live" | "preview", Colour | undefined> = { live: "red", preview: "blue" };
const thumbnailRequests: { path: string; authorization: string | undefined }[] = [];

/** The colour in the middle of the monitor's still, as the browser decoded it. */
function centreColour(page: Page, selector: string): Promise<Rgb> {
  return page.evaluate((imageSelector) => {
    const image = document.querySelector<HTMLImageElement>(imageSelector);
    if (!image || image.hidden || image.naturalWidth === 0) return [0, 0, 0] as Rgb;
    const canvas = document.createElement("canvas");
    canvas.width = 1;
    canvas.height = 1;
    const context = canvas.getContext("2d")!;
    context.drawImage(image, image.naturalWidth / 2, image.naturalHeight / 2, 1, 1, 0, 0, 1, 1);
    const [red, green, blue] = context.getImageData(0, 0, 1, 1).data;
    return [red, green, blue] as Rgb;
  }, selector);
}

const isRed = ([red, green, blue]: Rgb) => red > 200 && green < 60 && blue < 60;
const isBlue = ([red, green, blue]: Rgb) => blue > 200 && red < 60 && green < 60;

describe("the switcher panel's monitors as stills (AWS: MediaConnect thumbnails)", () => {
  beforeAll(async () => {
    [browser, jpegs.red, jpegs.blue] = await Promise.all([launchChromium(), jpegOf("red"), jpegOf("blue")]);
    // The API's side, as in AWS: the switcher with thumbnail monitors, and each bus's latest JPEG.
    const app = new Hono()
      .get(`/switchers/${SWITCHER}`, (c) => c.json({ switcher: switcherView, panelUrl: "" }))
      .get(`/switchers/${SWITCHER}/events`, (c) => c.json({ events: [] }))
      .get(`/switchers/${SWITCHER}/monitors/:bus/thumbnail`, (c) => {
        thumbnailRequests.push({ path: c.req.path, authorization: c.req.header("authorization") });
        const colour = stills[c.req.param("bus") as "live" | "preview"];
        if (!colour) return c.json({ error: { code: "NOT_FOUND", message: "no thumbnail yet", details: {} } }, 404);
        return c.body(new Uint8Array(jpegs[colour]), 200, { "content-type": "image/jpeg", "cache-control": "no-store" });
      })
      .route("/", webApp(await ensureWebBuilt()));
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
      started.once("error", reject);
    });
    pagesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("shows each bus's latest thumbnail in place of the video, refreshes it, and keeps the last picture while none comes", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    try {
      await page.goto(`${pagesUrl}/switcher.html?id=${SWITCHER}#key=${encodeURIComponent(KEY)}`);
      await expect.poll(() => page.textContent("[data-testid=program-label]"), { timeout: 5_000 }).toBe("stage-a");

      await expect.poll(() => centreColour(page, "#program img.monitor-still").then(isRed), { timeout: 5_000 }).toBe(true);
      await expect.poll(() => centreColour(page, "#preview img.monitor-still").then(isBlue), { timeout: 5_000 }).toBe(true);
      expect(await page.locator("#program video").isHidden()).toBe(true);
      expect(await page.evaluate(() => window.visionstreamSwitcher.monitors.live.status)).toBe("still");
      expect(await page.textContent("#program .monitor-status")).toBe("stills");

      stills.live = "blue";
      await expect.poll(() => centreColour(page, "#program img.monitor-still").then(isBlue), { timeout: 3_000 }).toBe(true);

      stills.preview = undefined;
      await expect.poll(() => page.evaluate(() => window.visionstreamSwitcher.monitors.preview), { timeout: 3_000 }).toEqual({
        status: "retrying",
        detail: "no thumbnail yet: the bus flow has no picture",
      });
      expect(isBlue(await centreColour(page, "#preview img.monitor-still"))).toBe(true);

      // Both buses at first, then the live bus refreshed and the preview refreshed to nothing: four at least.
      expect(thumbnailRequests.length).toBeGreaterThanOrEqual(4);
      expect(thumbnailRequests.every((request) => request.authorization === `Bearer ${KEY}`)).toBe(true);
      expect(requested.filter((url) => url.includes(KEY))).toEqual([]);
      expect(await page.locator("[data-testid=error]").isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);
});
