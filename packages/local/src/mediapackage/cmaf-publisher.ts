import { type FSWatcher, watch } from "node:fs";
import type { Stats } from "node:fs";
import { type FileHandle, open, readdir, readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ContentKey } from "@visionstream/core/keys/content-keys";
import { type CencKey, encryptInit, encryptSegment, FragmentEncryptor } from "@visionstream/mp4";
import { DASH_ENCODER_MANIFEST, DASH_MANIFEST } from "../medialive/ladder-args.ts";
import { withAdaptationSetSwitching } from "./dash-manifest.ts";
import { protectedFmp4Playlist, protectedMpd, representationIds } from "./dash-protection.ts";
import { errorCode, GROWING_SUFFIX, publishFile, readIfPresent, unpublishFile } from "./published-file.ts";

export const CMAF_DIR = "cmaf";
const MANIFEST = DASH_ENCODER_MANIFEST;
const MASTER = "master.m3u8";
const INIT = /^init-stream(\d+)\.m4s$/;
const CHUNK = /^chunk-stream(\d+)-\d+\.m4s$/;
const MEDIA_PLAYLIST = /^media_(\d+)\.m3u8$/;
const READ_SIZE = 256 * 1024;
/** Stamp of a segment that failed while growing: it is tried once more, whole, when complete. */
const GROWING = "growing";

export interface CmafPublisherOptions {
  sourceDir: string;
  liveDir: string;
  /** The one key of this run's CMAF segments. */
  key: ContentKey;
  onError: (error: unknown) => void;
}

/** A segment ffmpeg is still writing, published as it grows. */
interface Growing {
  source: FileHandle;
  /** The source file's identity: a file of the same name from another run is another file. */
  identity: string;
  /** The version of the clear init its encryptor was made with. */
  init: number;
  position: number;
  encryptor: FragmentEncryptor;
  published: FileHandle;
}

/** A clear init segment, and what the published one was made from. */
interface Init {
  clear: Buffer;
  stamp: string;
  /** Changes with the init's content: what was encrypted with another version is encrypted again. */
  version: number;
}

/**
 * ffmpeg's dash muxer opens an init segment under its final name and writes it later (no .tmp): it is whole once its
 * top-level boxes tile the file and the moov is among them.
 */
export function isWholeInit(init: Buffer): boolean {
  let at = 0;
  let moov = false;
  while (at + 8 <= init.length) {
    const size32 = init.readUInt32BE(at);
    const size = size32 === 1 && at + 16 <= init.length ? Number(init.readBigUInt64BE(at + 8)) : size32;
    if (size < 8) return false;
    moov ||= init.toString("latin1", at + 4, at + 8) === "moov";
    at += size;
  }
  return moov && at === init.length;
}

const withoutSuffix = (name: string) => (name.endsWith(GROWING_SUFFIX) ? name.slice(0, -GROWING_SUFFIX.length) : name);
/**
 * Which file it is, whatever its name and content: a new transcoder starts on a new folder and reuses the names (and,
 * once the old files are deleted, maybe their inode numbers: the birth time tells those apart).
 */
const identityOf = (stats: Stats) => `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`;
const identityAt = async (path: string) => {
  const stats = await readIfPresent(() => stat(path));
  return stats && identityOf(stats);
};
/** Which file, in which state: the same stamp is the same bytes. */
const stampOf = async (path: string) => {
  const stats = await readIfPresent(() => stat(path));
  return stats && `${identityOf(stats)}:${stats.size}:${stats.mtimeMs}`;
};

/**
 * CMAF of an encrypted channel (one set of fMP4 segments for DASH and HLS): init segments and segments in CENC with
 * one key, a segment still being written published as it grows, and manifests that name the key.
 */
export function cmafPublisher({ sourceDir, liveDir, key, onError }: CmafPublisherOptions) {
  const source = join(sourceDir, CMAF_DIR);
  const target = join(liveDir, CMAF_DIR);
  const cencKey: CencKey = { kid: Buffer.from(key.kid, "hex"), key: key.key };
  /** Clear init segments by stream number: only the source's current one, none while it is missing or incomplete. */
  const inits = new Map<string, Init>();
  let initVersions = 0;
  const growing = new Map<string, Growing>();
  /** Segments published whole, with the stamp of their source and the version of the init they were encrypted with. */
  const complete = new Map<string, { stamp: string; init: number }>();
  /** The source folder's identity: a new transcoder deletes it and starts on a new one. */
  let sourceFolder: string | undefined;
  const manifestsPublished = new Map<string, string>();
  /** Files that could not be encrypted, with the stamp of their source, so each is reported once, not every pass. */
  const failed = new Map<string, string>();
  /** One job at a time per file; a request during a job runs it once more after. */
  const jobs = new Map<string, { running: Promise<void>; again: boolean }>();
  let watcher: FSWatcher | undefined;
  let closed = false;

  function schedule(name: string, job: () => Promise<void>): Promise<void> {
    const current = jobs.get(name);
    if (current) {
      current.again = true;
      return current.running;
    }
    const entry = { running: Promise.resolve(), again: false };
    entry.running = (async () => {
      do {
        entry.again = false;
        try {
          await job();
        } catch (error) {
          onError(error);
        }
      } while (entry.again);
      jobs.delete(name);
    })();
    jobs.set(name, entry);
    return entry.running;
  }

  const initsInFlight = new Map<string, Promise<boolean>>();
  /** Publishes the stream's init segment unless the published one is current; false while there is none. */
  function publishInit(stream: string): Promise<boolean> {
    const inFlight = initsInFlight.get(stream);
    if (inFlight) return inFlight;
    const publishing = publishInitOnce(stream).finally(() => initsInFlight.delete(stream));
    initsInFlight.set(stream, publishing);
    return publishing;
  }

  async function publishInitOnce(stream: string): Promise<boolean> {
    const name = `init-stream${stream}.m4s`;
    const path = join(source, name);
    const stamp = await stampOf(path);
    const current = inits.get(stream);
    if (current?.stamp === stamp) return true;
    // Gone, or another file (a new transcoder's, maybe not whole yet): nothing is encrypted against the old one any more.
    inits.delete(stream);
    if (!stamp || failed.get(name) === stamp) return false;
    const clear = await readIfPresent(() => readFile(path));
    if (!clear || !isWholeInit(clear)) return false;
    if (current?.clear.equals(clear)) {
      inits.set(stream, { ...current, stamp });
      return true;
    }
    let encrypted: Buffer;
    try {
      encrypted = encryptInit(clear, cencKey);
    } catch (error) {
      failed.set(name, stamp);
      throw error;
    }
    await publishFile(join(target, name), encrypted);
    // A new version: the segments encrypted with the old one are encrypted again, from their sources.
    inits.set(stream, { clear, stamp, version: ++initVersions });
    void schedule("manifests", publishManifests);
    return true;
  }

  async function readOn(segment: Growing): Promise<Buffer[]> {
    const parts: Buffer[] = [];
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      const { bytesRead } = await segment.source.read(buffer, 0, READ_SIZE, segment.position);
      if (bytesRead === 0) return parts;
      segment.position += bytesRead;
      const ready = segment.encryptor.push(buffer.subarray(0, bytesRead));
      if (ready.length > 0) parts.push(ready);
    }
  }

  async function closeGrowing(name: string, segment: Growing) {
    growing.delete(name);
    await Promise.allSettled([segment.source.close(), segment.published.close()]);
  }

  /** Follows one segment: starts publishing it as it appears, appends what ffmpeg adds, completes it on ffmpeg's rename. */
  async function followSegment(name: string) {
    const stream = CHUNK.exec(name)?.[1];
    if (stream === undefined) return;
    const sourcePath = join(source, name);
    const targetPath = join(target, name);
    let segment = growing.get(name);
    const initReady = await publishInit(stream);
    if (segment && (!initReady || segment.init !== inits.get(stream)?.version || !(await stillGrowing(sourcePath, segment)))) {
      // Its source went (a new transcoder deleted the folder), became another file, or its init changed: start over.
      await closeGrowing(name, segment);
      await unpublishFile(`${targetPath}${GROWING_SUFFIX}`);
      segment = undefined;
    }
    if (!segment) {
      const handle = await readIfPresent(() => open(`${sourcePath}${GROWING_SUFFIX}`, "r"));
      if (!handle) return publishWhole(name, stream);
      let identity: string;
      try {
        identity = identityOf(await handle.stat());
      } catch (error) {
        await handle.close();
        throw error;
      }
      const init = inits.get(stream);
      if (failed.get(name) === `${GROWING}:${identity}` || !initReady || !init) {
        await handle.close();
        // This very file failed while growing: tried once more, whole, when complete.
        return failed.get(name) === `${GROWING}:${identity}` ? publishWhole(name, stream) : undefined;
      }
      try {
        const encryptor = new FragmentEncryptor(init.clear, cencKey);
        // Whatever is published under the name is of an earlier file: this one is not complete yet.
        complete.delete(name);
        await unpublishFile(targetPath);
        const published = await open(`${targetPath}${GROWING_SUFFIX}`, "w");
        segment = { source: handle, identity, init: init.version, position: 0, encryptor, published };
      } catch (error) {
        await handle.close();
        throw error;
      }
      growing.set(name, segment);
    }
    try {
      // Renamed before the last read: then that read reaches the true end of the segment.
      const done = (await identityAt(sourcePath)) === segment.identity;
      const parts = await readOn(segment);
      if (done) parts.push(segment.encryptor.end());
      for (const part of parts) if (part.length > 0) await segment.published.write(part);
      if (!done) return;
      await closeGrowing(name, segment);
      await rename(`${targetPath}${GROWING_SUFFIX}`, targetPath);
      complete.set(name, { stamp: (await stampOf(sourcePath)) ?? "", init: segment.init });
      void schedule("manifests", publishManifests);
    } catch (error) {
      failed.set(name, `${GROWING}:${segment.identity}`);
      await closeGrowing(name, segment);
      await unpublishFile(`${targetPath}${GROWING_SUFFIX}`);
      throw error;
    }
  }

  /** Whether the file a growing segment reads is still the source's, under its growing name or its final one. */
  async function stillGrowing(sourcePath: string, segment: Growing) {
    for (const path of [sourcePath, `${sourcePath}${GROWING_SUFFIX}`, sourcePath]) {
      if ((await identityAt(path)) === segment.identity) return true;
    }
    return false;
  }

  /** A segment that was complete before it was seen growing (or at a restart): published in one piece. */
  async function publishWhole(name: string, stream: string) {
    const path = join(source, name);
    const stamp = await stampOf(path);
    if (!stamp || failed.get(name) === stamp) return;
    if (!(await publishInit(stream))) return;
    const init = inits.get(stream)!;
    const published = complete.get(name);
    if (published?.stamp === stamp && published.init === init.version) return;
    const clear = await readIfPresent(() => readFile(path));
    if (!clear) return;
    let encrypted: Buffer;
    try {
      encrypted = encryptSegment(init.clear, cencKey, clear);
    } catch (error) {
      failed.set(name, stamp);
      throw error;
    }
    await publishFile(join(target, name), encrypted);
    complete.set(name, { stamp, init: init.version });
    void schedule("manifests", publishManifests);
  }

  /** Segments published from the source's current file, with its current init: the only ones manifests may list. */
  async function currentSegments() {
    const current = new Set<string>();
    for (const [name, { stamp, init }] of complete) {
      const stream = CHUNK.exec(name)?.[1];
      if (stream !== undefined && inits.get(stream)?.version === init && (await stampOf(join(source, name))) === stamp) current.add(name);
    }
    return current;
  }

  async function publishManifest(name: string, rewrite: (text: string) => Promise<string | undefined> | string | undefined, publishedName = name) {
    const text = await readIfPresent(() => readFile(join(source, name), "utf8"));
    if (text === undefined) return;
    const published = await rewrite(text);
    if (published === undefined || manifestsPublished.get(name) === published) return;
    await publishFile(join(target, publishedName), published);
    manifestsPublished.set(name, published);
  }

  async function publishManifests() {
    const names = (await readIfPresent(() => readdir(source))) ?? [];
    const playlists: string[] = [];
    for (const name of names.filter((name) => MEDIA_PLAYLIST.test(name))) {
      if (await publishInit(MEDIA_PLAYLIST.exec(name)![1]!)) playlists.push(name);
    }
    const current = await currentSegments();
    for (const name of playlists) {
      await publishManifest(name, (text) => protectedFmp4Playlist(text, key.kid, (uri) => current.has(uri)));
    }
    if ([...manifestsPublished.keys()].some((name) => MEDIA_PLAYLIST.test(name))) await publishManifest(MASTER, (text) => text);
    // Not before every init it names is the source's current one, published.
    await publishManifest(MANIFEST, async (text) => {
      for (const id of representationIds(text)) if (!(await publishInit(id))) return undefined;
      return protectedMpd(withAdaptationSetSwitching(text), key.kid);
    }, DASH_MANIFEST);
  }

  /** Published segments whose source ffmpeg deleted (it left the window) go too. */
  async function deleteGone(sourceNames: Set<string>) {
    const names = (await readIfPresent(() => readdir(target))) ?? [];
    for (const published of names) {
      const name = withoutSuffix(published);
      if (!CHUNK.test(name) || sourceNames.has(name) || growing.has(name) || jobs.has(name)) continue;
      // Listed before this segment began: ask the source again.
      const sourcePath = join(source, name);
      if ((await stampOf(sourcePath)) ?? (await stampOf(`${sourcePath}${GROWING_SUFFIX}`))) continue;
      await unpublishFile(join(target, published));
      complete.delete(name);
      failed.delete(name);
    }
  }

  function onEvent(name: string | null) {
    if (name === null) return void safePass();
    const base = withoutSuffix(name);
    if (CHUNK.test(base)) return void schedule(base, () => followSegment(base));
    if (base === MANIFEST || base === MASTER || MEDIA_PLAYLIST.test(base) || INIT.test(base)) {
      void schedule("manifests", publishManifests);
    }
  }

  /** Errors go to onError: a pass runs from timers and file events, where nobody awaits it. */
  async function safePass() {
    try {
      await pass();
    } catch (error) {
      onError(error);
    }
  }

  async function pass() {
    const folder = await identityAt(source);
    if (folder !== sourceFolder) {
      // A new transcoder's folder (or none): the watcher watched the old one; what failed there may work here.
      watcher?.close();
      watcher = undefined;
      failed.clear();
      sourceFolder = folder;
    }
    if (!watcher && !closed) {
      try {
        watcher = watch(source, (_event, name) => onEvent(name));
        watcher.on("error", () => {
          watcher?.close();
          watcher = undefined;
        });
        watcher.unref();
      } catch (error) {
        if (errorCode(error) !== "ENOENT") onError(error);
      }
    }
    const names = (await readIfPresent(() => readdir(source))) ?? [];
    const segments = new Set(names.map(withoutSuffix).filter((name) => CHUNK.test(name)));
    for (const name of names) {
      const stream = INIT.exec(name)?.[1];
      if (stream !== undefined) await publishInit(stream).catch(onError);
    }
    await Promise.all([...segments, ...growing.keys()].map((name) => schedule(name, () => followSegment(name))));
    await schedule("manifests", publishManifests);
    await deleteGone(segments);
  }

  return {
    pass: safePass,
    async close() {
      closed = true;
      watcher?.close();
      watcher = undefined;
      await safePass();
      await Promise.all([...jobs.values()].map(({ running }) => running));
      // ffmpeg stopped in the middle of these: nothing will complete them, and the CDN would wait for them.
      for (const [name, segment] of growing) {
        await closeGrowing(name, segment);
        await unpublishFile(join(target, `${name}${GROWING_SUFFIX}`));
      }
    },
  };
}
