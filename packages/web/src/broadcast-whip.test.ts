import { describe, expect, it } from "vitest";
import { endUrlOf, type Fetch, publish, type PublishingPeer, unpublish, unpublishOnPageHide, WhipFailure } from "./broadcast-whip.ts";

const OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\n";
const ANSWER = "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\n";

/** A peer that gathers its candidates `gatheringMs` after the local description is set, or never (-1). */
class FakePeer extends EventTarget {
  iceGatheringState: RTCIceGatheringState = "new";
  localDescription: RTCSessionDescription | null = null;
  remote: RTCSessionDescriptionInit | undefined;
  candidates = 0;

  constructor(private readonly gatheringMs: number) {
    super();
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    return { type: "offer", sdp: OFFER };
  }

  async setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    this.iceGatheringState = "gathering";
    const withCandidates = () => ({ type: "offer", sdp: `${description?.sdp ?? ""}${"a=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n".repeat(this.candidates)}` }) as RTCSessionDescription;
    this.localDescription = withCandidates();
    setTimeout(() => {
      this.candidates = 1;
      this.localDescription = withCandidates();
    }, 5);
    if (this.gatheringMs < 0) return;
    setTimeout(() => {
      this.iceGatheringState = "complete";
      this.dispatchEvent(new Event("icegatheringstatechange"));
    }, this.gatheringMs);
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.remote = description;
  }
}

const peerOf = (fake: FakePeer) => fake as unknown as PublishingPeer;

interface Sent {
  url: string;
  init: RequestInit;
}

function server(answer: (sent: Sent) => Response | Promise<Response>): { fetchFn: Fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetchFn: async (url, init) => {
      sent.push({ url, init });
      return answer({ url, init });
    },
  };
}

const created = (location: string | null, body = ANSWER) =>
  new Response(body, { status: 201, headers: { "content-type": "application/sdp", ...(location ? { location } : {}) } });
const refused = (status: number, message: string) =>
  new Response(JSON.stringify({ error: { code: "X", message, details: {} } }), { status, headers: { "content-type": "application/json" } });

const ENDPOINT = "https://whip.example.com/whip/channels/ch-1";

describe("publishing over WHIP", () => {
  it("POSTs the complete offer as application/sdp with the bearer token, applies the answer and keeps the resource", async () => {
    const peer = new FakePeer(20);
    const { fetchFn, sent } = server(() => created("/whip/sessions/s-1"));

    const session = await publish(peerOf(peer), { endpoint: ENDPOINT, token: "tok", fetchFn });

    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(ENDPOINT);
    expect(sent[0]!.init.method).toBe("POST");
    expect(sent[0]!.init.headers).toEqual({ "content-type": "application/sdp", authorization: "Bearer tok" });
    expect(sent[0]!.init.body).toContain("a=candidate:");
    expect(peer.remote).toEqual({ type: "answer", sdp: ANSWER });
    expect(session.resourceUrl).toBe("https://whip.example.com/whip/sessions/s-1");
  });

  it("keeps an absolute Location as it is", async () => {
    const { fetchFn } = server(() => created("https://other.example.com/sessions/s-2"));
    const session = await publish(peerOf(new FakePeer(0)), { endpoint: ENDPOINT, token: "tok", fetchFn });
    expect(session.resourceUrl).toBe("https://other.example.com/sessions/s-2");
  });

  it("sends what it has when ICE gathering does not complete in time", async () => {
    const { fetchFn, sent } = server(() => created("/whip/sessions/s-3"));
    const started = Date.now();
    await publish(peerOf(new FakePeer(-1)), { endpoint: ENDPOINT, token: "tok", fetchFn, iceTimeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sent[0]!.init.body).toContain("a=candidate:");
  });

  it("fails with the status and the server's message for anything but 201", async () => {
    for (const [status, message] of [
      [401, "the broadcast token expired at 2026-12-06T10:00:00.000Z: ask for a new broadcast link"],
      [403, "the broadcast token is for another channel than ch-1"],
      [409, "channel ch-1 is STOPPED: start it, then go live"],
      [422, "offer has no H.264 video: the gateway forwards H.264 without re-encoding"],
    ] as const) {
      const peer = new FakePeer(0);
      const { fetchFn } = server(() => refused(status, message));
      const failure = await publish(peerOf(peer), { endpoint: ENDPOINT, token: "tok", fetchFn }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WhipFailure);
      expect(failure).toMatchObject({ status, serverMessage: message, message: `the WHIP endpoint answered HTTP ${status}: ${message}` });
      expect(peer.remote).toBeUndefined();
    }
    const { fetchFn } = server(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    await expect(publish(peerOf(new FakePeer(0)), { endpoint: ENDPOINT, token: "tok", fetchFn })).rejects.toMatchObject({ status: 502, serverMessage: undefined });
  });

  it("fails with status 0 when the endpoint does not answer", async () => {
    const fetchFn: Fetch = () => Promise.reject(new TypeError("Failed to fetch"));
    await expect(publish(peerOf(new FakePeer(0)), { endpoint: ENDPOINT, token: "tok", fetchFn })).rejects.toMatchObject({
      name: "WhipFailure",
      status: 0,
      message: "the WHIP endpoint did not answer (Failed to fetch)",
    });
  });

  it("fails on a 201 without a Location (or one not exposed to the page) or without an SDP answer", async () => {
    await expect(publish(peerOf(new FakePeer(0)), { endpoint: ENDPOINT, token: "tok", fetchFn: server(() => created(null)).fetchFn })).rejects.toThrow(/no Location/);
    await expect(publish(peerOf(new FakePeer(0)), { endpoint: ENDPOINT, token: "tok", fetchFn: server(() => created("/s", "{}")).fetchFn })).rejects.toThrow(/not an SDP answer/);
  });
});

describe("ending a WHIP session", () => {
  it("DELETEs the resource with the token, kept alive past the page when asked", async () => {
    const { fetchFn, sent } = server(() => new Response(null, { status: 200 }));
    expect(await unpublish({ resourceUrl: "https://whip.example.com/whip/sessions/s-1" }, { token: "tok", keepalive: true, fetchFn })).toBe(200);
    expect(sent).toEqual([{ url: "https://whip.example.com/whip/sessions/s-1", init: { method: "DELETE", keepalive: true, headers: { authorization: "Bearer tok" } } }]);
  });

  it("as the page closes, queues a beacon (a POST to <session>/end, no preflight) and sends nothing else; the kept-alive DELETE only when no beacon is queued", async () => {
    const beacons: string[] = [];
    const queued = server(() => new Response(null, { status: 200 }));
    unpublishOnPageHide({ resourceUrl: "https://whip.example.com/whip/sessions/s-1" }, { token: "tok", sendBeacon: (url) => beacons.push(url) > 0, fetchFn: queued.fetchFn });
    const refused = server(() => new Response(null, { status: 200 }));
    unpublishOnPageHide({ resourceUrl: "https://whip.example.com/whip/sessions/s-2" }, { token: "tok", sendBeacon: () => false, fetchFn: refused.fetchFn });

    expect(beacons).toEqual(["https://whip.example.com/whip/sessions/s-1/end"]);
    expect(endUrlOf({ resourceUrl: "https://whip.example.com/whip/sessions/s-3/?v=1" })).toBe("https://whip.example.com/whip/sessions/s-3/end?v=1");
    expect(queued.sent).toEqual([]);
    expect(refused.sent).toEqual([{ url: "https://whip.example.com/whip/sessions/s-2", init: { method: "DELETE", keepalive: true, headers: { authorization: "Bearer tok" } } }]);
  });

  it("answers 0 when the server cannot be reached, without throwing", async () => {
    expect(await unpublish({ resourceUrl: "https://whip.example.com/s" }, { token: "tok", fetchFn: () => Promise.reject(new TypeError("offline")) })).toBe(0);
  });
});
