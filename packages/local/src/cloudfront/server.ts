import { createPublicKey, type KeyObject } from "node:crypto";
import { type FileHandle, open, readFile, stat } from "node:fs/promises";
import { basename, extname, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { getConnInfo } from "@hono/node-server/conninfo";
import { contentKey, InvalidKeyId, normalizeKid } from "@visionstream/core/keys/content-keys";
import { clearKeyLicense, InvalidClearKeyRequest } from "@visionstream/core/keys/clearkey";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import { Distribution, type LocalLayout, SigningKeyPair } from "../account-infrastructure.ts";
import { DEFAULT_MAX_UPLOAD_BYTES, isUploadKey, receiveUpload, UploadTooLarge, uploadSigningSecret, verifyUpload } from "../s3/media-uploads.ts";
import { objectPath } from "../s3/object-store.ts";
import { keyServerSecret } from "../secrets/key-server-secret.ts";
import { DEFAULT_EDGE_CACHE, EdgeCache, type EdgeCacheOptions } from "./edge-cache.ts";
import { awaitSegment, followGrowingSegment, isMediaSegment, mayBeginSoon, SEGMENT_WAIT_MS } from "./growing-segment.ts";
import { verifySignedRequest } from "./signature.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".m3u8": "application/vnd.apple.mpegurl",
  ".ts": "video/mp2t",
  ".mp4": "video/mp4",
  ".m4s": "video/iso.segment",
  ".mpd": "application/dash+xml",
  ".aac": "audio/aac",
  ".json": "application/json",
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".jpg": "image/jpeg",
  ".png": "image/png",
};

const MESSAGES = {
  MissingKey: "Missing Key-Pair-Id query parameter or cookie value",
  InvalidKey: "Unknown Key",
  AccessDenied: "Access denied",
  NoSuchKey: "The specified key does not exist.",
  NoSuchDistribution: "The request could not be satisfied: no such distribution.",
  InvalidRange: "The requested range is not satisfiable",
  EntityTooLarge: "Your proposed upload exceeds the maximum allowed object size.",
  IncompleteBody: "The request body ended before the upload was complete.",
  InvalidKeyId: "The key id is neither 32 hex digits nor a UUID.",
  InvalidLicenseRequest: "The ClearKey license request is not valid",
  LicenseRequestTooLarge: "The ClearKey license request is too large.",
  MethodNotAllowed: "The specified method is not allowed against this resource.",
} as const;

/** A content type by file name; MSS names its objects without extensions. */
function contentType(file: string): string {
  const name = basename(file);
  if (name === "Manifest") return "application/vnd.ms-sstr+xml";
  if (name.startsWith("Fragments(")) return "video/mp4";
  return CONTENT_TYPES[extname(name)] ?? "application/octet-stream";
}

/** Playlists and manifests change every segment; segments never do. */
const isPlaylist = (key: string) => key.endsWith(".m3u8") || key.endsWith(".mpd") || basename(key) === "Manifest";

/** The virtual objects of key delivery: `live/<channelId>/keys/<kid>` and `live/<channelId>/keys/clearkey`. */
const KEY_PATH = /^live\/([^/]+)\/keys\/([^/]+)$/;
const CLEARKEY = "clearkey";
/** A ClearKey request names a few KIDs: a few hundred bytes. */
const MAX_LICENSE_REQUEST_BYTES = 16 * 1024;
const NO_STORE = "private, no-store";

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export interface CdnOptions {
  /** The largest object a presigned PUT may upload; S3's single-PUT limit (5 GiB) by default. */
  maxUploadBytes?: number;
  edgeCache?: EdgeCacheOptions;
}

function cloudFrontError(code: keyof typeof MESSAGES, status: number, headers: Record<string, string> = {}, detail?: string) {
  const message = escapeXml(detail ? `${MESSAGES[code]}: ${detail}` : MESSAGES[code]);
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  return new Response(body, { status, headers: { "content-type": "text/xml", ...headers } });
}

const DISTRIBUTION_ID = /^E[A-Z0-9]{13}$/;
/** How long a distribution's settings and trusted key are used before they are read again. */
const CONFIG_TTL_MS = 1_000;

/** The object key of a request path, or undefined for one S3 could not hold or that climbs out (".", "..", "\\"). */
export function objectKey(rawPath: string): string | undefined {
  let key: string;
  try {
    key = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (key === "" || key.includes("\\") || key.includes("\0")) return undefined;
  if (key.split("/").some((segment) => segment === "." || segment === "..")) return undefined;
  return key;
}

function parseRange(header: string, size: number): { start: number; end: number } | "invalid" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === "" && to === "") return "invalid";
  let start: number;
  let end: number;
  if (from === "") {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  }
  return start > end || start >= size ? "invalid" : { start, end };
}

/**
 * CMAF and Smooth Streaming segments are named by a number or a time that starts again when a transcoder restarts within
 * a run (the DASH and MSS muxers cannot continue an earlier run's): a browser must not take an earlier run's from its cache.
 */
const reusedName = (key: string) => key.endsWith(".m4s") || basename(key).startsWith("Fragments(");

/**
 * The local CloudFront: one path prefix per distribution, signed URLs and cookies checked, byte ranges, CORS; segments
 * served while they are written; key delivery (HLS AES-128 keys, ClearKey licenses) under the same grant; /time.
 */
export function cdnApp(layout: LocalLayout, options: CdnOptions = {}) {
  const app = new Hono();
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  let uploadSecret: Promise<Buffer> | undefined;
  const edge = new EdgeCache(options.edgeCache ?? DEFAULT_EDGE_CACHE);
  const publicKeys = new Map<string, KeyObject>();

  async function read(distributionId: string) {
    try {
      const distribution = Distribution.parse(JSON.parse(await readFile(layout.distributionFile(distributionId), "utf8")));
      const keys = new Map<string, KeyObject>();
      try {
        const pair = SigningKeyPair.parse(JSON.parse(await readFile(layout.keyFile(distribution.accountId), "utf8")));
        // The same key object while the key is the same: signature checks are remembered per key object.
        let publicKey = publicKeys.get(pair.publicKey);
        if (!publicKey) publicKeys.set(pair.publicKey, (publicKey = createPublicKey(pair.publicKey)));
        keys.set(pair.publicKeyId, publicKey);
      } catch {
        // no key: nothing signed can be verified
      }
      return { distribution, keys };
    } catch {
      return undefined;
    }
  }

  // Every request of every viewer needs its distribution and key: read once, then again after CONFIG_TTL_MS,
  // as CloudFront's edges also take a while to see a change. An unknown distribution is not remembered.
  const configs = new Map<string, { readAt: number; config: ReturnType<typeof read> }>();
  function load(distributionId: string) {
    const cached = configs.get(distributionId);
    if (cached && performance.now() - cached.readAt < CONFIG_TTL_MS) return cached.config;
    const config = read(distributionId);
    configs.set(distributionId, { readAt: performance.now(), config });
    void config.then((loaded) => {
      if (!loaded && configs.get(distributionId)?.config === config) configs.delete(distributionId);
    });
    return config;
  }

  app.use("*", async (c, next) => {
    await next();
    const origin = c.req.header("origin");
    c.res.headers.set("access-control-allow-origin", origin ?? "*");
    if (origin) {
      c.res.headers.set("access-control-allow-credentials", "true");
      c.res.headers.append("vary", "Origin");
    }
    c.res.headers.set("access-control-expose-headers", "Content-Length, Content-Range, Accept-Ranges, ETag");
  });

  app.options("*", (c) =>
    c.body(null, 204, {
      "access-control-allow-methods": "GET, HEAD, PUT, POST, OPTIONS",
      "access-control-allow-headers": c.req.header("access-control-request-headers") ?? "Range",
      "access-control-max-age": "86400",
    }),
  );

  /** The clock players align a live DASH timeline with (UTCTiming urn:mpeg:dash:utc:http-xsdate:2014). */
  app.get("/time", (c) => c.text(new Date().toISOString(), 200, { "cache-control": "no-store" }));

  let keySecret: Promise<Buffer> | undefined;
  const secret = () =>
    (keySecret ??= keyServerSecret(layout).catch((error: unknown) => {
      keySecret = undefined;
      throw error;
    }));

  /** The distribution and object key of a request, once its signature allows it (public/ needs none); else the refusal. */
  async function authorize(c: Context) {
    const distributionId = c.req.param("distributionId") ?? "";
    if (!DISTRIBUTION_ID.test(distributionId)) return cloudFrontError("NoSuchDistribution", 404);
    const loaded = await load(distributionId);
    if (!loaded || !loaded.distribution.enabled) return cloudFrontError("NoSuchDistribution", 404);
    const key = objectKey(new URL(c.req.url).pathname.slice(`/${distributionId}/`.length));
    if (key === undefined) return cloudFrontError("NoSuchKey", 404);
    if (!key.startsWith("public/")) {
      const verdict = verifySignedRequest(
        {
          url: c.req.url,
          query: new URL(c.req.url).searchParams,
          cookies: getCookie(c),
          clientIp: getConnInfo(c).remote.address ?? "",
        },
        loaded.keys,
      );
      if (!verdict.allowed) return cloudFrontError(verdict.reason, 403, { "x-visionstream-denied": verdict.detail });
    }
    return { loaded, key };
  }

  /** An HLS AES-128 key: the 16 raw bytes of the channel's key for the KID, derived, never read from the bucket. */
  async function deliverKey(c: Context, channelId: string, kid: string) {
    if (kid === CLEARKEY) return cloudFrontError("MethodNotAllowed", 405, { allow: "POST, OPTIONS" });
    let hex: string;
    try {
      hex = normalizeKid(kid);
    } catch (error) {
      if (error instanceof InvalidKeyId) return cloudFrontError("InvalidKeyId", 400);
      throw error;
    }
    const { key } = contentKey(await secret(), channelId, hex);
    const headers = { "content-type": "application/octet-stream", "cache-control": NO_STORE, "content-length": String(key.length) };
    if (c.req.method === "HEAD") return c.body(null, 200, headers);
    return c.body(new Uint8Array(key) as Uint8Array<ArrayBuffer>, 200, headers);
  }

  app.on(["GET", "HEAD"], "/:distributionId/*", async (c) => {
    const allowed = await authorize(c);
    if (allowed instanceof Response) return allowed;
    const { loaded, key } = allowed;
    const keyPath = KEY_PATH.exec(key);
    if (keyPath) return deliverKey(c, keyPath[1]!, keyPath[2]!);
    const bucket = resolve(layout.bucketDir(loaded.distribution.bucketName));
    const file = resolve(bucket, key);
    if (!file.startsWith(bucket + sep)) return cloudFrontError("NoSuchKey", 404);
    let info = await stat(file).catch(() => undefined);
    if (!info && isMediaSegment(key)) {
      // A segment still being written, or about to begin: followed as it grows, never kept by the edge cache.
      if ((await awaitSegment(file, (await mayBeginSoon(file)) ? SEGMENT_WAIT_MS : 0)) === "growing") {
        const headers = { "content-type": contentType(file), "cache-control": "no-store" };
        if (c.req.method === "HEAD") return c.body(null, 200, headers);
        // Ranges of a segment whose size is not known yet: the whole segment, from its start (200).
        const growing = await followGrowingSegment(file);
        if (growing) return c.body(growing, 200, headers);
      }
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) return cloudFrontError("NoSuchKey", 404);
    const kept = c.req.method === "GET" ? await edge.get(file, info) : undefined;
    // Not kept (large, or replaced meanwhile): opened before it is measured, so a live segment deleted meanwhile is
    // a 404, never a truncated 200.
    let handle: FileHandle | undefined;
    let size = kept?.length ?? info.size;
    if (!kept && c.req.method === "GET") {
      try {
        handle = await open(file, "r");
        const opened = await handle.stat();
        if (!opened.isFile()) {
          await handle.close();
          return cloudFrontError("NoSuchKey", 404);
        }
        size = opened.size;
      } catch {
        await handle?.close();
        return cloudFrontError("NoSuchKey", 404);
      }
    }
    const headers: Record<string, string> = {
      "content-type": contentType(file),
      "accept-ranges": "bytes",
      "cache-control": isPlaylist(key) ? "max-age=1" : reusedName(key) ? "no-cache" : "max-age=86400",
    };
    const rangeHeader = c.req.header("range");
    const range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
    if (range === "invalid") {
      await handle?.close();
      return cloudFrontError("InvalidRange", 416, { "content-range": `bytes */${size}` });
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    headers["content-length"] = String(size === 0 ? 0 : end - start + 1);
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    const status = range ? 206 : 200;
    if (c.req.method === "HEAD" || size === 0) {
      await handle?.close();
      return c.body(null, status, headers);
    }
    if (kept) return c.body((range ? kept.subarray(start, end + 1) : kept) as Uint8Array<ArrayBuffer>, status, headers);
    const stream = Readable.toWeb(handle!.createReadStream({ start, end, autoClose: true })) as ReadableStream;
    return c.body(stream, status, headers);
  });

  /** The ClearKey license server of a channel (W3C EME): the keys of the asked KIDs, under the same grant as its media. */
  app.post(
    "/:distributionId/*",
    bodyLimit({ maxSize: MAX_LICENSE_REQUEST_BYTES, onError: () => cloudFrontError("LicenseRequestTooLarge", 413, { connection: "close" }) }),
    async (c) => {
      const allowed = await authorize(c);
      if (allowed instanceof Response) return allowed;
      const keyPath = KEY_PATH.exec(allowed.key);
      if (!keyPath || keyPath[2] !== CLEARKEY) return cloudFrontError("MethodNotAllowed", 405, { allow: "GET, HEAD, PUT, OPTIONS" });
      const channelId = keyPath[1]!;
      const body = await c.req.text();
      const keys = await secret();
      try {
        const license = clearKeyLicense(body, (kid) => contentKey(keys, channelId, kid));
        return c.json(license, 200, { "cache-control": NO_STORE });
      } catch (error) {
        if (error instanceof InvalidClearKeyRequest) return cloudFrontError("InvalidLicenseRequest", 400, {}, error.message);
        throw error;
      }
    },
  );

  /** The local S3 presigned PUT: only under media/, only with a valid X-VS signature; it emits no event. */
  app.put("/:distributionId/*", async (c) => {
    const distributionId = c.req.param("distributionId");
    if (!DISTRIBUTION_ID.test(distributionId)) return cloudFrontError("NoSuchDistribution", 404);
    const loaded = await load(distributionId);
    if (!loaded || !loaded.distribution.enabled) return cloudFrontError("NoSuchDistribution", 404);
    const denied = (detail: string) => cloudFrontError("AccessDenied", 403, { "x-visionstream-denied": detail });
    const url = new URL(c.req.url);
    const bucketName = loaded.distribution.bucketName;
    const key = objectKey(url.pathname.slice(`/${distributionId}/`.length));
    let file: string;
    try {
      if (key === undefined || !isUploadKey(key)) return denied("uploads go under media/ and stay inside it");
      file = objectPath(layout, bucketName, key);
    } catch {
      return denied("uploads go under media/ and stay inside it");
    }
    uploadSecret ??= uploadSigningSecret(layout).catch((error: unknown) => {
      uploadSecret = undefined;
      throw error;
    });
    const verdict = verifyUpload(await uploadSecret, { method: "PUT", bucketName, key, contentType: c.req.header("content-type") ?? "" }, url.searchParams);
    if (!verdict.allowed) return denied(verdict.detail);
    const tooLarge = () => cloudFrontError("EntityTooLarge", 413, { connection: "close" });
    if (Number(c.req.header("content-length") ?? 0) > maxUploadBytes) return tooLarge();
    try {
      const { etag } = await receiveUpload(c.req.raw.body, layout.bucketDir(bucketName), file, maxUploadBytes);
      return c.body(null, 200, { etag: `"${etag}"` });
    } catch (error) {
      if (error instanceof UploadTooLarge) return tooLarge();
      return cloudFrontError("IncompleteBody", 400, { connection: "close" });
    }
  });

  app.all("*", (c) => cloudFrontError("NoSuchDistribution", 404));
  return app;
}
