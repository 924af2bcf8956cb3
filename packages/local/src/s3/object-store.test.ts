import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalLayout } from "../account-infrastructure.ts";
import { KeyOutsideBucket, LocalObjectStore } from "./object-store.ts";

const BUCKET = "visionstream-local-acc-store";

describe("LocalObjectStore", () => {
  let dataDir: string;
  let layout: LocalLayout;
  let store: LocalObjectStore;
  const put = async (key: string, content = "x") => {
    const path = join(layout.bucketDir(BUCKET), key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  };
  const keys = async () =>
    (await readdir(layout.bucketDir(BUCKET), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(layout.bucketDir(BUCKET).length + 1))
      .sort();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "visionstream-store-"));
    layout = new LocalLayout(dataDir);
    store = new LocalObjectStore(layout);
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("gives an object's size, and undefined for a missing key or a 'directory'", async () => {
    await put("vod/rec-1.mp4", "12345");

    expect(await store.size(BUCKET, "vod/rec-1.mp4")).toBe(5);
    expect(await store.size(BUCKET, "vod/rec-2.mp4")).toBeUndefined();
    expect(await store.size(BUCKET, "vod")).toBeUndefined();
    expect(await store.size(BUCKET, "vod/rec-1.mp4/inside")).toBeUndefined();
    expect(await store.size("visionstream-local-nobody", "vod/rec-1.mp4")).toBeUndefined();
  });

  it("deletes every key under a prefix and nothing else", async () => {
    await put("recordings/ch-1/s1/1080p/seg_00001.ts");
    await put("recordings/ch-1/s1/720p/seg_00001.ts");
    await put("recordings/ch-1/s10/1080p/seg_00001.ts");
    await put("recordings/ch-1/s2/1080p/seg_00001.ts");

    await store.deletePrefix(BUCKET, "recordings/ch-1/s1/");

    expect(await keys()).toEqual(["recordings/ch-1/s10/1080p/seg_00001.ts", "recordings/ch-1/s2/1080p/seg_00001.ts", "vod/rec-1.mp4"]);
  });

  it("matches a prefix that is not a whole folder as S3 does, and ignores one that matches nothing", async () => {
    await store.deletePrefix(BUCKET, "recordings/ch-1/s1");
    await store.deletePrefix(BUCKET, "recordings/ch-9/");
    await store.deletePrefix(BUCKET, "nothing/here/");

    expect(await keys()).toEqual(["recordings/ch-1/s2/1080p/seg_00001.ts", "vod/rec-1.mp4"]);
  });

  it("deletes one key, and a missing key quietly", async () => {
    await store.delete(BUCKET, "vod/rec-1.mp4");
    await store.delete(BUCKET, "vod/rec-1.mp4");

    expect(await keys()).toEqual(["recordings/ch-1/s2/1080p/seg_00001.ts"]);
  });

  it("refuses prefixes and keys that leave the bucket, and the empty prefix, touching nothing", async () => {
    await put("keep.txt");
    const outside = join(dataDir, "buckets", "x");
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, "other-bucket.txt"), "x");

    for (const prefix of ["../x", "../", "..", "a/../../x", "/etc/", "", "recordings/../../x/"]) {
      await expect(store.deletePrefix(BUCKET, prefix), prefix).rejects.toThrow(KeyOutsideBucket);
    }
    for (const key of ["../x/other-bucket.txt", "/etc/passwd", "vod/../../x/other-bucket.txt"]) {
      await expect(store.delete(BUCKET, key), key).rejects.toThrow(KeyOutsideBucket);
      await expect(store.size(BUCKET, key), key).rejects.toThrow(KeyOutsideBucket);
    }
    await expect(store.deletePrefix("../buckets/x", "other")).rejects.toThrow(KeyOutsideBucket);

    expect(await readdir(outside)).toEqual(["other-bucket.txt"]);
    expect(await keys()).toContain("keep.txt");
  });
});
