import { type Browser, chromium, type Page, type Request, type Response } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Chromium's flags for a page that goes live: a fake camera and microphone (a moving picture, a beep) allowed without asking, and loopback ICE candidates as they are (not hidden behind mDNS names). */
export const FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream=fps=30", "--use-fake-ui-for-media-stream", "--disable-features=WebRtcHideLocalIpsWithMdns"];

/** Debian's Chromium, headless, with nothing that calls home and autoplay allowed; `extraArgs` added (FAKE_CAMERA_ARGS for a broadcaster). */
export function launchChromium(executablePath = CHROMIUM_PATH, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--autoplay-policy=no-user-gesture-required",
      ...extraArgs,
    ],
  });
}

/** The shape of `window.visionstreamPlayer` (packages/web/src/player-state.ts) that tests read. */
export interface PlayerSnapshot {
  /** The format played: "hls", "hlsCmaf", "dash", "mss" or "file". */
  format: string | null;
  levels: { width: number; height: number; bitrate: number }[];
  currentLevel: number;
  fatalError: string | null;
  events: { at: number; type: string; detail?: string }[];
}

export interface NetworkStatus {
  url: string;
  /** The HTTP status, or 0 when the request failed without an answer (refused, aborted, blocked). */
  status: number;
  failure?: string;
}

export interface PlayerWatch extends PlayerSnapshot {
  currentTimeStart: number;
  currentTimeEnd: number;
  networkStatuses: NetworkStatus[];
}

async function snapshot(page: Page): Promise<PlayerSnapshot & { currentTime: number }> {
  return page.evaluate(() => {
    const player = (window as unknown as { visionstreamPlayer?: PlayerSnapshot }).visionstreamPlayer;
    return {
      currentTime: document.querySelector("video")?.currentTime ?? 0,
      format: player?.format ?? null,
      levels: player?.levels ?? [],
      currentLevel: player?.currentLevel ?? -1,
      fatalError: player ? player.fatalError : "the page exposes no window.visionstreamPlayer",
      events: player?.events ?? [],
    };
  });
}

/**
 * Opens the player at `url`, waits until the video plays or fails (at most `startTimeoutMs`),
 * then watches it for `seconds` and reports how far it played and what the page and the network saw.
 */
export async function watchPlayer(
  page: Page,
  url: string,
  { seconds, startTimeoutMs = 10_000, screenshotPath }: { seconds: number; startTimeoutMs?: number; screenshotPath?: string },
): Promise<PlayerWatch> {
  const networkStatuses: NetworkStatus[] = [];
  const onResponse = (response: Response) => networkStatuses.push({ url: response.url(), status: response.status() });
  const onRequestFailed = (request: Request) =>
    networkStatuses.push({ url: request.url(), status: 0, failure: request.failure()?.errorText ?? "failed" });
  page.on("response", onResponse);
  page.on("requestfailed", onRequestFailed);
  try {
    await page.goto(url, { waitUntil: "load" });
    await page
      .waitForFunction(
        () => {
          const player = (window as unknown as { visionstreamPlayer?: PlayerSnapshot }).visionstreamPlayer;
          return player !== undefined && (player.fatalError !== null || (document.querySelector("video")?.currentTime ?? 0) > 0);
        },
        undefined,
        { timeout: startTimeoutMs, polling: 100 },
      )
      .catch(() => undefined);
    const start = await snapshot(page);
    await page.waitForTimeout(seconds * 1000);
    const { currentTime, ...end } = await snapshot(page);
    if (screenshotPath) await page.screenshot({ path: screenshotPath, fullPage: true });
    return { currentTimeStart: start.currentTime, currentTimeEnd: currentTime, ...end, networkStatuses };
  } finally {
    page.off("response", onResponse);
    page.off("requestfailed", onRequestFailed);
  }
}
