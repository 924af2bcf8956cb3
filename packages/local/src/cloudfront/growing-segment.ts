import { type FSWatcher, watch } from "node:fs";
import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { basename, dirname, extname } from "node:path";

/** How long a request for a segment that has not begun yet waits for it (dash.js in low latency asks early). */
export const SEGMENT_WAIT_MS = 3_000;
/** The writer's growth is seen by fs.watch at once; this poll covers file systems where no event comes. */
const POLL_MS = 100;
/** A segment that stops growing for this long has lost its writer (ffmpeg killed): the viewer's response is cut. */
const STALL_MS = 15_000;
const READ_BYTES = 64 * 1024;

/** The suffix ffmpeg (temp_file, the dash muxer) and the packager give a segment until it is complete. */
export const GROWING_SUFFIX = ".tmp";

/** Media segments, which may be asked for while they are written; playlists and manifests never are. */
export const isMediaSegment = (key: string) => [".m4s", ".ts"].includes(extname(key)) || basename(key).startsWith("Fragments(");

const NUMBERED = /^(.*?)(\d+)(\.(?:m4s|ts))$/;

/**
 * Whether a missing segment may yet begin, so that a request for it is worth a wait: one numbered after every segment
 * of its stream in a folder that exists (a player asking for the next one early). A segment behind the newest (deleted
 * with the window, or never written) and a folder that does not exist are a 404 at once.
 */
export async function mayBeginSoon(file: string): Promise<boolean> {
  const asked = NUMBERED.exec(basename(file));
  if (!asked) return false;
  const [, prefix, digits, extension] = asked;
  const names = await readdir(dirname(file)).catch(() => undefined);
  if (!names) return false;
  const number = Number(digits);
  for (const name of names) {
    const sibling = NUMBERED.exec(name.endsWith(GROWING_SUFFIX) ? name.slice(0, -GROWING_SUFFIX.length) : name);
    if (sibling && sibling[1] === prefix && sibling[3] === extension && Number(sibling[2]) >= number) return false;
  }
  return true;
}

class SegmentGone extends Error {
  override name = "SegmentGone";
}

/** Wakes a waiter when something changes in a directory, or after POLL_MS at the latest. */
class DirectoryChanges {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(directory: string) {
    try {
      this.watcher = watch(directory, { persistent: false }, () => {
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on("error", () => this.stopWatching());
    } catch {
      // no directory yet, or no watch here: polling alone
    }
  }

  next(): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      this.wake = done;
    });
  }

  private stopWatching() {
    this.watcher?.close();
    this.watcher = undefined;
  }

  close() {
    this.stopWatching();
    this.wake?.();
  }
}

const inode = (path: string) => stat(path).then(
  (info) => (info.isFile() ? info.ino : undefined),
  () => undefined,
);

/**
 * What is there of the segment `file` within `waitMs`: "complete" (the file), "growing" (only `<file>.tmp`), or
 * undefined when neither appeared.
 */
export async function awaitSegment(file: string, waitMs = SEGMENT_WAIT_MS): Promise<"complete" | "growing" | undefined> {
  const deadline = performance.now() + waitMs;
  let changes: DirectoryChanges | undefined;
  try {
    for (;;) {
      if ((await inode(file)) !== undefined) return "complete";
      if ((await inode(file + GROWING_SUFFIX)) !== undefined) return "growing";
      if (performance.now() >= deadline) return undefined;
      changes ??= new DirectoryChanges(dirname(file));
      await changes.next();
    }
  } finally {
    changes?.close();
  }
}

/**
 * The bytes of a segment being written at `<file>.tmp`, followed as it grows, ending once the writer has renamed it
 * to `file` (the same inode: the handle opened before keeps reading it) and everything is sent. Undefined when
 * `<file>.tmp` is gone already (complete meanwhile, or abandoned). The handle is released when the stream ends, fails,
 * or its reader cancels (a viewer who disconnects).
 */
export async function followGrowingSegment(file: string): Promise<ReadableStream<Uint8Array> | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file + GROWING_SUFFIX, "r");
  } catch {
    return undefined;
  }
  let ino: number;
  try {
    ino = (await handle.stat()).ino;
  } catch {
    await handle.close();
    return undefined;
  }
  const changes = new DirectoryChanges(dirname(file));
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    changes.close();
    await handle.close().catch(() => undefined);
  };
  let position = 0;
  let renamed = false;
  let grewAt = performance.now();

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          while (!released) {
            const buffer = Buffer.allocUnsafe(READ_BYTES);
            const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
            if (bytesRead > 0) {
              position += bytesRead;
              grewAt = performance.now();
              controller.enqueue(buffer.subarray(0, bytesRead));
              return;
            }
            if (renamed) {
              await release();
              controller.close();
              return;
            }
            // The writer closes before it renames: once renamed, one more read to the end is all there is.
            if ((await inode(file)) === ino) {
              renamed = true;
              continue;
            }
            if ((await inode(file + GROWING_SUFFIX)) !== ino) {
              // Renamed between the two looks (the writer finished just now): the rest is read on the next turn.
              if ((await inode(file)) === ino) {
                renamed = true;
                continue;
              }
              throw new SegmentGone(`${basename(file)} was removed before it was complete`);
            }
            if (performance.now() - grewAt > STALL_MS) throw new SegmentGone(`${basename(file)} stopped growing`);
            await changes.next();
          }
        } catch (error) {
          await release();
          // A viewer gets a cut chunked response, never a short segment that looks complete.
          controller.error(error);
        }
      },
      cancel: release,
    },
    { highWaterMark: 0 },
  );
}
