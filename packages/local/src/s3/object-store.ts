import { mkdir, readdir, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, posix, relative, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import type { ObjectStore } from "@visionstream/core";
import type { LocalLayout } from "../account-infrastructure.ts";
import { intoPlace } from "../whole-file.ts";

export class KeyOutsideBucket extends Error {
  override name = "KeyOutsideBucket";
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** The file behind an object key; refuses a bucket name or key that would reach outside the bucket directory. */
export function objectPath(layout: LocalLayout, bucketName: string, key: string): string {
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucketName) || bucketName.includes("..")) {
    throw new KeyOutsideBucket(`not a bucket name: ${JSON.stringify(bucketName)}`);
  }
  if (isAbsolute(key) || key.includes("\\") || key.includes("\0") || key.split("/").includes("..")) {
    throw new KeyOutsideBucket(`key ${JSON.stringify(key)} leaves bucket ${bucketName}`);
  }
  const root = resolve(layout.bucketDir(bucketName));
  const path = resolve(root, key);
  const inside = relative(root, path);
  if (inside.startsWith("..") || isAbsolute(inside)) throw new KeyOutsideBucket(`key ${JSON.stringify(key)} leaves bucket ${bucketName}`);
  return path;
}

/** S3 over the bucket directories of the local runtime: a key is a file path under LocalLayout.bucketDir. */
export class LocalObjectStore implements ObjectStore {
  constructor(private readonly layout: LocalLayout) {}

  /** Written aside, then renamed into place: a reader never sees half an object. */
  async put(bucketName: string, key: string, body: string): Promise<void> {
    const path = objectPath(this.layout, bucketName, key);
    await mkdir(dirname(path), { recursive: true });
    await intoPlace(path, `${path}.${randomUUID()}.tmp`, (temporary) => writeFile(temporary, body));
  }

  async size(bucketName: string, key: string): Promise<number | undefined> {
    try {
      const stats = await stat(objectPath(this.layout, bucketName, key));
      return stats.isFile() ? stats.size : undefined;
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return undefined;
      throw error;
    }
  }

  /** Removes every key that starts with prefix, as S3 would; the empty prefix (the whole bucket) is refused. */
  async deletePrefix(bucketName: string, prefix: string): Promise<void> {
    if (prefix === "") throw new KeyOutsideBucket(`refusing to empty bucket ${bucketName}: the prefix is empty`);
    if (prefix.split("/").includes("..")) throw new KeyOutsideBucket(`prefix ${JSON.stringify(prefix)} leaves bucket ${bucketName}`);
    const directoryKey = posix.dirname(`${prefix}x`);
    const namePrefix = prefix.slice(prefix.lastIndexOf("/") + 1);
    const directory = objectPath(this.layout, bucketName, directoryKey === "." ? "" : directoryKey);
    if (namePrefix === "") {
      await rm(directory, { recursive: true, force: true });
      return;
    }
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return;
      throw error;
    }
    await Promise.all(names.filter((name) => name.startsWith(namePrefix)).map((name) => rm(join(directory, name), { recursive: true, force: true })));
  }

  async delete(bucketName: string, key: string): Promise<void> {
    try {
      await unlink(objectPath(this.layout, bucketName, key));
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return;
      throw error;
    }
  }
}
