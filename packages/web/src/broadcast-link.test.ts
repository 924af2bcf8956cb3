import { describe, expect, it } from "vitest";
import { broadcastLinkOf, InvalidBroadcastLink, parseRememberedLink } from "./broadcast-link.ts";

const WHIP = "http://127.0.0.1:8082/whip/channels/ch-1";
const API = "http://127.0.0.1:8080";
const page = (query: string, hash = "") => `http://127.0.0.1:8080/broadcast.html?${query}${hash}`;
const query = `whip=${encodeURIComponent(WHIP)}&api=${encodeURIComponent(`${API}/`)}`;

describe("a broadcast link", () => {
  it("gives the WHIP endpoint, the API base without its trailing slash, and the token from the fragment", () => {
    expect(broadcastLinkOf(page(query, "#token=b1.abc.def"))).toEqual({ whipUrl: WHIP, apiBase: API, token: "b1.abc.def" });
  });

  it("finds the token again after a reload, only for the same endpoints", () => {
    const remembered = { whipUrl: WHIP, apiBase: API, token: "b1.abc.def" };
    expect(broadcastLinkOf(page(query), remembered).token).toBe("b1.abc.def");
    const elsewhere = `whip=${encodeURIComponent("https://evil.example.com/whip")}&api=${encodeURIComponent(API)}`;
    expect(() => broadcastLinkOf(page(elsewhere), remembered)).toThrow(/no token/);
    expect(broadcastLinkOf(page(query, "#token=newer"), remembered).token).toBe("newer");
  });

  it("is refused, by name, without a parameter, with a parameter that is not an http(s) URL, or without a token", () => {
    expect(() => broadcastLinkOf(page(`api=${API}`, "#token=t"))).toThrow(new InvalidBroadcastLink("the link has no whip parameter (broadcast.html?whip=<WHIP URL>&api=<API URL>#token=<token>)"));
    expect(() => broadcastLinkOf(page(`whip=${encodeURIComponent(WHIP)}&api=javascript:alert(1)`, "#token=t"))).toThrow("the link's api parameter is not an http(s) URL");
    expect(() => broadcastLinkOf(page(query))).toThrow(InvalidBroadcastLink);
  });

  it("is remembered as JSON, anything else ignored", () => {
    expect(parseRememberedLink(JSON.stringify({ whipUrl: WHIP, apiBase: API, token: "t" }))).toEqual({ whipUrl: WHIP, apiBase: API, token: "t" });
    expect(parseRememberedLink("{")).toBeUndefined();
    expect(parseRememberedLink(JSON.stringify({ whipUrl: WHIP }))).toBeUndefined();
    expect(parseRememberedLink(null)).toBeUndefined();
  });
});
