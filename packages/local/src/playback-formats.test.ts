import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type PlayerWatch, watchPlayer } from "../testing/browser.ts";
import { push } from "../testing/media.ts";
import { SMALL_LADDER } from "../testing/reliability.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";

type Format = "hls" | "hlsCmaf" | "dash" | "mss";

interface Playback {
  query: string;
  latency: "normal" | "low";
  encrypted: boolean;
  formats: Partial<Record<Format, string>>;
  players: Partial<Record<Format, string>>;
  playerUrl: string;
}

const LABELS: Record<Format, string> = { hls: "HLS", hlsCmaf: "HLS (CMAF)", dash: "DASH", mss: "Smooth Streaming" };
/** Long enough for every test of a channel; the push is ended when its tests are done. */
const PUSH_SECONDS = 120;

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let tenant: { accountId: string; apiKey: string };
let browser: Browser;

beforeAll(async () => {
  // Ingest ports of this file's own, so files running side by side never collide.
  [runtime, browser] = await Promise.all([
    startTestRuntime({ rtmpPort: 29_000, rtpPort: 29_100, ladder: SMALL_LADDER, preset: "ultrafast" }),
    launchChromium(),
  ]);
  tenant = await activeAccount(runtime, "viewer of every format");
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.cleanup();
});

const signed = (url: string, query: string) => `${url}${url.includes("?") ? "&" : "?"}${query.replace(/^[?&]/, "")}`;

/** Segments a media playlist lists, once the master's first variant can be read. */
async function hlsSegments(masterUrl: string, query: string): Promise<number> {
  const master = await fetch(signed(masterUrl, query));
  if (master.status !== 200) return 0;
  const variant = (await master.text()).split("\n").find((line) => line.trim() && !line.startsWith("#"));
  if (!variant) return 0;
  const media = await fetch(signed(new URL(variant.trim(), masterUrl).href, query));
  return media.status === 200 ? ((await media.text()).match(/#EXTINF/g) ?? []).length : 0;
}

/**
 * A running channel of `settings`, pushed in real time for the tests of one describe block, and its playback answer
 * once every format it offers has a few segments to play.
 */
function liveChannel(name: string, settings: Record<string, unknown>) {
  const live: { channelId?: string; playback?: Playback; pusher?: ReturnType<typeof push> } = {};

  beforeAll(async () => {
    const created = await runtime.api("POST", "/channels", {
      token: tenant.apiKey,
      json: { name, inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"], ...settings },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const channel = created.body.channel;
    live.channelId = channel.id;
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: tenant.apiKey });
    await eventually(async () => ((await runtime.channels.get(tenant.accountId, channel.id)).state === "RUNNING" ? true : undefined), { timeoutMs: 20_000 });
    live.pusher = push({ seconds: PUSH_SECONDS, width: 640, height: 360 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);
    const answer = await runtime.api<Playback>("GET", `/channels/${channel.id}/playback`, { token: tenant.apiKey });
    expect(answer.status).toBe(200);
    const playback = answer.body;
    let waitingFor = "";
    const ready = async () => {
      for (const format of ["hls", "hlsCmaf"] as const) {
        const url = playback.formats[format];
        waitingFor = `3 segments of ${format}`;
        if (url && (await hlsSegments(url, playback.query)) < 3) return undefined;
      }
      for (const format of ["dash", "mss"] as const) {
        const url = playback.formats[format];
        waitingFor = `the ${format} manifest`;
        if (url && (await fetch(signed(url, playback.query))).status !== 200) return undefined;
      }
      return true;
    };
    await eventually(ready, { timeoutMs: 45_000, intervalMs: 500 }).catch(() => {
      throw new Error(`channel "${name}" never had ${waitingFor} to play`);
    });
    live.playback = playback;
  }, 90_000);

  afterAll(async () => {
    if (live.pusher?.exitCode === null) live.pusher.kill("SIGKILL");
    if (live.channelId) await runtime.api("POST", `/channels/${live.channelId}/stop`, { token: tenant.apiKey });
  });

  return live;
}

interface SentRequest {
  method: string;
  path: string;
}

/** Plays `format` through the playback answer's player link for 5 s, checks the acceptance figures and returns what was seen. */
async function expectPlays(playback: Playback | undefined, format: Format): Promise<PlayerWatch & { shown: string | null; sent: SentRequest[] }> {
  const link = playback?.players[format];
  expect(link, `the playback answer has a ${format} player`).toBeDefined();
  const page = await browser.newPage();
  const sent: SentRequest[] = [];
  page.on("request", (request) => sent.push({ method: request.method(), path: new URL(request.url()).pathname }));
  try {
    const watched = await watchPlayer(page, link!, { seconds: 5 });
    const shown = await page.locator("#format").textContent();
    expect(watched.fatalError, JSON.stringify(watched.events.slice(-6))).toBeNull();
    expect(watched.currentTimeEnd - watched.currentTimeStart).toBeGreaterThan(2);
    expect(watched.levels.length).toBeGreaterThanOrEqual(2);
    expect(watched.format).toBe(format);
    expect(shown).toMatch(new RegExp(`^Format: ${LABELS[format].replace(/[()]/g, "\\$&")}`));
    return { ...watched, shown, sent };
  } finally {
    await page.close();
  }
}

describe("a clear channel, in Chromium, through the playback answer's signed player links", () => {
  const live = liveChannel("every format", {});

  it("offers every format", () => {
    expect(live.playback).toMatchObject({ latency: "normal", encrypted: false });
    expect(Object.keys(live.playback!.players).sort()).toEqual(["dash", "hls", "hlsCmaf", "mss"]);
    expect(live.playback!.playerUrl).toBe(live.playback!.players.hls);
  });

  it("plays HLS on TS", async () => {
    await expectPlays(live.playback, "hls");
  });

  it("plays HLS on CMAF", async () => {
    await expectPlays(live.playback, "hlsCmaf");
  });

  it("plays DASH", async () => {
    await expectPlays(live.playback, "dash");
  });

  it("plays Smooth Streaming", async () => {
    await expectPlays(live.playback, "mss");
  });
});

describe("an encrypted channel, in Chromium, through the playback answer's signed player links", () => {
  const live = liveChannel("encrypted", { encryption: { keyRotationSeconds: 600 } });

  it("offers no Smooth Streaming", () => {
    expect(live.playback).toMatchObject({ encrypted: true });
    expect(live.playback!.players.mss).toBeUndefined();
  });

  it("plays HLS on TS encrypted with AES-128, its key from the CDN", async () => {
    const { sent } = await expectPlays(live.playback, "hls");
    expect(sent.some(({ method, path }) => method === "GET" && new RegExp(`/live/${live.channelId}/keys/[0-9a-f]{32}$`).test(path))).toBe(true);
  });

  it("plays DASH encrypted with CENC, its ClearKey licence from the CDN", async () => {
    const { sent } = await expectPlays(live.playback, "dash");
    expect(sent.some(({ method, path }) => method === "POST" && path.endsWith(`/live/${live.channelId}/keys/clearkey`))).toBe(true);
  });
});

describe("a low-latency channel, in Chromium", () => {
  const live = liveChannel("low latency", { latency: "low" });

  it("plays DASH in dash.js's low-latency mode by default", async () => {
    expect(live.playback).toMatchObject({ latency: "low" });
    expect(live.playback!.playerUrl).toBe(live.playback!.players.dash);

    const watched = await expectPlays(live.playback, "dash");
    expect(watched.shown).toBe("Format: DASH (low latency)");
  });
});
