import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../testing/browser.ts";
import { accountSecret, writeSecret } from "./secrets/secrets.ts";
import { flowArn } from "./mediaconnect/switcher-engine.ts";
import { localArchitecture, pushSrt, stopChild } from "../testing/mediaconnect.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";

// Ports of this file only, so it can run beside the other switcher tests.
const INGEST_PORTS = [28001, 28002];
const OUTPUT_PORTS: [number, number] = [28101, 28102];
const PASSPHRASES = ["panel-stage-a-passphrase", "panel-stage-b-passphrase"];
/** Each ingest sends one flat colour, so the centre pixel of a monitor tells which one it shows. */
const COLOURS = ["red", "blue"];

type Rgb = [number, number, number];

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;
let apiKey: string;
let switcherId: string;
const pushers: ReturnType<typeof pushSrt>[] = [];

const call = (method: string, path: string, json?: unknown) => runtime.api(method, path, { token: apiKey, ...(json !== undefined ? { json } : {}) });

/** The colour in the middle of the `<video>` under `selector`, as the browser decoded it. */
function centreColour(page: Page, selector: string): Promise<Rgb> {
  return page.evaluate((videoSelector) => {
    const video = document.querySelector<HTMLVideoElement>(videoSelector);
    if (!video || video.videoWidth === 0) return [0, 0, 0] as Rgb;
    const canvas = document.createElement("canvas");
    canvas.width = 1;
    canvas.height = 1;
    const context = canvas.getContext("2d")!;
    context.drawImage(video, video.videoWidth / 2, video.videoHeight / 2, 1, 1, 0, 0, 1, 1);
    const [red, green, blue] = context.getImageData(0, 0, 1, 1).data;
    return [red, green, blue] as Rgb;
  }, selector);
}

const isRed = ([red, green, blue]: Rgb) => red > 200 && green < 60 && blue < 60;
const isBlue = ([red, green, blue]: Rgb) => blue > 200 && red < 60 && green < 60;

async function waitForColour(page: Page, selector: string, matches: (colour: Rgb) => boolean, timeoutMs: number): Promise<Rgb> {
  const deadline = Date.now() + timeoutMs;
  let colour = await centreColour(page, selector);
  while (!matches(colour)) {
    if (Date.now() > deadline) throw new Error(`${selector} still shows rgb(${colour.join(", ")}) after ${timeoutMs} ms`);
    await page.waitForTimeout(100);
    colour = await centreColour(page, selector);
  }
  return colour;
}

describe("the switcher's control panel in Chromium", () => {
  beforeAll(async () => {
    [runtime, browser] = await Promise.all([startTestRuntime(), launchChromium()]);
    const account = await activeAccount(runtime, "panel", 20_000);
    apiKey = account.apiKey;
    for (const [index, passphrase] of PASSPHRASES.entries()) await writeSecret(runtime.dataDir, accountSecret(account.accountId, `switcher/test/stage-${"ab"[index]}`), passphrase);
    const switcher = await call("POST", "/switchers", localArchitecture(INGEST_PORTS, OUTPUT_PORTS, "panel"));
    expect(switcher.status, JSON.stringify(switcher.body)).toBe(201);
    switcherId = switcher.body.switcher.id;
    await runtime.bus.idle();
    INGEST_PORTS.forEach((port, index) =>
      pushers.push(pushSrt({ port, passphrase: PASSPHRASES[index]!, picture: `color=c=${COLOURS[index]}:size=640x360:rate=30` })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pushers.map(stopChild));
    await browser?.close();
    await runtime?.cleanup();
  }, 60_000);

  it("shows the red ingest on program, and the blue one after Take", async () => {
    await eventually(
      async () => {
        const { body } = await call("GET", `/switchers/${switcherId}`);
        return body.switcher.ingests.every((ingest: { health: { connected: boolean; lastKeyframeAgeMs: number | null } }) => ingest.health.connected && ingest.health.lastKeyframeAgeMs !== null)
          ? true
          : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const { body } = await call("GET", `/switchers/${switcherId}`);
    if (body.switcher.live !== "stage-a") expect((await call("POST", `/switchers/${switcherId}/live`, { ingestId: "stage-a", mode: "cut" })).status).toBe(200);
    if (body.switcher.preview !== "stage-b") expect((await call("POST", `/switchers/${switcherId}/preview`, { ingestId: "stage-b" })).status).toBe(200);

    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    try {
      await page.goto(`${runtime.apiUrl}/switcher.html?id=${switcherId}#key=${encodeURIComponent(apiKey)}`);
      await expect.poll(() => page.textContent("[data-testid=program-label]"), { timeout: 5_000 }).toBe("stage-a");
      expect(await page.textContent("[data-testid=preview-label]")).toBe("stage-b");
      expect(await page.textContent("#switcher-name")).toBe("panel");
      expect(await page.locator("[data-testid=ingest-stage-a] [data-action=live]").isDisabled()).toBe(true);
      expect(new URL(page.url()).hash).toBe("");

      await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("#program video")?.currentTime ?? 0) > 1, undefined, { timeout: 20_000, polling: 100 });
      const playedFrom = await page.evaluate(() => document.querySelector<HTMLVideoElement>("#program video")!.currentTime);
      await page.waitForTimeout(1_000);
      expect(await page.evaluate(() => document.querySelector<HTMLVideoElement>("#program video")!.currentTime)).toBeGreaterThan(playedFrom);
      await waitForColour(page, "#program video", isRed, 5_000);
      await waitForColour(page, "#preview video", isBlue, 10_000);
      expect(await page.locator("[data-testid=mode]").inputValue()).toBe("clean");

      const pressed = Date.now();
      await page.click("[data-testid=take]");
      await waitForColour(page, "#program video", isBlue, 15_000);
      const blueAfterMs = Date.now() - pressed;

      await expect.poll(() => page.textContent("[data-testid=program-label]"), { timeout: 2_000 }).toBe("stage-b");
      expect(await page.textContent("[data-testid=preview-label]")).toBe("stage-a");
      await expect.poll(() => page.textContent("[data-testid=event-log] li:first-child"), { timeout: 5_000 }).toMatch(/take/);
      expect(await page.locator("[data-testid=error]").isHidden()).toBe(true);
      // Applied: no line about the file.
      expect(await page.locator("[data-testid=apply-state]").isHidden()).toBe(true);
      expect(requested.filter((url) => url.includes(apiKey))).toEqual([]);
      console.info(`program monitor showed the taken ingest ${blueAfterMs} ms after Take`);
    } finally {
      if (process.env.VISIONSTREAM_PANEL_SCREENSHOT) await page.screenshot({ path: process.env.VISIONSTREAM_PANEL_SCREENSHOT, fullPage: true });
      await page.close();
    }
  }, 90_000);

  it("shows a connected ingest's TR 101 290 warnings on its card without switching, until a healthy report clears them", async () => {
    const tr101 = (raised: boolean) => ({ ts_sync_loss: false, continuity_count_error: raised, transport_error: false, pcr_error: raised });
    /** MediaConnect's report of stage-b's source, as in AWS: connected, with or without TR 101 290 errors. */
    const report = (raised: boolean) =>
      runtime.bus.put({
        source: "aws.mediaconnect",
        "detail-type": "MediaConnect Source Health",
        resources: [flowArn(switcherId, "stage-b")],
        detail: { unhealthy: raised, current: { state: "CONNECTED", tr101: tr101(raised) }, previous: { state: "CONNECTED", tr101: tr101(!raised) } },
      });
    const page = await browser.newPage();
    const warnings = page.locator("[data-testid=ingest-stage-b] [data-field=warnings]");
    try {
      await page.goto(`${runtime.apiUrl}/switcher.html?id=${switcherId}#key=${encodeURIComponent(apiKey)}`);
      await expect.poll(() => page.textContent("[data-testid=program-label]"), { timeout: 5_000 }).toBe("stage-b");
      expect(await warnings.isHidden()).toBe(true);

      report(true);
      await runtime.bus.idle();
      await expect.poll(() => warnings.textContent(), { timeout: 5_000 }).toMatch(/^continuity count errors, PCR errors since \d\d:\d\d:\d\d$/);
      expect(await warnings.isVisible()).toBe(true);
      expect(await page.textContent("[data-testid=program-label]")).toBe("stage-b");
      const { body } = await call("GET", `/switchers/${switcherId}`);
      expect(body.switcher.live).toBe("stage-b");
      expect(body.switcher).not.toHaveProperty("liveIngestLost");

      // EventBridge stamps whole seconds: the clearing report is the later one.
      await page.waitForTimeout(1_100);
      report(false);
      await runtime.bus.idle();
      await expect.poll(() => warnings.isHidden(), { timeout: 5_000 }).toBe(true);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("saves a schedule row, shows the API's refusal at its row, and the entry as ran once it switched", async () => {
    const page = await browser.newPage();
    /** A datetime-local value `seconds` from now, in the browser's time zone. */
    const inSeconds = (seconds: number) =>
      page.evaluate((offset) => {
        const at = new Date(Date.now() + offset * 1000);
        const pad = (value: number) => String(value).padStart(2, "0");
        return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
      }, seconds);
    try {
      await page.goto(`${runtime.apiUrl}/switcher.html?id=${switcherId}#key=${encodeURIComponent(apiKey)}`);
      await expect.poll(() => page.textContent("[data-testid=program-label]"), { timeout: 5_000 }).toBe("stage-b");
      const row = page.locator("[data-testid=schedule] [data-testid=schedule-row]").first();

      await page.click("[data-testid=schedule] [data-action=add-row]");
      await row.locator("input[name=at]").fill(await inSeconds(-60));
      await row.locator("select[name=ingestId]").selectOption("stage-a");
      await page.click("[data-testid=schedule] [data-action=save-schedule]");
      await expect.poll(() => page.textContent("[data-testid=error]"), { timeout: 5_000 }).toMatch(/row 1 time: .*is in the past/);
      expect(await row.getAttribute("data-state")).toBe("unsaved");

      await row.locator("input[name=at]").fill(await inSeconds(4));
      await row.locator("select[name=mode]").selectOption("cut");
      await page.click("[data-testid=schedule] [data-action=save-schedule]");
      await expect.poll(() => row.getAttribute("data-state"), { timeout: 5_000 }).toBe("pending");
      expect(await page.locator("[data-testid=error]").isHidden()).toBe(true);

      await expect.poll(() => row.getAttribute("data-state"), { timeout: 15_000 }).toBe("ran");
      await expect.poll(() => page.textContent("[data-testid=program-label]"), { timeout: 2_000 }).toBe("stage-a");
      await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("#program video")?.currentTime ?? 0) > 0, undefined, { timeout: 20_000 });
      await waitForColour(page, "#program video", isRed, 15_000);
      await expect.poll(() => page.textContent("[data-testid=event-log] li:first-child"), { timeout: 5_000 }).toMatch(/schedule · cut/);
    } finally {
      await page.close();
    }
  }, 60_000);
});
