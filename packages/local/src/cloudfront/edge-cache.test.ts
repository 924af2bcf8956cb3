import { mkdtemp, readFile, rename, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeCache } from "./edge-cache.ts";

let dir: string;
let files = 0;

/** A new file of the given content, with a whole-second mtime so that utimes can give it back exactly. */
async function file(content: string): Promise<string> {
  const path = join(dir, `object-${++files}.ts`);
  await writeFile(path, content);
  await utimes(path, 1_800_000_000, 1_800_000_000);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edge-cache-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("EdgeCache over real files", () => {
  it("reads a file once and serves the same bytes while the file is unchanged", async () => {
    const path = await file("segment one");
    const cache = new EdgeCache({ maxBytes: 1_000, maxObjectBytes: 100 });
    const first = await cache.get(path, await stat(path));
    const again = await cache.get(path, await stat(path));

    expect(first?.toString()).toBe("segment one");
    expect(again).toBe(first);
    expect(cache.size).toEqual({ objects: 1, bytes: "segment one".length });
  });

  it("serves the new content of a file rewritten in place, even with its mtime given back (ctime tells)", async () => {
    const path = await file("segment one");
    const cache = new EdgeCache({ maxBytes: 1_000, maxObjectBytes: 100 });
    const first = await cache.get(path, await stat(path));
    await new Promise((resolve) => setTimeout(resolve, 20));

    await writeFile(path, "segment two");
    await utimes(path, 1_800_000_000, 1_800_000_000);
    const again = await cache.get(path, await stat(path));

    expect(first?.toString()).toBe("segment one");
    expect(again?.toString()).toBe("segment two");
    expect(cache.size).toEqual({ objects: 1, bytes: "segment two".length });
  });

  it("serves the new content of a file written aside and renamed over", async () => {
    const path = await file("playlist v1");
    const cache = new EdgeCache({ maxBytes: 1_000, maxObjectBytes: 100 });
    const before = await cache.get(path, await stat(path));

    const aside = `${path}.tmp`;
    await writeFile(aside, "playlist v2");
    await utimes(aside, 1_800_000_000, 1_800_000_000);
    await rename(aside, path);
    const after = await cache.get(path, await stat(path));

    expect(before?.toString()).toBe("playlist v1");
    // same size and mtime as the file it replaced: only the inode tells the versions apart
    expect(after?.toString()).toBe("playlist v2");
    expect(cache.size).toEqual({ objects: 1, bytes: "playlist v2".length });
  });

  it("does not keep a file larger than maxObjectBytes, and keeps one of exactly that size", async () => {
    const large = await file("0123456789X");
    const fits = await file("0123456789");
    const cache = new EdgeCache({ maxBytes: 1_000, maxObjectBytes: 10 });

    const tooLarge = await cache.get(large, await stat(large));
    const sizeAfterLarge = cache.size;
    const kept = await cache.get(fits, await stat(fits));

    expect(tooLarge).toBeUndefined();
    expect(sizeAfterLarge).toEqual({ objects: 0, bytes: 0 });
    expect(kept?.toString()).toBe("0123456789");
    expect(cache.size).toEqual({ objects: 1, bytes: 10 });
  });

  it("answers undefined for a file deleted after it was measured, and does not keep it", async () => {
    const path = await file("deleted segment");
    const cache = new EdgeCache({ maxBytes: 1_000, maxObjectBytes: 100 });
    const info = await stat(path);

    await unlink(path);
    const bytes = await cache.get(path, info);

    expect(bytes).toBeUndefined();
    expect(cache.size).toEqual({ objects: 0, bytes: 0 });
  });

  it("shares one read between concurrent first requests", async () => {
    const path = await file("popular segment");
    const cache = new EdgeCache({ maxBytes: 1_000, maxObjectBytes: 100 });
    const info = await stat(path);

    const [first, second] = await Promise.all([cache.get(path, info), cache.get(path, info)]);

    expect(first?.toString()).toBe("popular segment");
    expect(second).toBe(first);
    expect(cache.size).toEqual({ objects: 1, bytes: "popular segment".length });
  });

  it("stays within maxBytes by dropping the least recently served objects", async () => {
    const [a, b, c] = await Promise.all([file("aaaaaaaaaa"), file("bbbbbbbbbb"), file("cccccccccc")]);
    const [infoA, infoB, infoC] = await Promise.all([stat(a), stat(b), stat(c)]);
    const cache = new EdgeCache({ maxBytes: 25, maxObjectBytes: 10 });
    const bytesA = await cache.get(a, infoA);
    const bytesB = await cache.get(b, infoB);
    await cache.get(a, infoA);

    const bytesC = await cache.get(c, infoC);
    const sizeAfterC = cache.size;
    const servedA = await cache.get(a, infoA);
    const servedB = await cache.get(b, infoB);
    const sizeAfterB = cache.size;
    const servedC = await cache.get(c, infoC);

    // b was the least recently served when c came: dropped, so read anew; a stayed
    expect(sizeAfterC).toEqual({ objects: 2, bytes: 20 });
    expect(servedA).toBe(bytesA);
    expect(servedB?.toString()).toBe("bbbbbbbbbb");
    expect(servedB).not.toBe(bytesB);
    // then c was the least recently served when b came back: dropped in turn
    expect(sizeAfterB).toEqual({ objects: 2, bytes: 20 });
    expect(servedC?.toString()).toBe("cccccccccc");
    expect(servedC).not.toBe(bytesC);
    expect(cache.size).toEqual({ objects: 2, bytes: 20 });
  });
});

describe("EdgeCache options", () => {
  it("refuses an object bound above the cache's own", () => {
    expect(() => new EdgeCache({ maxBytes: 10, maxObjectBytes: 100 })).toThrow(RangeError);
    expect(() => new EdgeCache({ maxBytes: 0, maxObjectBytes: 0 })).toThrow(RangeError);
  });
});
