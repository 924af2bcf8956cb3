import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { keyPeriod, periodKey } from "@visionstream/core/keys/content-keys";
import { MASTER_PLAYLIST, VARIANT_PLAYLIST } from "../medialive/master-playlist.ts";
import { parseMediaPlaylist } from "../medialive/media-playlist.ts";
import { encryptedMediaPlaylist, encryptSegment, type SegmentEncryption, segmentIv } from "./hls-aes.ts";
import { errorCode, publishFile, readIfPresent, unpublishFile } from "./published-file.ts";

export interface HlsTsPublisherOptions {
  /** The channel's clear output, as ffmpeg writes it: <dataDir>/mediapackage/<channelId>/ (never served). */
  sourceDir: string;
  /** Where viewers get it: the bucket's live/<channelId>/. */
  liveDir: string;
  channelId: string;
  /** The key server's secret: keys are derived from it, never stored. */
  secret: Buffer;
  keyRotationSeconds: number;
  renditions: readonly string[];
  now: () => Date;
  onError: (error: unknown) => void;
}

export class SegmentLost extends Error {
  override name = "SegmentLost";
}

/**
 * Published segments stay this many segments behind the source playlist's window before they are deleted, for
 * viewers still loading them (ffmpeg's delete_segments keeps one; a CDN edge may lag more).
 */
const KEPT_BEYOND_WINDOW = 3;

const PUBLISHED_SEGMENT = /^seg_(\d+)\.ts$/;

interface Rendition {
  name: string;
  /** Segments published and not yet deleted, by media sequence number. */
  published: Map<number, SegmentEncryption & { uri: string }>;
  /** Published files found from an earlier run, deleted once the window has passed them. */
  leftovers: Map<number, string>;
  lastSourceText?: string;
  lastPublishedText?: string;
}

/** HLS-TS of an encrypted channel: every segment AES-128 with its key period's key, playlists that name the keys. */
export function hlsTsPublisher(options: HlsTsPublisherOptions) {
  const { sourceDir, liveDir, channelId, secret, keyRotationSeconds, now, onError } = options;
  const renditions: Rendition[] = options.renditions.map((name) => ({ name, published: new Map(), leftovers: new Map() }));
  const watchers = new Map<string, FSWatcher>();
  let lastMaster: string | undefined;
  let leftoversFound = false;

  async function findLeftovers() {
    for (const rendition of renditions) {
      const names = (await readIfPresent(() => readdir(join(liveDir, rendition.name)))) ?? [];
      for (const name of names) {
        const sequence = Number(PUBLISHED_SEGMENT.exec(name)?.[1] ?? Number.NaN);
        if (Number.isInteger(sequence)) rendition.leftovers.set(sequence, name);
      }
    }
  }

  async function publishSegment(rendition: Rendition, uri: string, mediaSequence: number, programDateTime?: string) {
    const clear = await readIfPresent(() => readFile(join(sourceDir, rendition.name, uri)));
    if (!clear) throw new SegmentLost(`${rendition.name}/${uri} was gone before it was published`);
    const startedAt = programDateTime ? new Date(programDateTime) : now();
    const key = periodKey(secret, channelId, keyPeriod(startedAt, keyRotationSeconds));
    const iv = segmentIv(mediaSequence);
    await publishFile(join(liveDir, rendition.name, uri), encryptSegment(clear, key, iv));
    rendition.published.set(mediaSequence, { kid: key.kid, iv, uri });
    rendition.leftovers.delete(mediaSequence);
  }

  async function follow(rendition: Rendition) {
    const text = await readIfPresent(() => readFile(join(sourceDir, rendition.name, VARIANT_PLAYLIST), "utf8"));
    if (text === undefined || text === rendition.lastSourceText) return;
    const source = parseMediaPlaylist(text);
    for (const [index, segment] of source.segments.entries()) {
      if (rendition.published.has(segment.mediaSequence)) continue;
      try {
        await publishSegment(rendition, segment.uri, segment.mediaSequence, segment.programDateTime);
      } catch (error) {
        if (!(error instanceof SegmentLost)) throw error;
        // The oldest segment of the window, deleted as it left it (a packager that starts on a running channel): no loss.
        if (index > 0) onError(error);
      }
    }
    const published = encryptedMediaPlaylist(text, rendition.published);
    if (published !== undefined && published !== rendition.lastPublishedText) {
      await publishFile(join(liveDir, rendition.name, VARIANT_PLAYLIST), published);
      rendition.lastPublishedText = published;
    }
    rendition.lastSourceText = text;

    const first = source.segments[0]?.mediaSequence;
    if (first === undefined) return;
    const behind = (sequence: number) => sequence < first - KEPT_BEYOND_WINDOW;
    for (const [sequence, { uri }] of rendition.published) {
      if (!behind(sequence)) continue;
      await unpublishFile(join(liveDir, rendition.name, uri));
      rendition.published.delete(sequence);
    }
    for (const [sequence, name] of rendition.leftovers) {
      if (!behind(sequence)) continue;
      await unpublishFile(join(liveDir, rendition.name, name));
      rendition.leftovers.delete(sequence);
    }
  }

  async function copyMaster() {
    const text = await readIfPresent(() => readFile(join(sourceDir, MASTER_PLAYLIST), "utf8"));
    if (text === undefined || text === lastMaster) return;
    await publishFile(join(liveDir, MASTER_PLAYLIST), text);
    lastMaster = text;
  }

  return {
    /** Rendition directories to watch: a new or renamed playlist there means new segments. */
    watch(onChange: () => void) {
      for (const rendition of renditions) {
        if (watchers.has(rendition.name)) continue;
        try {
          const watcher = watch(join(sourceDir, rendition.name), (_event, name) => {
            if (name === null || name === VARIANT_PLAYLIST) onChange();
          });
          watcher.on("error", () => {
            watcher.close();
            watchers.delete(rendition.name);
          });
          watcher.unref();
          watchers.set(rendition.name, watcher);
        } catch (error) {
          // Not there yet: the poll covers it and the next pass tries again.
          if (errorCode(error) !== "ENOENT") onError(error);
        }
      }
    },
    async pass() {
      if (!leftoversFound) {
        await findLeftovers();
        leftoversFound = true;
      }
      for (const rendition of renditions) {
        try {
          await follow(rendition);
        } catch (error) {
          onError(error);
        }
      }
      try {
        await copyMaster();
      } catch (error) {
        onError(error);
      }
    },
    unwatch() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
