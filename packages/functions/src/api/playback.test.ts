import { describe, expect, it } from "vitest";
import { pagesUrl, panelLink, playerLink } from "./playback.ts";

describe("links to the pages", () => {
  it("point at the static site when the pages are hosted apart (AWS), at the API's own host otherwise (local)", () => {
    const request = "https://abc.execute-api.eu-west-1.amazonaws.com/channels/ch-1/playback";
    const site = pagesUrl({ webBaseUrl: "https://d2web.cloudfront.net" }, request);
    const local = pagesUrl({}, "http://127.0.0.1:8080/channels/ch-1/playback");

    expect(new URL(playerLink(site, "https://d1.cloudfront.net/live/x.m3u8", "Policy=p")).origin).toBe("https://d2web.cloudfront.net");
    expect(new URL(playerLink(local, "http://127.0.0.1:8081/d/live/x.m3u8")).origin).toBe("http://127.0.0.1:8080");
    expect(panelLink(site, "sw-1")).toBe("https://d2web.cloudfront.net/switcher.html?id=sw-1");
    expect(panelLink(local, "sw-1")).toBe("http://127.0.0.1:8080/switcher.html?id=sw-1");
  });
});
