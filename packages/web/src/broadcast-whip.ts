/** A WHIP client (RFC 9725) without trickle ICE: one POST of the complete offer, one DELETE to end (a beacon as the page closes). */

/** What a WHIP endpoint refused, or 0 for no answer at all. `serverMessage` is the message of its JSON error body. */
export class WhipFailure extends Error {
  override name = "WhipFailure";
  constructor(
    message: string,
    readonly status: number,
    readonly serverMessage?: string,
  ) {
    super(message);
  }
}

/** The part of an RTCPeerConnection a WHIP publish uses. */
export type PublishingPeer = Pick<
  RTCPeerConnection,
  "createOffer" | "setLocalDescription" | "setRemoteDescription" | "localDescription" | "iceGatheringState" | "addEventListener" | "removeEventListener"
>;

export interface WhipSession {
  /** The session's resource (the answer's Location, made absolute): DELETE ends the broadcast. */
  resourceUrl: string;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Resolves once ICE gathering completes or `timeoutMs` has passed: the offer then carries the candidates found so far. */
export function iceGathered(peer: PublishingPeer, timeoutMs: number): Promise<void> {
  if (peer.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      peer.removeEventListener("icegatheringstatechange", onChange);
      resolve();
    };
    const onChange = () => {
      if (peer.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, timeoutMs);
    peer.addEventListener("icegatheringstatechange", onChange);
  });
}

/** The message of an error body shaped as the API's, `{ error: { message } }`, if the body is one. */
export function errorMessageOf(body: string): string | undefined {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } } | null)?.error?.message;
    return typeof message === "string" && message ? message : undefined;
  } catch {
    return undefined;
  }
}

async function send(fetchFn: Fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error) {
    throw new WhipFailure(`the WHIP endpoint did not answer (${error instanceof Error ? error.message : String(error)})`, 0);
  }
}

/**
 * Offers `peer`'s media to the WHIP endpoint, with ICE candidates gathered for at most `iceTimeoutMs`, and applies the
 * answer. Throws a WhipFailure for anything but 201 with an SDP answer and a Location.
 */
export async function publish(
  peer: PublishingPeer,
  { endpoint, token, iceTimeoutMs = 2_000, fetchFn = fetch }: { endpoint: string; token: string; iceTimeoutMs?: number; fetchFn?: Fetch },
): Promise<WhipSession> {
  await peer.setLocalDescription(await peer.createOffer());
  await iceGathered(peer, iceTimeoutMs);
  const offer = peer.localDescription?.sdp;
  if (!offer) throw new WhipFailure("the browser made no offer", 0);
  const response = await send(fetchFn, endpoint, {
    method: "POST",
    cache: "no-store",
    headers: { "content-type": "application/sdp", authorization: `Bearer ${token}` },
    body: offer,
  });
  const body = await response.text();
  if (response.status !== 201) {
    const serverMessage = errorMessageOf(body);
    throw new WhipFailure(`the WHIP endpoint answered HTTP ${response.status}${serverMessage ? `: ${serverMessage}` : ""}`, response.status, serverMessage);
  }
  const location = response.headers.get("location");
  if (!location) throw new WhipFailure("the WHIP endpoint's answer has no Location (or does not expose it to browsers: Access-Control-Expose-Headers)", response.status);
  if (!body.trimStart().startsWith("v=0")) throw new WhipFailure("the WHIP endpoint's answer is not an SDP answer", response.status);
  // RFC 9725: a relative Location is resolved against the URL that answered (after any redirect).
  const resourceUrl = new URL(location, response.url || endpoint).href;
  await peer.setRemoteDescription({ type: "answer", sdp: body });
  return { resourceUrl };
}

/**
 * Ends the session. With `keepalive` the request outlives the page (on pagehide). Answers the HTTP status, 0 for none;
 * a session the server already forgot (404) is ended too.
 */
export async function unpublish(session: WhipSession, { token, keepalive = false, fetchFn = fetch }: { token: string; keepalive?: boolean; fetchFn?: Fetch }): Promise<number> {
  try {
    const response = await fetchFn(session.resourceUrl, { method: "DELETE", keepalive, headers: { authorization: `Bearer ${token}` } });
    return response.status;
  } catch {
    return 0;
  }
}

/** navigator.sendBeacon: queues a POST that outlives the page; false when it could not be queued. */
export type SendBeacon = (url: string) => boolean;

/** Where the page's beacon ends a session: `<session>/end` (the gateway's END_PATH, packages/whip/src/server.ts). */
export function endUrlOf(session: WhipSession): string {
  const url = new URL(session.resourceUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/end`;
  return url.href;
}

/**
 * Ends the session as the page goes away (pagehide): a beacon, a POST to `<session>/end`. A DELETE from the page needs a
 * CORS preflight, and Chromium drops a kept-alive DELETE whose page is gone before the preflight is answered; a beacon
 * without a body needs none. Where no beacon can be queued, the kept-alive DELETE.
 */
export function unpublishOnPageHide(session: WhipSession, { token, sendBeacon, fetchFn = fetch }: { token: string; sendBeacon?: SendBeacon; fetchFn?: Fetch }): void {
  if (sendBeacon?.(endUrlOf(session))) return;
  void unpublish(session, { token, keepalive: true, fetchFn });
}
