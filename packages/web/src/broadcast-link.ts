/** What a broadcast link carries: where to send the stream, where the API is, and the token bound to the channel. */
export interface BroadcastLink {
  /** The channel's WHIP endpoint: the offer is POSTed there. */
  whipUrl: string;
  /** The API's base URL, without a trailing slash. */
  apiBase: string;
  token: string;
}

export class InvalidBroadcastLink extends Error {
  override name = "InvalidBroadcastLink";
}

const LINK_SHAPE = "broadcast.html?whip=<WHIP URL>&api=<API URL>#token=<token>";

function httpUrl(value: string | null, parameter: string, pageHref: string): string {
  if (!value) throw new InvalidBroadcastLink(`the link has no ${parameter} parameter (${LINK_SHAPE})`);
  let url: URL;
  try {
    url = new URL(value, pageHref);
  } catch {
    throw new InvalidBroadcastLink(`the link's ${parameter} parameter is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new InvalidBroadcastLink(`the link's ${parameter} parameter is not an http(s) URL`);
  url.hash = "";
  return url.href;
}

/**
 * The link of the page at `href`. The token travels in the fragment, which the browser never sends to a server. Once the
 * page has moved it out of the address bar, a reload finds it in `remembered`, used only for the very same endpoints: a
 * link naming other ones never receives a token it did not bring itself.
 */
export function broadcastLinkOf(href: string, remembered?: BroadcastLink): BroadcastLink {
  const page = new URL(href);
  const whipUrl = httpUrl(page.searchParams.get("whip"), "whip", href);
  const apiBase = httpUrl(page.searchParams.get("api"), "api", href).replace(/\/+$/, "");
  const token = new URLSearchParams(page.hash.slice(1)).get("token") ?? (remembered?.whipUrl === whipUrl && remembered.apiBase === apiBase ? remembered.token : "");
  if (!token) throw new InvalidBroadcastLink("the link has no token: open the broadcast link the API gave again");
  return { whipUrl, apiBase, token };
}

/** A remembered link read back from storage; undefined for anything else. */
export function parseRememberedLink(stored: string | null): BroadcastLink | undefined {
  if (!stored) return undefined;
  try {
    const value = JSON.parse(stored) as Partial<BroadcastLink> | null;
    return typeof value?.whipUrl === "string" && typeof value.apiBase === "string" && typeof value.token === "string"
      ? { whipUrl: value.whipUrl, apiBase: value.apiBase, token: value.token }
      : undefined;
  } catch {
    return undefined;
  }
}
