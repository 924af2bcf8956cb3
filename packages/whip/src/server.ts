import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { OfferRefused } from "./offer.ts";
import { type RtmpForward, startRtmpForward } from "./rtmp-forward.ts";
import { acceptOffer, type IceOptions, type WhipSession } from "./session.ts";

/** Where a publisher's media goes, and what identifies it: a new session with the same key takes over from the one before. */
export interface PublishTarget {
  key: string;
  rtmpUrls: string[];
  /** Masked in everything logged (stream keys). */
  secrets?: string[];
}

export interface PublishRequest {
  /** The endpoint's name: what follows the path prefix of the POST. */
  endpoint: string;
  token: string | undefined;
  remoteAddress: string;
}

export interface WhipEvent {
  type: "started" | "ended" | "refused";
  sessionId?: string;
  endpoint?: string;
  remoteAddress?: string;
  reason?: string;
}

export interface WhipServerOptions {
  host: string;
  port: number;
  /** Publish endpoints are `${prefix}/<endpoint>`, sessions `${sessionsPrefix}/<id>` (default "/whip/sessions"). */
  prefix: string;
  sessionsPrefix?: string;
  publishTarget(request: PublishRequest): Promise<PublishTarget>;
  /** The HTTP answer to a refused publish (the caller's own errors, with headers such as Retry-After); anything it does not know is a 500. */
  errorResponse(error: unknown): { status: number; body: unknown; headers?: Record<string, string> } | undefined;
  ice?: IceOptions;
  ffmpegPath?: string;
  /** Origins allowed to POST from a browser page (the pages' origin); "*" by default, as tokens carry the authority. */
  allowOrigin?: string;
  onEvent?(event: WhipEvent): void;
  /**
   * Proxies in front of the server, each appending the address it was called from to X-Forwarded-For (CloudFront, then
   * a load balancer: 2). 0, the default: the socket's peer is the publisher.
   */
  forwardedHops?: number;
  /** How long a session may go without any media before it is ended. */
  mediaTimeoutMs?: number;
}

export interface WhipServer {
  port: number;
  url: string;
  sessions(): { id: string; endpoint: string; key: string; stats: ReturnType<WhipSession["stats"]>; forwarderPid: number | undefined }[];
  /** The sessions that ended last (up to 100), oldest first, and why. */
  ended(): { id: string; endpoint: string; reason: string }[];
  close(): Promise<void>;
}

interface Live {
  id: string;
  endpoint: string;
  key: string;
  session: WhipSession;
  forward: RtmpForward;
  end(reason: string): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
/**
 * `POST <session>/end` ends a session as its DELETE does: what the broadcast page sends as it closes
 * (navigator.sendBeacon). A DELETE from the page's origin needs a CORS preflight first, and Chromium dropped the
 * kept-alive DELETE of a page that was gone before the preflight was answered (6 of 11 closes beside a busy machine; the
 * session then lasted until its media timed out, 15 s later); a POST without a body needs none. The session resource
 * itself answers POST with 405, as WHIP has it.
 */
export const END_PATH = "/end";

class RequestRefused extends Error {
  override name = "RequestRefused";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestRefused(413, "PAYLOAD_TOO_LARGE", `the offer is larger than ${MAX_BODY_BYTES} bytes`, { field: "body" });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const bearer = (request: IncomingMessage) => /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];

/**
 * The publisher's address: the socket's peer, or, behind `hops` proxies, the entry the first of them appended to
 * X-Forwarded-For (entries left of it are the client's own, and untrusted). Too few entries: the peer, a proxy's address.
 */
export function clientAddress(request: IncomingMessage, hops: number): string {
  const peer = request.socket.remoteAddress ?? "";
  if (hops === 0) return peer;
  const header = request.headers["x-forwarded-for"];
  const entries = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((entry) => entry.trim()).filter(Boolean);
  return entries[entries.length - hops] ?? peer;
}

/** A WHIP endpoint (RFC 9725): POST an SDP offer, get the answer and a session resource; DELETE the resource to end the publish. */
export async function startWhipServer(options: WhipServerOptions): Promise<WhipServer> {
  const sessionsPrefix = options.sessionsPrefix ?? "/whip/sessions";
  const live = new Map<string, Live>();
  const byKey = new Map<string, Live>();
  const event = (value: WhipEvent) => options.onEvent?.(value);
  let closing = false;
  const endings: { id: string; endpoint: string; reason: string }[] = [];

  const cors = (response: ServerResponse) => {
    response.setHeader("access-control-allow-origin", options.allowOrigin ?? "*");
    response.setHeader("access-control-allow-methods", "POST, DELETE, OPTIONS, PATCH");
    response.setHeader("access-control-allow-headers", "authorization, content-type, if-match");
    response.setHeader("access-control-expose-headers", "location, link, etag, retry-after");
  };
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const refuse = (response: ServerResponse, error: RequestRefused) =>
    json(response, error.status, { error: { code: error.code, message: error.message, details: error.details } });

  async function publish(request: IncomingMessage, response: ServerResponse, endpoint: string) {
    const remoteAddress = clientAddress(request, options.forwardedHops ?? 0);
    const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    // Authority first: nothing about the body is told to someone who may not publish here.
    const target = await options.publishTarget({ endpoint, token: bearer(request), remoteAddress });
    if (type !== "application/sdp") throw new RequestRefused(415, "UNSUPPORTED_MEDIA_TYPE", `content-type must be application/sdp, not "${type || "none"}"`, { field: "content-type" });
    const offer = await bodyOf(request);
    if (closing) throw new RequestRefused(503, "STOPPING", "the gateway is stopping: publish again in a moment");
    const id = randomUUID();
    // What arrives before the forwarder runs is dropped: it could not take it yet.
    let forward: RtmpForward | undefined;
    const session = await acceptOffer(offer, { rtp: (kind, packet) => forward?.sendRtp(kind, packet), rtcp: (kind, packet) => forward?.sendRtcp(kind, packet) }, options.ice);
    try {
      forward = await startRtmpForward({ rtmpUrls: target.rtmpUrls, audio: session.media.audio, ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}), ...(target.secrets ? { secrets: target.secrets } : {}) });
    } catch (error) {
      await session.close();
      throw error;
    }
    let ending: Promise<void> | undefined;
    const mediaTimeoutMs = options.mediaTimeoutMs ?? 15_000;
    const startedAt = Date.now();
    const watchdog = setInterval(() => {
      const last = session.stats().lastPacketAt ?? startedAt;
      if (Date.now() - last > mediaTimeoutMs) void entry.end(`no media for ${mediaTimeoutMs / 1000} s`);
    }, 1_000);
    watchdog.unref();
    const entry: Live = {
      id,
      endpoint,
      key: target.key,
      session,
      forward,
      end: (reason) =>
        (ending ??= (async () => {
          live.delete(id);
          endings.push({ id, endpoint, reason });
          if (endings.length > 100) endings.shift();
          if (byKey.get(target.key) === entry) byKey.delete(target.key);
          clearInterval(watchdog);
          await session.close();
          await forward.stop();
          event({ type: "ended", sessionId: id, endpoint, reason });
        })()),
    };
    // The gateway began to stop while this session was being made: it is not left behind.
    if (closing) {
      await entry.end("the gateway is stopping");
      throw new RequestRefused(503, "STOPPING", "the gateway is stopping: publish again in a moment");
    }
    const previous = byKey.get(target.key);
    live.set(id, entry);
    byKey.set(target.key, entry);
    // As a second RTMP publisher takes over the stream name, the newest broadcast takes over its channel.
    if (previous) await previous.end("another publisher took over");
    // The forwarder listens now: the browser's next keyframe reaches it (asked for once the connection is up).
    session.requestKeyframe();
    void session.ended.then((reason) => entry.end(reason));
    void forward.exited.then((exit) => entry.end(`the forwarder ended (code ${exit.code ?? exit.signal}): ${exit.stderrTail.trim().split("\n").slice(-3).join(" / ")}`));
    event({ type: "started", sessionId: id, endpoint, remoteAddress });
    cors(response);
    response.writeHead(201, { "content-type": "application/sdp", location: `${sessionsPrefix}/${id}`, etag: `"${id}"` });
    response.end(session.answer);
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    cors(response);
    const path = new URL(request.url ?? "/", "http://whip").pathname;
    if (path.startsWith(`${options.prefix}/`)) {
      let endpoint: string;
      try {
        endpoint = decodeURIComponent(path.slice(options.prefix.length + 1));
      } catch {
        throw new RequestRefused(404, "NOT_FOUND", "no WHIP endpoint at this path (it is not valid percent-encoding)");
      }
      if (!endpoint || endpoint.includes("/")) throw new RequestRefused(404, "NOT_FOUND", "no WHIP endpoint at this path");
      if (request.method === "OPTIONS") {
        response.setHeader("accept-post", "application/sdp");
        response.writeHead(204, { allow: "POST, OPTIONS" });
        response.end();
        return;
      }
      if (request.method !== "POST") {
        response.setHeader("allow", "POST, OPTIONS");
        throw new RequestRefused(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed on a WHIP endpoint: POST an SDP offer`);
      }
      await publish(request, response, endpoint);
      return;
    }
    if (path.startsWith(`${sessionsPrefix}/`)) {
      const rest = path.slice(sessionsPrefix.length + 1);
      const beacon = rest.endsWith(END_PATH);
      if (request.method === "OPTIONS") {
        response.writeHead(204, { allow: beacon ? "POST" : "DELETE, OPTIONS" });
        response.end();
        return;
      }
      const session = live.get(beacon ? rest.slice(0, -END_PATH.length) : rest);
      if (!session) throw new RequestRefused(404, "NOT_FOUND", "no such WHIP session (it has ended)");
      if (beacon) {
        response.setHeader("allow", "POST");
        if (request.method !== "POST") throw new RequestRefused(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed here: POST ends the session`);
        await session.end("the publisher ended it (its page closed)");
        response.writeHead(200);
        response.end();
        return;
      }
      response.setHeader("allow", "DELETE, OPTIONS");
      if (request.method === "DELETE") {
        // The session's resource URL is its capability (RFC 9725 lets a server take the token again; the id is unguessable).
        await session.end("the publisher ended it (DELETE)");
        response.writeHead(200);
        response.end();
        return;
      }
      if (request.method === "PATCH") throw new RequestRefused(405, "METHOD_NOT_ALLOWED", "trickle ICE and ICE restarts are not supported: send a complete offer");
      throw new RequestRefused(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed on a WHIP session`);
    }
    throw new RequestRefused(404, "NOT_FOUND", "no WHIP endpoint at this path");
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return;
      cors(response);
      if (error instanceof RequestRefused) return refuse(response, error);
      if (error instanceof OfferRefused) return refuse(response, new RequestRefused(400, "UNSUPPORTED_OFFER", error.message, { field: error.field }));
      const mapped = options.errorResponse(error);
      if (mapped) {
        for (const [name, value] of Object.entries(mapped.headers ?? {})) response.setHeader(name, value);
        if (mapped.status === 401) response.setHeader("www-authenticate", 'Bearer realm="whip"');
        event({ type: "refused", remoteAddress: clientAddress(request, options.forwardedHops ?? 0), reason: (error as Error).message });
        return json(response, mapped.status, mapped.body);
      }
      event({ type: "refused", reason: `internal error: ${(error as Error).message}` });
      json(response, 500, { error: { code: "INTERNAL", message: "the gateway failed to take the offer", details: {} } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${options.host}:${port}`,
    ended: () => [...endings],
    sessions: () => [...live.values()].map((entry) => ({ id: entry.id, endpoint: entry.endpoint, key: entry.key, stats: entry.session.stats(), forwarderPid: entry.forward.pid })),
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.all([...live.values()].map((entry) => entry.end("the gateway is stopping")));
      // Requests in flight finish (a publish under way ends its own session, see `closing`); then nothing is left open.
      const bound = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(bound);
    },
  };
}
