import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { CHROMIUM_PATH, FAKE_CAMERA_ARGS, launchChromium, watchPlayer } from "../testing/browser.ts";
import { durationSeconds } from "../testing/media.ts";
import { SMALL_LADDER } from "../testing/reliability.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";

const run = promisify(execFile);

/** How long the browser stays live: the recording must last as long, within 2 s. */
const LIVE_SECONDS = 20;

/** The part of `window.visionstreamBroadcast` (packages/web/src/broadcast-state.ts) the test reads. */
interface BroadcastSnapshot {
  phase: string;
  connectionState: string | null;
  sent: { bitrate: number; framesPerSecond: number; width?: number; height?: number } | null;
  channel: { state: string } | null;
  error: string | null;
  events: { at: number; type: string; detail?: string }[];
}

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let tenant: { accountId: string; apiKey: string };
let browser: Browser;
let work: string;

beforeAll(async () => {
  // Ports of this file's own, so files running side by side never collide.
  [runtime, browser, work] = await Promise.all([
    startTestRuntime({ rtmpPort: 20_500, rtpPort: 20_600, srtPort: 20_700, whipPort: 20_800, ladder: SMALL_LADDER, preset: "ultrafast" }),
    launchChromium(CHROMIUM_PATH, FAKE_CAMERA_ARGS),
    mkdtemp(join(tmpdir(), "visionstream-broadcast-")),
  ]);
  tenant = await activeAccount(runtime, "broadcaster");
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const snapshot = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { visionstreamBroadcast?: BroadcastSnapshot }).visionstreamBroadcast ??
      ({ phase: "not loaded", connectionState: null, sent: null, channel: null, error: document.body?.innerText ?? "", events: [] } satisfies BroadcastSnapshot),
  );

async function waitForPhase(page: Page, phase: string, timeoutMs: number): Promise<BroadcastSnapshot> {
  await page
    .waitForFunction((wanted) => (window as unknown as { visionstreamBroadcast?: BroadcastSnapshot }).visionstreamBroadcast?.phase === wanted, phase, { timeout: timeoutMs, polling: 100 })
    .catch(() => undefined);
  const seen = await snapshot(page);
  expect(seen.phase, `the page is ${seen.phase}, not ${phase}: ${seen.error ?? ""} ${JSON.stringify(seen.events.slice(-8))}`).toBe(phase);
  return seen;
}

/**
 * Every picture and sound of `file` decoded (an MD5 each, as the recording tests do), and what ffmpeg complained of.
 * Not `-f null`: its muxer takes the frame rate ffmpeg guesses (29.92 for a recording's segment joins) as time base
 * and reports colliding timestamps that are no fault of the file.
 */
async function decode(file: string): Promise<{ videoFrames: number; audioFrames: number; errors: string }> {
  const { stdout, stderr } = await run("ffmpeg", ["-nostdin", "-v", "error", "-i", file, "-map", "0", "-f", "framemd5", "-"], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? "", stderr: error.stderr ?? "ffmpeg failed" }),
  );
  const count = (stream: number) => stdout.split("\n").filter((line) => line.startsWith(`${stream},`)).length;
  return { videoFrames: count(0), audioFrames: count(1), errors: stderr.trim() };
}

describe("going live from the browser", () => {
  it(`broadcasts ${LIVE_SECONDS} s from the channel's broadcast link: viewers play it over HLS and it is recorded`, async () => {
    const created = await runtime.api("POST", "/channels", {
      token: tenant.apiKey,
      json: { name: "studio", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const channelId: string = created.body.channel.id;
    await runtime.api("POST", `/channels/${channelId}/start`, { token: tenant.apiKey });
    await eventually(async () => ((await runtime.channels.get(tenant.accountId, channelId)).state === "RUNNING" ? true : undefined), { timeoutMs: 20_000 });

    const link = await runtime.api("POST", `/channels/${channelId}/broadcast`, { token: tenant.apiKey });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    const broadcastUrl = new URL(link.body.broadcastUrl);
    expect(broadcastUrl.pathname).toBe("/broadcast.html");
    expect(broadcastUrl.searchParams.get("whip")).toBe(link.body.whipUrl);
    expect(broadcastUrl.search).not.toContain(link.body.token);

    const broadcaster = await browser.newPage();
    onTestFinished(() => broadcaster.close());
    const pageErrors: string[] = [];
    broadcaster.on("pageerror", (error) => pageErrors.push(error.message));
    await broadcaster.goto(broadcastUrl.href);
    await waitForPhase(broadcaster, "preview", 10_000);
    // The token left the address bar.
    expect(broadcaster.url()).not.toContain("token=");
    await broadcaster.selectOption("#resolution", "720p");
    await broadcaster.getByRole("button", { name: "Go live" }).click();
    await waitForPhase(broadcaster, "live", 20_000);
    const liveAt = Date.now();

    // A viewer, once the ladder has a few segments: the channel's own player link (HLS for a normal-latency channel).
    const playback = await runtime.api("GET", `/channels/${channelId}/playback`, { token: tenant.apiKey });
    expect(playback.status).toBe(200);
    const masterUrl = `${playback.body.formats.hls}${playback.body.formats.hls.includes("?") ? "&" : "?"}${playback.body.query.replace(/^[?&]/, "")}`;
    await eventually(async () => ((await fetch(masterUrl)).status === 200 ? true : undefined), { timeoutMs: 15_000, intervalMs: 250 });
    const viewer = await browser.newPage();
    try {
      const watched = await watchPlayer(viewer, playback.body.playerUrl, { seconds: 5, startTimeoutMs: 15_000 });
      expect(watched.fatalError, JSON.stringify(watched.events.slice(-6))).toBeNull();
      expect(watched.format).toBe("hls");
      expect(watched.currentTimeEnd - watched.currentTimeStart).toBeGreaterThan(2);
      expect(watched.levels.length).toBeGreaterThanOrEqual(2);
    } finally {
      await viewer.close();
    }

    // What the broadcaster sees while live.
    const live = await snapshot(broadcaster);
    expect(live).toMatchObject({ phase: "live", connectionState: "connected", error: null, channel: { state: "RUNNING" } });
    // Chrome's estimate starts low and climbs while nothing is lost: a broadcast squeezed by bad congestion feedback falls instead.
    expect(live.sent?.bitrate, JSON.stringify(live.sent)).toBeGreaterThan(200_000);
    expect(live.sent?.framesPerSecond, JSON.stringify(live.sent)).toBeGreaterThan(20);
    expect(await broadcaster.locator("#connection-state").textContent()).toBe("Connected");
    expect(await broadcaster.locator("#sent-bitrate").textContent()).toMatch(/^\d+(\.\d)? [kM]b\/s$/);
    expect(await broadcaster.locator("#channel-state").textContent()).toMatch(/^Running/);

    await broadcaster.waitForTimeout(Math.max(0, liveAt + LIVE_SECONDS * 1000 - Date.now()));
    await broadcaster.getByRole("button", { name: "Stop" }).click();
    const stoppedAt = Date.now();
    const stopped = await waitForPhase(broadcaster, "preview", 10_000);
    expect(stopped.events.find((event) => event.type === "unpublished")?.detail).toBe("HTTP 200");
    expect(pageErrors).toEqual([]);
    const broadcastSeconds = (stoppedAt - liveAt) / 1000;

    await runtime.api("POST", `/channels/${channelId}/stop`, { token: tenant.apiKey });
    const recording = await eventually(
      async () => {
        const { body } = await runtime.api("GET", `/recordings?channelId=${channelId}`, { token: tenant.apiKey });
        return body.recordings?.[0]?.status === "READY" ? body.recordings : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(recording).toHaveLength(1);
    expect(Math.abs(recording[0].durationMs / 1000 - broadcastSeconds), `recorded ${recording[0].durationMs} ms of a ${broadcastSeconds} s broadcast`).toBeLessThanOrEqual(2);

    const { url } = (await runtime.api("GET", `/recordings/${recording[0].id}/playback`, { token: tenant.apiKey })).body;
    const mp4 = join(work, "broadcast.mp4");
    await writeFile(mp4, Buffer.from(await (await fetch(url)).arrayBuffer()));
    expect(Math.abs((await durationSeconds(mp4)) - broadcastSeconds)).toBeLessThanOrEqual(2);
    const decoded = await decode(mp4);
    expect(decoded.errors).toBe("");
    expect(decoded.videoFrames).toBeGreaterThanOrEqual(Math.floor((broadcastSeconds - 2) * 30));
    expect(decoded.audioFrames).toBeGreaterThan(0);
  }, 180_000);
});

describe("what the broadcaster is told when going live cannot work", () => {
  async function channelLink(start: boolean): Promise<{ channelId: string; broadcastUrl: string }> {
    const created = await runtime.api("POST", "/channels", { token: tenant.apiKey, json: { name: "told", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] } });
    const channelId: string = created.body.channel.id;
    if (start) {
      await runtime.api("POST", `/channels/${channelId}/start`, { token: tenant.apiKey });
      await eventually(async () => ((await runtime.channels.get(tenant.accountId, channelId)).state === "RUNNING" ? true : undefined), { timeoutMs: 20_000 });
    }
    const link = await runtime.api("POST", `/channels/${channelId}/broadcast`, { token: tenant.apiKey });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    return { channelId, broadcastUrl: link.body.broadcastUrl };
  }

  async function goLiveOn(url: string, prepare?: (page: Page) => Promise<void>): Promise<{ page: Page; message: string | null; detail: string | null }> {
    const page = await browser.newPage();
    await prepare?.(page);
    await page.goto(url);
    await waitForPhase(page, "preview", 10_000);
    await page.getByRole("button", { name: "Go live" }).click();
    await page.waitForFunction(() => (window as unknown as { visionstreamBroadcast: BroadcastSnapshot }).visionstreamBroadcast.error !== null, undefined, { timeout: 10_000 });
    return { page, message: await page.locator("#error-message").textContent(), detail: await page.locator("#error-detail").textContent() };
  }

  it("a broadcaster who closes the tab while live: the session ends at once (a beacon on pagehide), not when the media times out", async () => {
    const { channelId, broadcastUrl } = await channelLink(true);
    const page = await browser.newPage();
    onTestFinished(() => (page.isClosed() ? undefined : page.close()));
    await page.goto(broadcastUrl);
    await waitForPhase(page, "preview", 10_000);
    await page.getByRole("button", { name: "Go live" }).click();
    await waitForPhase(page, "live", 20_000);
    const sessionsOfChannel = () => runtime.whip.sessions().filter((session) => session.endpoint === channelId);
    expect(sessionsOfChannel()).toHaveLength(1);

    await page.close({ runBeforeUnload: true });
    await eventually(async () => (sessionsOfChannel().length === 0 ? true : undefined), { timeoutMs: 3_000 });
    // Ended by the page's beacon, not by the connection closing with the tab.
    expect(runtime.whip.ended().filter((session) => session.endpoint === channelId).map((session) => session.reason)).toEqual(["the publisher ended it (its page closed)"]);
    await runtime.api("POST", `/channels/${channelId}/stop`, { token: tenant.apiKey });
  });

  it("a channel that is not running: the WHIP endpoint's 409, in words, and the channel's state", async () => {
    const { broadcastUrl } = await channelLink(false);
    const { page, message, detail } = await goLiveOn(broadcastUrl);
    try {
      expect(message).toBe("The channel is not running: start it, then Go live again.");
      expect(detail).toMatch(/^HTTP 409: channel \S+ is \w+: start it, then go live$/);
      await expect.poll(() => page.locator("#channel-state").textContent()).not.toBe("—");
      expect((await snapshot(page)).phase).toBe("preview");
      expect(await page.getByRole("button", { name: "Go live" }).isEnabled()).toBe(true);
    } finally {
      await page.close();
    }
  });

  it("a link whose token was tampered with: 401 from the API as the page opens, ask for a new link, no Go live", async () => {
    const { broadcastUrl } = await channelLink(true);
    const url = new URL(broadcastUrl);
    const token = new URLSearchParams(url.hash.slice(1)).get("token")!;
    url.hash = new URLSearchParams({ token: `${token.slice(0, -4)}AAAA` }).toString();
    const page = await browser.newPage();
    try {
      await page.goto(url.href);
      await waitForPhase(page, "preview", 10_000);
      await expect.poll(() => page.locator("#error-message").textContent()).toBe("This broadcast link has expired or is not valid: ask for a new link.");
      expect(await page.locator("#error-detail").textContent()).toBe("this broadcast link has expired or is not valid (the broadcast token is not valid)");
      expect(await page.getByRole("button", { name: "Go live" }).isDisabled()).toBe(true);
      expect(await page.getByRole("status").textContent()).toBe("Cannot go live: see above.");
    } finally {
      await page.close();
    }
  });

  it("a camera the browser refuses: why, and a Retry", async () => {
    const { broadcastUrl } = await channelLink(false);
    const page = await browser.newPage();
    try {
      await page.addInitScript(() => {
        navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
      });
      await page.goto(broadcastUrl);
      await page.waitForFunction(() => (window as unknown as { visionstreamBroadcast: BroadcastSnapshot }).visionstreamBroadcast.error !== null, undefined, { timeout: 10_000 });
      expect(await page.getByRole("alert").locator("#error-message").textContent()).toMatch(/^The browser was not allowed to use the camera and microphone/);
      expect(await page.getByRole("button", { name: "Retry" }).isVisible()).toBe(true);
      expect(await page.getByRole("button", { name: "Go live" }).isDisabled()).toBe(true);
    } finally {
      await page.close();
    }
  });
});
