/**
 * A soak's HLS viewers, in a process of their own: players as bench/load/viewers.ts's (the signed master playlist,
 * one variant each, a reload every target duration, every new segment fetched whole), kept watching for hours. The
 * parent sends the signed query again before it expires and "stop" at the end; every few seconds this sends it its
 * tally. A segment missed is a media sequence number a viewer should have fetched and did not fetch whole: it left the
 * playlist before the viewer reached it, or its fetch failed.
 */
import { Agent } from "node:http";
import { parseMediaPlaylist } from "@visionstream/local/medialive/media-playlist";
import { parse } from "hls-parser";
import { z } from "zod";
import { httpGetWhole } from "../load/http-get.ts";

const Options = z.object({
  hlsUrl: z.string().url(),
  query: z.string(),
  viewers: z.number().int().positive(),
  joinSeconds: z.number().nonnegative(),
  requestTimeoutMs: z.number().int().positive(),
  tallyEveryMs: z.number().int().positive(),
});
const Message = z.union([z.object({ query: z.string() }), z.object({ stop: z.literal(true) })]);

export interface ViewerTally {
  watching: number;
  segments: number;
  bytes: number;
  missed: number;
  failedSegments: number;
  playlistErrors: number;
  errorSamples: string[];
  /** Requests sent again because their kept-alive connection was found closed (as browsers do; not errors). */
  retries: number;
  segmentMsP99: number;
  /** New signed queries taken from the parent. */
  queriesRenewed: number;
  final: boolean;
}

const options = Options.parse(JSON.parse(process.argv[2] ?? "{}"));
let query = options.query;
let stopping = false;
process.on("message", (raw) => {
  const message = Message.parse(raw);
  if ("query" in message) {
    query = message.query;
    tally.queriesRenewed++;
  }
  else stopping = true;
});
// The bench that forked these viewers is gone (stopped with Ctrl-C, or failed): nobody reads their tally any more.
process.once("disconnect", () => {
  if (!stopping) process.exit(0);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const tally: ViewerTally = { watching: 0, segments: 0, bytes: 0, missed: 0, failedSegments: 0, playlistErrors: 0, errorSamples: [], retries: 0, segmentMsP99: Number.NaN, queriesRenewed: 0, final: false };
/** Segment fetch times of the last tally period, for its p99. */
let segmentTimes: number[] = [];

function failed(what: string) {
  if (tally.errorSamples.length < 5) tally.errorSamples.push(what);
}

const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

class Refused extends Error {
  override name = "Refused";
}

/** A GET read to its end: the text of a playlist, the length of a segment (its bytes counted, not kept). */
async function requestWhole(url: string, textual: boolean): Promise<string | number> {
  const answer = await httpGetWhole(url, { agent, timeoutMs: options.requestTimeoutMs, onRetry: () => tally.retries++ });
  if (answer.status !== 200) throw new Refused(`${answer.status}`);
  if (Number.isFinite(answer.expected) && answer.expected !== answer.length) throw new Refused(`short: ${answer.length} of ${answer.expected} bytes`);
  return textual ? answer.text : answer.length;
}

async function get(url: string, textual: boolean): Promise<string | number | undefined> {
  const signed = `${url}${url.includes("?") ? "&" : "?"}${query}`;
  const started = performance.now();
  try {
    const answer = await requestWhole(signed, textual);
    if (!textual) segmentTimes.push(performance.now() - started);
    return answer;
  } catch (error) {
    failed(`${(error as Error).message} for ${new URL(url).pathname}`);
    return undefined;
  }
}

async function watch(index: number) {
  await sleep(Math.random() * options.joinSeconds * 1000);
  const master = await get(options.hlsUrl, true);
  const parsed = typeof master === "string" && master.startsWith("#EXTM3U") ? parse(master) : undefined;
  const choices = parsed?.isMasterPlaylist ? parsed.variants.map(({ uri }) => new URL(uri, options.hlsUrl).toString()) : [];
  const playlistUrl = choices[index % choices.length];
  if (!playlistUrl) {
    tally.playlistErrors++;
    failed("no variant in the master playlist");
    return;
  }
  tally.watching++;
  let next: number | undefined;
  while (!stopping) {
    const reloadedAt = performance.now();
    const text = await get(playlistUrl, true);
    let targetMs = 2_000;
    let fresh = false;
    const playlist = typeof text === "string" ? readPlaylist(text) : undefined;
    if (!playlist) tally.playlistErrors++;
    else {
      targetMs = (playlist.targetDurationSeconds ?? 2) * 1000;
      // A player joins three segments behind the live edge (hls.js liveSyncDurationCount).
      next ??= Math.max(playlist.mediaSequence, (playlist.segments.at(-1)?.mediaSequence ?? 0) - 2);
      for (const segment of playlist.segments) {
        if (segment.mediaSequence < next || stopping) continue;
        // Listed numbers the viewer never got to: gone from the playlist before this reload, or never listed at all.
        tally.missed += segment.mediaSequence - next;
        fresh = true;
        const length = await get(new URL(segment.uri, playlistUrl).toString(), false);
        next = segment.mediaSequence + 1;
        if (typeof length === "number") {
          tally.segments++;
          tally.bytes += length;
        } else {
          tally.failedSegments++;
          tally.missed++;
        }
      }
    }
    await sleep(reloadedAt + (fresh ? targetMs : targetMs / 2) - performance.now());
  }
  tally.watching--;
}

function readPlaylist(text: string) {
  try {
    return parseMediaPlaylist(text);
  } catch {
    return undefined;
  }
}

function send(final: boolean) {
  const sorted = segmentTimes.sort((a, b) => a - b);
  segmentTimes = [];
  // The bench that forked this process may be gone (stopped with Ctrl-C): then there is no one to tell.
  if (!process.connected) return;
  process.send?.({ ...tally, segmentMsP99: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN, final } satisfies ViewerTally);
}

const ticker = setInterval(() => send(false), options.tallyEveryMs);
await Promise.all(Array.from({ length: options.viewers }, (_, index) => watch(index)));
clearInterval(ticker);
send(true);
if (process.connected) process.disconnect?.();
