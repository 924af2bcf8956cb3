import { createHash } from "node:crypto";
import { createReadStream, type FSWatcher, watch } from "node:fs";
import { copyFile, link, mkdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { join, posix } from "node:path";
import { coalesced } from "../coalesced.ts";
import { intoPlace } from "../whole-file.ts";
import { logger } from "../logger.ts";
import { VARIANT_PLAYLIST } from "./master-playlist.ts";
import { type PlaylistSegment, parseMediaPlaylist } from "./media-playlist.ts";

export interface RecordedSegment {
  rendition: string;
  sequence: number;
  /** Object key relative to the bucket root: recordings/<channelId>/<sessionId>/<rendition>/seg_00001.ts */
  key: string;
  size: number;
  /** Hex MD5 of the content, as S3 reports it for a single-part object. */
  etag: string;
  durationSeconds: number;
  discontinuity: boolean;
  programDateTime?: string;
}

export interface SegmentWatcherOptions {
  liveDir: string;
  bucketDir: string;
  channelId: string;
  sessionId: string;
  renditions: readonly string[];
  onSegment: (segment: RecordedSegment) => void | Promise<void>;
  onError?: (error: unknown) => void;
  /** Segments numbered up to this one are already recorded, for a watcher that resumes a session. */
  afterSequence?: number;
  pollIntervalMs?: number;
  /** Keeps each rendition's last readable playlist beside it (a hard link), for restorePlaylists(). */
  keepPlaylists?: boolean;
}

export interface SegmentWatcher {
  /** Directory of this session's recording, under bucketDir. */
  recordingDir: string;
  /** Highest segment number recorded on any rendition; 0 before the first. */
  lastSequence(): number;
  /** One pass over the variant playlists; resolves when what they list now is recorded. */
  scan(): Promise<void>;
  /**
   * Puts back the last readable playlist of each rendition whose playlist is now empty: ffmpeg, out of space, renames
   * an empty one over it. A rename takes no space, so this works on a full disk; players then see a live playlist
   * that stalls rather than one they cannot read.
   */
  restorePlaylists(): Promise<void>;
  /** Records what the playlists list now, then stops watching. */
  close(): Promise<void>;
}

export class SegmentMissing extends Error {
  override name = "SegmentMissing";
}

const segmentName = (sequence: number) => `seg_${String(sequence).padStart(5, "0")}.ts`;
const numberInName = (uri: string) => Number(/(\d+)\.ts$/.exec(uri)?.[1] ?? Number.NaN);

/** The S3 ETag of a single-part object: the hex MD5 of its content. */
export async function etagOf(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** A copy that is complete or absent: one cut short (ENOSPC) is removed, and the segment is tried again on the next pass. */
const copyWhole = (source: string, target: string) => intoPlace(target, `${target}.partial`, (partial) => copyFile(source, partial));

const keptPlaylist = (playlist: string) => `${playlist}.last`;

/** A hard link to the playlist as it is now, unless that is an empty one: the kept one is replaced only by a readable one. */
async function keepPlaylist(playlist: string) {
  const kept = keptPlaylist(playlist);
  const candidate = `${kept}.new`;
  await rm(candidate, { force: true });
  try {
    await link(playlist, candidate);
    if ((await stat(candidate)).size > 0) await rename(candidate, kept);
  } catch {
    // A playlist replaced meanwhile is kept on a later pass.
  } finally {
    await rm(candidate, { force: true });
  }
}

/** Same bytes under the recording's name without copying them; a copy when the two directories are on different devices. */
async function linkOrCopy(source: string, target: string) {
  try {
    await link(source, target);
  } catch (error) {
    if (errorCode(error) === "EEXIST") {
      await unlink(target);
      return linkOrCopy(source, target);
    }
    if (errorCode(error) === "EXDEV" || errorCode(error) === "EPERM") return copyWhole(source, target);
    throw error;
  }
}

/**
 * Follows the live variant playlists and records each new segment of each rendition once, in order: a hard link
 * under the session's recording, then onSegment. Segments are numbered as in the live directory, so a transcoder
 * restarted at lastSequence() + 1 continues the same recording.
 */
export function watchSegments(options: SegmentWatcherOptions): SegmentWatcher {
  const { liveDir, bucketDir, channelId, sessionId, renditions, onSegment, pollIntervalMs = 250 } = options;
  const onError = options.onError ?? ((error: unknown) => logger.error("segment watcher", { error: error as Error }));
  const keyPrefix = posix.join("recordings", channelId, sessionId);
  const recordingDir = join(bucketDir, keyPrefix);
  const last = new Map(renditions.map((rendition) => [rendition, options.afterSequence ?? 0]));
  const lastPlaylistText = new Map<string, string>();
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  async function record(rendition: string, segment: PlaylistSegment, sequence: number) {
    // What a transcoder stopped before its first picture lists (an empty file): no media, and no MP4 can be made of it.
    if (segment.durationSeconds <= 0) return;
    const source = join(liveDir, rendition, segment.uri);
    const target = join(recordingDir, rendition, segmentName(sequence));
    await mkdir(join(recordingDir, rendition), { recursive: true });
    try {
      await linkOrCopy(source, target);
    } catch (error) {
      if (errorCode(error) === "ENOENT") throw new SegmentMissing(`${source} was gone before it was recorded`);
      throw error;
    }
    const [{ size }, etag] = await Promise.all([stat(target), etagOf(target)]);
    await onSegment({
      rendition,
      sequence,
      key: posix.join(keyPrefix, rendition, segmentName(sequence)),
      size,
      etag,
      durationSeconds: segment.durationSeconds,
      discontinuity: segment.discontinuity,
      ...(segment.programDateTime ? { programDateTime: segment.programDateTime } : {}),
    });
  }

  async function follow(rendition: string) {
    let text: string;
    try {
      text = await readFile(join(liveDir, rendition, VARIANT_PLAYLIST), "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw error;
    }
    // What ffmpeg leaves when it cannot write a playlist (a full disk): nothing new is listed until it writes one again.
    if (text === "" || lastPlaylistText.get(rendition) === text) return;
    for (const segment of parseMediaPlaylist(text).segments) {
      const sequence = numberInName(segment.uri);
      if (!Number.isInteger(sequence) || sequence <= (last.get(rendition) ?? 0)) continue;
      try {
        await record(rendition, segment, sequence);
      } catch (error) {
        if (!(error instanceof SegmentMissing)) throw error;
        onError(error);
      }
      last.set(rendition, sequence);
    }
    lastPlaylistText.set(rendition, text);
    if (options.keepPlaylists) await keepPlaylist(join(liveDir, rendition, VARIANT_PLAYLIST));
  }

  function watchDirectories() {
    for (const rendition of renditions) {
      if (watchers.has(rendition)) continue;
      try {
        const watcher = watch(join(liveDir, rendition), (_event, name) => {
          if (name === null || name === VARIANT_PLAYLIST) void scan();
        });
        watcher.on("error", () => {
          watcher.close();
          watchers.delete(rendition);
        });
        watcher.unref();
        watchers.set(rendition, watcher);
      } catch {
        // Not there yet, or not watchable: the poll covers it and the next pass tries again.
      }
    }
  }

  async function pass() {
    if (!closed) watchDirectories();
    for (const rendition of renditions) {
      try {
        await follow(rendition);
      } catch (error) {
        onError(error);
      }
    }
  }

  const scan = coalesced(pass);

  const poll = setInterval(() => void scan(), pollIntervalMs);
  poll.unref();
  void scan();

  async function restorePlaylists() {
    for (const rendition of renditions) {
      const playlist = join(liveDir, rendition, VARIANT_PLAYLIST);
      const size = await stat(playlist).then((stats) => stats.size, () => 0);
      if (size === 0) await rename(keptPlaylist(playlist), playlist).catch(() => undefined);
    }
  }

  return {
    recordingDir,
    restorePlaylists,
    lastSequence: () => Math.max(0, ...last.values()),
    scan,
    async close() {
      closed = true;
      clearInterval(poll);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await scan();
    },
  };
}
