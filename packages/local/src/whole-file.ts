import { rename, rm } from "node:fs/promises";

/**
 * Writes a file under a temporary name, then renames it into place: the file is whole or absent. A write cut short
 * (a full disk) leaves neither half a file nor the space it took.
 */
export async function intoPlace(target: string, temporary: string, write: (path: string) => Promise<unknown>): Promise<void> {
  try {
    await write(temporary);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
