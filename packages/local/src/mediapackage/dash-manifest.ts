import { watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { coalesced } from "../coalesced.ts";
import { DASH_ENCODER_MANIFEST as ENCODER_MANIFEST, DASH_MANIFEST } from "../medialive/ladder-args.ts";
import { publishFile, readIfPresent } from "./published-file.ts";

const SWITCHING = "urn:mpeg:dash:adaptation-set-switching:2016";

/**
 * The manifest with every video adaptation set declared switchable with the others (DASH-IF's adaptation-set
 * switching, which dash.js follows): the DASH muxer keeps 16:9 and 4:3 renditions in sets of their own, and a player
 * would otherwise never leave the set it started in — a viewer on a slow network stuck at 720p.
 */
export function withAdaptationSetSwitching(mpd: string): string {
  const videoSets = [...mpd.matchAll(/<AdaptationSet\b[^>]*\bid="([^"]+)"[^>]*\bcontentType="video"[^>]*>/g)].map((match) => match[1]!);
  if (videoSets.length < 2 || mpd.includes(SWITCHING)) return mpd;
  return mpd.replace(/<AdaptationSet\b[^>]*\bid="([^"]+)"[^>]*\bcontentType="video"[^>]*>/g, (open, id: string) => {
    const others = videoSets.filter((other) => other !== id).join(",");
    return `${open}<SupplementalProperty schemeIdUri="${SWITCHING}" value="${others}"/>`;
  });
}

/**
 * For a channel in the clear: follows the encoder's manifest in `cmafDir` and publishes the viewers' one beside it
 * (written aside, then renamed), at each change and once more when closed.
 */
export function publishDashManifest(cmafDir: string, options: { pollIntervalMs?: number; onError?: (error: unknown) => void } = {}) {
  let last: string | undefined;
  const pass = coalesced(async () => {
    const text = await readIfPresent(() => readFile(join(cmafDir, ENCODER_MANIFEST), "utf8"));
    if (text === undefined || text === last) return;
    await publishFile(join(cmafDir, DASH_MANIFEST), withAdaptationSetSwitching(text));
    last = text;
  });
  const run = () => void pass().catch((error: unknown) => options.onError?.(error));
  let watcher: ReturnType<typeof watch> | undefined;
  const startWatching = () => {
    if (watcher) return;
    try {
      const started = watch(cmafDir, (_event, name) => {
        if (name === null || name.startsWith(ENCODER_MANIFEST)) run();
      });
      started.on("error", () => {
        started.close();
        if (watcher === started) watcher = undefined;
      });
      watcher = started;
    } catch {
      // the folder is not there yet: the poll finds the manifest meanwhile
    }
  };
  startWatching();
  const poll = setInterval(() => {
    startWatching();
    run();
  }, options.pollIntervalMs ?? 500);
  return {
    pass,
    async close() {
      clearInterval(poll);
      watcher?.close();
      await pass().catch((error: unknown) => options.onError?.(error));
    },
  };
}
