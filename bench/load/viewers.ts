/**
 * HLS viewers as players pull a live channel: each fetches the signed master playlist, picks one variant, then
 * reloads that media playlist every target duration (half of it when nothing new was listed, RFC 8216 6.3.4) and
 * downloads every new segment in full, with the signature query. Runs as a child process of bench/load/run.ts,
 * so the viewers never share an event loop with the CDN they load; prints its figures as JSON on its last line.
 */
import { Agent } from "node:http";
import { parseMediaPlaylist } from "@visionstream/local/medialive/media-playlist";
import { parse } from "hls-parser";
import { z } from "zod";
import { httpGetWhole } from "./http-get.ts";

const Options = z.object({
  hlsUrl: z.string().url(),
  query: z.string(),
  viewers: z.number().int().nonnegative(),
  seconds: z.number().positive(),
  /** Viewers join at random moments within this many seconds, as an audience does. */
  joinSeconds: z.number().nonnegative(),
  requestTimeoutMs: z.number().int().positive(),
});
type Options = z.infer<typeof Options>;

export interface ViewerFigures {
  viewers: number;
  perRendition: Record<string, number>;
  segments: number;
  bytes: number;
  playlists: number;
  /** Non-200 answers, timeouts and broken transfers. */
  errors: number;
  errorSamples: string[];
  /** A segment listed in a playlist and not fully fetched before the next reload was due. */
  stalls: number;
  viewersWithStalls: number;
  /** Segments that left the playlist before the viewer reached them. */
  missed: number;
  /** Requests sent again because their kept-alive connection was found closed (not errors: browsers do the same). */
  retries: number;
  segmentMs: { p50: number; p99: number; max: number };
  playlistMs: { p50: number; p99: number; max: number };
  seconds: number;
  cpuSeconds: number;
}

const options = Options.parse(JSON.parse(process.argv[2] ?? "{}"));
const signed = (url: string) => `${url}${url.includes("?") ? "&" : "?"}${options.query}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

let errors = 0;
const errorSamples: string[] = [];
const segmentTimes: number[] = [];
const playlistTimes: number[] = [];
const totals = { segments: 0, bytes: 0, playlists: 0, stalls: 0, missed: 0, retries: 0 };

function failed(what: string) {
  errors++;
  if (errorSamples.length < 5) errorSamples.push(what);
}

// One keep-alive pool for every viewer, as players on one network share nothing but their own connections.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** A GET read to its end; a request sent again on a new connection is counted apart from errors. */
const request = (url: string) => httpGetWhole(url, { agent, timeoutMs: options.requestTimeoutMs, onRetry: () => totals.retries++ });

/**
 * One GET read to its end: a playlist's text, or a segment's length (its bytes are counted, not kept, as a player
 * hands them to its decoder); undefined, and counted, on anything but a whole 200.
 */
async function get(url: string, kind: "playlist"): Promise<string | undefined>;
async function get(url: string, kind: "segment"): Promise<number | undefined>;
async function get(url: string, kind: "playlist" | "segment"): Promise<string | number | undefined> {
  const started = performance.now();
  try {
    const answer = await request(signed(url));
    if (answer.status !== 200) {
      failed(`${answer.status} for ${kind} ${new URL(url).pathname}`);
      return undefined;
    }
    if (Number.isFinite(answer.expected) && answer.expected !== answer.length) {
      failed(`short ${kind}: ${answer.length} of ${answer.expected} bytes`);
      return undefined;
    }
    (kind === "segment" ? segmentTimes : playlistTimes).push(performance.now() - started);
    return kind === "playlist" ? answer.text : answer.length;
  } catch (error) {
    failed(`${(error as Error).message} for ${kind} ${new URL(url).pathname}`);
    return undefined;
  }
}

function variants(master: string, base: string) {
  const playlist = master.startsWith("#EXTM3U") ? parse(master) : undefined;
  return playlist?.isMasterPlaylist ? playlist.variants.map(({ uri }) => new URL(uri, base).toString()) : [];
}

async function watch(index: number, until: number, perRendition: Record<string, number>): Promise<number> {
  await sleep(Math.random() * options.joinSeconds * 1000);
  const master = await get(options.hlsUrl, "playlist");
  if (!master) return 0;
  const choices = variants(master, options.hlsUrl);
  // Spread over the ladder as an audience on mixed screens and networks is: one rendition per viewer.
  const playlistUrl = choices[index % choices.length];
  if (!playlistUrl) {
    failed("master playlist lists no variant");
    return 0;
  }
  const rendition = new URL(playlistUrl).pathname.split("/").at(-2) ?? "?";
  perRendition[rendition] = (perRendition[rendition] ?? 0) + 1;
  let next: number | undefined;
  let stalls = 0;
  while (performance.now() < until) {
    const reloadedAt = performance.now();
    const text = await get(playlistUrl, "playlist");
    totals.playlists++;
    let targetMs = 2_000;
    let fresh = false;
    if (text) {
      const playlist = parseMediaPlaylist(text);
      targetMs = (playlist.targetDurationSeconds ?? 2) * 1000;
      // A player joins three segments behind the live edge (hls.js liveSyncDurationCount).
      next ??= Math.max(playlist.mediaSequence, (playlist.segments.at(-1)?.mediaSequence ?? 0) - 2);
      if (playlist.mediaSequence > next) {
        totals.missed += playlist.mediaSequence - next;
        next = playlist.mediaSequence;
      }
      const due = reloadedAt + targetMs;
      for (const segment of playlist.segments) {
        if (segment.mediaSequence < next) continue;
        fresh = true;
        const length = await get(new URL(segment.uri, playlistUrl).toString(), "segment");
        next = segment.mediaSequence + 1;
        if (length !== undefined) {
          totals.segments++;
          totals.bytes += length;
        }
        if (performance.now() > due) stalls++;
        if (performance.now() >= until) break;
      }
    }
    await sleep(reloadedAt + (fresh ? targetMs : targetMs / 2) - performance.now());
  }
  totals.stalls += stalls;
  return stalls;
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}

const started = performance.now();
const until = started + options.seconds * 1000;
const perRendition: Record<string, number> = {};
const stallsPerViewer = await Promise.all(Array.from({ length: options.viewers }, (_, index) => watch(index, until, perRendition)));
const figures: ViewerFigures = {
  viewers: options.viewers,
  perRendition,
  ...totals,
  errors,
  errorSamples,
  viewersWithStalls: stallsPerViewer.filter((stalls) => stalls > 0).length,
  segmentMs: percentiles(segmentTimes),
  playlistMs: percentiles(playlistTimes),
  seconds: (performance.now() - started) / 1000,
  cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
};
console.log(JSON.stringify(figures));
