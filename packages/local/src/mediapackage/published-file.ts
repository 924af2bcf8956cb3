import { mkdir, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { intoPlace } from "../whole-file.ts";

/** The suffix of a file still being written, ffmpeg's temp_file protocol that the CDN follows. */
export const GROWING_SUFFIX = ".tmp";

export const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** Whole file or nothing under its name: written as <name>.tmp, then renamed, as ffmpeg does. */
export async function publishFile(path: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const growing = `${path}${GROWING_SUFFIX}`;
  await intoPlace(path, growing, (temporary) => writeFile(temporary, data));
}

/** Removes a published file; one that is already gone is fine. */
export async function unpublishFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

/** Reads a source file, or undefined when ffmpeg has not written it yet or has deleted it. */
export async function readIfPresent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

