import type { Stats } from "node:fs";
import { open } from "node:fs/promises";
import { LRUCache } from "lru-cache";

export interface EdgeCacheOptions {
  /** The bytes kept at most, over all objects; the least recently served go first. */
  maxBytes: number;
  /** Larger objects (recordings, uploads) are streamed from disk and never kept. */
  maxObjectBytes: number;
}

export const DEFAULT_EDGE_CACHE: EdgeCacheOptions = { maxBytes: 256 * 1024 * 1024, maxObjectBytes: 8 * 1024 * 1024 };

interface Cached {
  version: string;
  bytes: Promise<Buffer | undefined>;
  size: number;
}

/**
 * An object's identity on disk: a segment or playlist rewritten (written aside and renamed over, or in place) is
 * another version; ctime too, since a tool may set mtime back but never ctime.
 */
const versionOf = (info: Stats) => `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;

/**
 * What a CloudFront edge keeps: the small objects that every viewer of a channel asks for within seconds (segments,
 * playlists), read from disk once per version and served from memory. Every request still looks at the file (one
 * stat), so a replaced playlist is served new and a deleted object is a 404, as from the origin.
 */
export class EdgeCache {
  private readonly objects: LRUCache<string, Cached>;

  constructor(private readonly options: EdgeCacheOptions = DEFAULT_EDGE_CACHE) {
    if (!(options.maxObjectBytes >= 0 && options.maxObjectBytes <= options.maxBytes && options.maxBytes >= 1))
      throw new RangeError(`edge cache: maxObjectBytes (${options.maxObjectBytes}) must be 0 to maxBytes (${options.maxBytes}), and maxBytes at least 1`);
    // lru-cache counts every object as one byte at least: an empty file too.
    this.objects = new LRUCache({ maxSize: options.maxBytes, sizeCalculation: (entry) => Math.max(entry.size, 1) });
  }

  /**
   * The whole content of the file at `path` when it is a small enough regular file, read now or earlier; undefined
   * when it is too large (stream it) or missing. Concurrent first requests share one read.
   */
  async get(path: string, info: Stats): Promise<Buffer | undefined> {
    if (!info.isFile() || info.size > this.options.maxObjectBytes) return undefined;
    const version = versionOf(info);
    const cached = this.objects.get(path);
    if (cached?.version === version) return cached.bytes;
    const entry: Cached = { version, size: info.size, bytes: this.read(path, version) };
    this.objects.set(path, entry);
    void entry.bytes.then((bytes) => {
      if (!bytes && this.objects.peek(path) === entry) this.objects.delete(path);
    });
    return entry.bytes;
  }

  /** The file's bytes, when it is still the version that was asked for (not replaced or cut short meanwhile). */
  private async read(path: string, version: string): Promise<Buffer | undefined> {
    try {
      const handle = await open(path, "r");
      try {
        if (versionOf(await handle.stat()) !== version) return undefined;
        const bytes = await handle.readFile();
        return versionOf(await handle.stat()) === version && bytes.length === Number(version.split(":")[2]) ? bytes : undefined;
      } finally {
        await handle.close();
      }
    } catch {
      return undefined;
    }
  }

  get size(): { objects: number; bytes: number } {
    return { objects: this.objects.size, bytes: this.objects.calculatedSize };
  }
}
