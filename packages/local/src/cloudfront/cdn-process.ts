import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { trackChild } from "../child-processes.ts";
import { logger } from "../logger.ts";
import { TSX_EXEC_ARGV } from "../tsx-loader.ts";
import type { CdnProcessMessage, CdnProcessOptions } from "./process.ts";

const ENTRY = join(import.meta.dirname, "process.ts");
const RESTART_AFTER_MS = 500;
const MAX_RESTART_DELAY_MS = 10_000;
const STABLE_AFTER_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/**
 * glibc's malloc serves a block of this size or more with mmap, returned to the system when freed. Left to itself it
 * raises that threshold to the largest block freed so far (segments of up to a few MB), and the edge cache's segments,
 * read and evicted all day in every size, then come from the heap, which fragments: the CDN's RSS grew 3.4 % in 12
 * minutes of a channel's churn at 4x (bench/endurance/cdn-memory.ts) and 6.8-11.1 % over the 2-hour soaks; with the
 * threshold fixed here it stayed level (388 -> 401 MB before, 381 -> 374 MB after, minute 4 to 16, one run each).
 */
const MMAP_THRESHOLD_BYTES = 128 * 1024;

export interface RunningCdn {
  url: string;
  /** The process serving now (another one after a restart). */
  pid(): number | undefined;
  close(): Promise<void>;
}

class CdnStartFailed extends Error {
  override name = "CdnStartFailed";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function spawnCdn(options: CdnProcessOptions): { child: ChildProcess; listening: Promise<number> } {
  const child = fork(ENTRY, [JSON.stringify(options)], {
    execArgv: [...TSX_EXEC_ARGV],
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? String(MMAP_THRESHOLD_BYTES) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  trackChild(child);
  const listening = new Promise<number>((resolve, reject) => {
    child.once("message", (message: CdnProcessMessage) => {
      if ("listening" in message) resolve(message.listening);
      else reject(new CdnStartFailed(message.failed, message.code));
    });
    child.once("exit", (code, signal) => reject(new CdnStartFailed(`the CDN process ended before it listened (${signal ?? code})`)));
    child.on("error", reject);
  });
  return { child, listening };
}

/**
 * Starts the CDN process on host:port and keeps it running: should it end by itself, it is started again on the same
 * port (viewers retry, as players do). close() stops it for good.
 */
export async function startCdnProcess(options: CdnProcessOptions): Promise<RunningCdn> {
  let current = spawnCdn(options);
  const port = await current.listening.catch((error: unknown) => {
    current.child.kill("SIGKILL");
    throw error;
  });
  let closing = false;
  let delayMs = RESTART_AFTER_MS;
  const watch = (child: ChildProcess, startedAt = performance.now()) =>
    child.once("exit", (code, signal) => {
      // Code 0: it was told to stop (the runtime is ending, or SIGTERM to the whole process group).
      if (closing || code === 0) return;
      // A child that served a while before it ended starts again at once; one that keeps ending waits longer each time.
      if (performance.now() - startedAt > STABLE_AFTER_MS) delayMs = RESTART_AFTER_MS;
      logger.error("the CDN process ended; starting it again", { code, signal, inMs: delayMs });
      setTimeout(() => {
        if (closing) return;
        try {
          current = spawnCdn({ ...options, port });
        } catch (error) {
          logger.error("the CDN process could not start again", { error: (error as Error).message });
          return;
        }
        current.listening.catch((error: unknown) => logger.error("the CDN process could not start again", { error: (error as Error).message }));
        watch(current.child);
      }, delayMs);
      delayMs = Math.min(delayMs * 2, MAX_RESTART_DELAY_MS);
    });
  watch(current.child);
  return {
    url: `http://${options.host}:${port}`,
    pid: () => current.child.pid,
    close: async () => {
      closing = true;
      const { child } = current;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
