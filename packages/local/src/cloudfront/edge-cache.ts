import type { Stats } from "node:fs";
import { open } from "node:fs/promises";

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
  private readonly objects = new Map<string, Cached>();
  private bytes = 0;

  constructor(private readonly options: EdgeCacheOptions = DEFAULT_EDGE_CACHE) {}

  /**
   * The whole content of the file at `path` when it is a small enough regular file, read now or earlier; undefined
   * when it is too large (stream it) or missing. Concurrent first requests share one read.
   */
  async get(path: string, info: Stats): Promise<Buffer | undefined> {
    if (!info.isFile() || info.size > this.options.maxObjectBytes) return undefined;
    const version = versionOf(info);
    const cached = this.objects.get(path);
    if (cached?.version === version) {
      // Most recently served last: Map keeps insertion order, so the oldest is evicted first.
      this.objects.delete(path);
      this.objects.set(path, cached);
      return cached.bytes;
    }
    if (cached) this.drop(path, cached);
    const entry: Cached = { version, size: info.size, bytes: this.read(path, version) };
    this.objects.set(path, entry);
    this.bytes += entry.size;
    void entry.bytes.then((bytes) => {
      if (!bytes && this.objects.get(path) === entry) this.drop(path, entry);
    });
    for (const [oldest, object] of this.objects) {
      if (this.bytes <= this.options.maxBytes || oldest === path) break;
      this.drop(oldest, object);
    }
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

  private drop(path: string, entry: Cached): void {
    this.objects.delete(path);
    this.bytes -= entry.size;
  }

  get size(): { objects: number; bytes: number } {
    return { objects: this.objects.size, bytes: this.bytes };
  }
}
