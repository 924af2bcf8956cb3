import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { NotFound } from "../errors.ts";
import { activeAccount, FakeSigner, testClock } from "../testing.ts";
import { parseArchitecture } from "./architecture.ts";
import type { Bus, MonitorThumbnail, Switcher, SwitcherEngine } from "./switcher.ts";
import { busThumbnails, ThumbnailNotReady } from "./switcher-thumbnails.ts";
import { switcherViews, THUMBNAIL_REFRESH_MS } from "./switcher-view.ts";

const account = activeAccount({ cdnBaseUrl: "https://d111.cloudfront.net" });
let switcher: Switcher;

beforeAll(async () => {
  const parsed = parseArchitecture(JSON.parse(await readFile(resolve(import.meta.dirname, "../../../../examples/switcher.local.json"), "utf8")));
  if (!parsed.ok) throw new Error("examples/switcher.local.json does not parse");
  const at = "2026-03-01T12:00:00.000Z";
  switcher = { id: "sw-0123456789abcdef", accountId: account.id, architecture: parsed.architecture, live: "stage-a", preview: "stage-b", schedule: [], switches: [], createdAt: at, updatedAt: at, version: 1 };
});

const health: SwitcherEngine["health"] = async () => [];
const jpeg: MonitorThumbnail = { jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), at: "2026-03-01T12:00:01.000Z" };

function views(engine: Pick<SwitcherEngine, "health" | "thumbnail">) {
  return switcherViews({ accounts: { get: async () => account }, engine, signer: new FakeSigner(), monitorTtlMs: 60_000, now: testClock().now });
}

describe("the buses' monitors", () => {
  it("are HLS playlists on the account's CDN where the engine has no thumbnails (the local relay)", async () => {
    const view = await views({ health })(switcher);

    expect(view.monitors.live).toMatchObject({ kind: "hls", hlsUrl: `${account.cdnBaseUrl}/switchers/${switcher.id}/live/index.m3u8` });
    expect(view.monitors.preview).toMatchObject({ kind: "hls", hlsUrl: `${account.cdnBaseUrl}/switchers/${switcher.id}/preview/index.m3u8` });
  });

  it("are thumbnails refreshed every few seconds where the engine has them (MediaConnect), with nothing signed", async () => {
    const view = await views({ health, thumbnail: async () => jpeg })(switcher);

    expect(view.monitors).toEqual({ live: { kind: "thumbnail", refreshMs: THUMBNAIL_REFRESH_MS }, preview: { kind: "thumbnail", refreshMs: THUMBNAIL_REFRESH_MS } });
  });
});

describe("a bus's thumbnail", () => {
  const repository = { get: async (accountId: string, switcherId: string) => (accountId === account.id && switcherId === switcher.id ? switcher : undefined) };

  it("is the engine's latest still of that bus", async () => {
    const asked: [string, Bus][] = [];
    const thumbnail = busThumbnails({ switchers: repository, engine: { thumbnail: async (switcherId, bus) => (asked.push([switcherId, bus]), jpeg) } });

    expect(await thumbnail(account.id, switcher.id, "preview")).toEqual(jpeg);
    expect(asked).toEqual([[switcher.id, "preview"]]);
  });

  it("is not found, saying why, while the engine has none yet, or where the engine's monitors are HLS", async () => {
    const notYet = busThumbnails({ switchers: repository, engine: { thumbnail: async () => undefined } });
    const hls = busThumbnails({ switchers: repository, engine: {} });

    await expect(notYet(account.id, switcher.id, "live")).rejects.toThrow(ThumbnailNotReady);
    await expect(notYet(account.id, switcher.id, "live")).rejects.toThrow(/no thumbnail of the live bus of switcher sw-0123456789abcdef: MediaConnect makes one only while/);
    await expect(hls(account.id, switcher.id, "live")).rejects.toThrow(/monitors are HLS playlists/);
  });

  it("is another account's switcher's: not found, without asking the engine", async () => {
    let asked = 0;
    const thumbnail = busThumbnails({ switchers: repository, engine: { thumbnail: async () => (asked++, jpeg) } });

    await expect(thumbnail("acc-someoneelse0000", switcher.id, "live")).rejects.toThrow(NotFound);
    expect(asked).toBe(0);
  });
});
