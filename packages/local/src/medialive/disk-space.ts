import { statfs } from "node:fs/promises";
import type { Ladder } from "@visionstream/core";

/** How ffmpeg (and every libc caller) words ENOSPC. */
const NO_SPACE_LEFT = /No space left on device/;
/** Segments of the whole ladder, in every format the tee writes, that must fit before a transcoder is started again. */
const SEGMENTS_TO_RESUME = 4;
const FORMATS = 3;
const MIN_SPACE_TO_RESUME = 8 * 1024 * 1024;

export const saysNoSpaceLeft = (text: string) => NO_SPACE_LEFT.test(text);

export const isNoSpaceLeft = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "ENOSPC";

/**
 * Bytes this process may still write on the file system that holds path; Infinity when it cannot be told. Root may
 * also write the blocks a file system reserves for it (5 % of an ext4 disk by default), so for root they count: a
 * channel of a runtime run as root would otherwise wait for space it already has.
 */
export async function freeBytes(path: string): Promise<number> {
  try {
    const { bavail, bfree, bsize } = await statfs(path);
    return (process.getuid?.() === 0 ? bfree : bavail) * bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Room for a few segments of every rendition and format: below it a restarted transcoder would fail again at once. */
export function spaceToResume(ladder: Ladder): number {
  const bitsPerSecond = ladder.renditions.reduce((sum, rendition) => sum + (rendition.videoBitrateKbps + rendition.audioBitrateKbps) * 1000, 0);
  return Math.max(MIN_SPACE_TO_RESUME, (bitsPerSecond / 8) * ladder.segmentSeconds * FORMATS * SEGMENTS_TO_RESUME);
}
