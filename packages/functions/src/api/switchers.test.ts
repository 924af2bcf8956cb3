import { type Authenticator, type Bus, Busy, type MonitorThumbnail, type Switchers, type SwitcherView } from "@visionstream/core";
import { ThumbnailNotReady } from "@visionstream/core/switcher/switcher-thumbnails";
import { describe, expect, it } from "vitest";
import { type ApiDeps, createApi } from "./app.ts";

const ACCOUNT = "acc-0123456789abcdef";
const SWITCHER = "sw-0123456789abcdef";
const jpeg: MonitorThumbnail = { jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xff, 0xd9]), at: "2026-03-01T12:00:01.000Z" };

/** The API with only the switchers' thumbnail (and get) behind it; every caller is the account ACCOUNT. */
function api(switchers: Partial<Switchers>) {
  const authenticator: Pick<Authenticator, "authenticate"> = { authenticate: async () => ({ kind: "account", accountId: ACCOUNT }) };
  return createApi({ switchers, authenticator } as unknown as ApiDeps);
}

const get = (app: ReturnType<typeof api>, path: string) => app.request(path, { headers: { authorization: "Bearer key" } });

describe("GET /switchers/{switcherId}/monitors/{bus}/thumbnail", () => {
  it("answers the bus's latest JPEG, not to be cached, with when it was taken", async () => {
    const asked: [string, string, Bus][] = [];
    const app = api({ thumbnail: async (accountId, switcherId, bus) => (asked.push([accountId, switcherId, bus]), jpeg) });

    const response = await get(app, `/switchers/${SWITCHER}/monitors/preview/thumbnail`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("last-modified")).toBe("Sun, 01 Mar 2026 12:00:01 GMT");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(jpeg.jpeg);
    expect(asked).toEqual([[ACCOUNT, SWITCHER, "preview"]]);
  });

  it("answers 404 saying why while there is no thumbnail yet", async () => {
    const app = api({
      thumbnail: async (_accountId, switcherId, bus) => {
        throw new ThumbnailNotReady(switcherId, bus, "MediaConnect makes one only while the bus flow runs and receives video");
      },
    });

    const response = await get(app, `/switchers/${SWITCHER}/monitors/live/thumbnail`);

    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatchObject({
      code: "NOT_FOUND",
      message: `no thumbnail of the live bus of switcher ${SWITCHER}: MediaConnect makes one only while the bus flow runs and receives video`,
    });
  });

  it("answers 400 naming `bus` for a bus that is not live or preview, without asking for a thumbnail", async () => {
    let asked = 0;
    const app = api({ thumbnail: async () => (asked++, jpeg) });

    const response = await get(app, `/switchers/${SWITCHER}/monitors/program/thumbnail`);

    expect(response.status).toBe(400);
    expect((await response.json()).error.details.issues).toEqual([expect.objectContaining({ field: "bus", in: "path" })]);
    expect(asked).toBe(0);
  });
});

describe("a switcher's thumbnail monitors", () => {
  it("point at the thumbnail route of each bus", async () => {
    const at = "2026-03-01T12:00:00.000Z";
    const thumbnail = { kind: "thumbnail", refreshMs: 3_000 } as const;
    const view = {
      id: SWITCHER,
      accountId: ACCOUNT,
      architecture: { name: "festival" },
      schedule: [],
      switches: [],
      ingests: [],
      monitors: { live: thumbnail, preview: thumbnail },
      createdAt: at,
      updatedAt: at,
      version: 1,
    } as unknown as SwitcherView;
    const app = api({ get: async () => view });

    const response = await get(app, `/switchers/${SWITCHER}`);

    expect(response.status).toBe(200);
    expect((await response.json()).switcher.monitors).toEqual({
      live: { kind: "thumbnail", refreshMs: 3_000, thumbnailUrl: `/switchers/${SWITCHER}/monitors/live/thumbnail` },
      preview: { kind: "thumbnail", refreshMs: 3_000, thumbnailUrl: `/switchers/${SWITCHER}/monitors/preview/thumbnail` },
    });
  });
});

describe("a switch while MediaConnect's budget is spent", () => {
  it("answers 503 with Retry-After and the reason, not a 500", async () => {
    const app = api({
      setLive: async () => {
        throw new Busy("MediaConnect's request budget had no place for the switch in time; try again in a few seconds", 3);
      },
    });

    const response = await app.request(`/switchers/${SWITCHER}/live`, {
      method: "POST",
      headers: { authorization: "Bearer key", "content-type": "application/json" },
      body: JSON.stringify({ ingestId: "stage-b", mode: "cut" }),
    });

    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("3");
    expect((await response.json()).error).toMatchObject({ code: "BUSY", message: expect.stringContaining("try again") });
  });
});
