import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { spawnChild } from "./spawn-child.ts";
import { TSX_EXEC_ARGV } from "./tsx-loader.ts";

export const WEB_ROOT = fileURLToPath(new URL("../../web/", import.meta.url));
export const WEB_DIST = join(WEB_ROOT, "dist");

const FINGERPRINT_FILE = ".inputs";
const LOCK_DIR = join(WEB_ROOT, ".dist-lock");
const LOCK_STALE_MS = 120_000;
const LOCK_TOUCH_MS = 10_000;
const BUILD_ENTRY = join(import.meta.dirname, "web-build.ts");
/** What a failed build's error keeps of its error output. */
const BUILD_OUTPUT_TAIL = 4_000;

export class WebBuildFailed extends Error {
  override name = "WebBuildFailed";
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** A digest of everything the build reads from the package: the pages, src/, the Vite config, the dependency versions. */
async function inputsFingerprint(): Promise<string> {
  const top = await readdir(WEB_ROOT);
  const files = [
    ...top.filter((name) => name.endsWith(".html") || name === "vite.config.ts" || name === "package.json").map((name) => join(WEB_ROOT, name)),
    ...(await filesUnder(join(WEB_ROOT, "src"))),
    createRequire(join(WEB_ROOT, "package.json")).resolve("hls.js/package.json"),
    // dash.js exports no package.json: found from its entry point, which sits under dist/.
    ((entry: string) => join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), "package.json"))(createRequire(join(WEB_ROOT, "package.json")).resolve("dashjs")),
  ];
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(`${relative(WEB_ROOT, file)}\0`);
    hash.update(await readFile(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

async function builtFingerprint(): Promise<string | undefined> {
  return readFile(join(WEB_DIST, FINGERPRINT_FILE), "utf8").catch(() => undefined);
}

/**
 * A lock directory shared by every process on the machine, touched while held; one left by a dead or stuck process
 * (untouched for LOCK_STALE_MS) is taken over.
 */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const since = await stat(LOCK_DIR).then((info) => Date.now() - info.mtimeMs, () => 0);
      if (since > LOCK_STALE_MS) await rm(LOCK_DIR, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  // Held as long as the build runs, however slow the machine: the lock is only stale once nobody touches it.
  const keepHeld = setInterval(() => void utimes(LOCK_DIR, new Date(), new Date()).catch(() => undefined), LOCK_TOUCH_MS);
  try {
    return await work();
  } finally {
    clearInterval(keepHeld);
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Vite's build of the pages into `outDir`, in a child process (web-build.ts says why); its output is passed on. */
export async function buildPages(outDir: string): Promise<void> {
  const options = { root: WEB_ROOT, configFile: join(WEB_ROOT, "vite.config.ts"), outDir };
  const child = spawnChild(process.execPath, [...TSX_EXEC_ARGV, BUILD_ENTRY, JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "pipe"],
    stderrTailChars: BUILD_OUTPUT_TAIL,
  });
  child.process.stderr?.on("data", (chunk: string) => process.stderr.write(chunk));
  const { code, signal, error } = await child.exited;
  if (error) throw error;
  if (code !== 0) throw new WebBuildFailed(`building the pages failed (${signal ?? `exit code ${code}`}): ${child.stderrTail().trim() || "no output"}`);
}

async function build(fingerprint: string): Promise<void> {
  const staging = join(WEB_ROOT, `.dist-${randomUUID()}`);
  const previous = join(WEB_ROOT, `.dist-${randomUUID()}`);
  try {
    await buildPages(staging);
    await writeFile(join(staging, FINGERPRINT_FILE), fingerprint);
    await rename(WEB_DIST, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    await rename(staging, WEB_DIST);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(previous, { recursive: true, force: true });
  }
}

/**
 * The path of packages/web/dist, built with Vite first when it is missing or older than its sources.
 * Safe to call from several processes at once: one builds, the others wait and reuse its result.
 */
export async function ensureWebBuilt(): Promise<string> {
  const fingerprint = await inputsFingerprint();
  if ((await builtFingerprint()) === fingerprint) return WEB_DIST;
  await withBuildLock(async () => {
    if ((await builtFingerprint()) !== fingerprint) await build(fingerprint);
  });
  return WEB_DIST;
}

const IMMUTABLE = "public, max-age=31536000, immutable";

/** The built pages and their assets at `/`: `/player.html`, `/assets/...`; GET and HEAD, 404 for anything else, dotfiles included. */
export function webApp(distDir: string): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    if (c.req.path.split("/").some((segment) => segment.startsWith("."))) return c.notFound();
    await next();
  });
  app.use(
    "*",
    serveStatic({
      root: distDir,
      onFound: (path, c) => {
        c.header("cache-control", relative(distDir, path).startsWith("assets") ? IMMUTABLE : "no-cache");
        c.header("x-content-type-options", "nosniff");
      },
    }),
  );
  app.notFound((c) => c.text("Not Found", 404));
  return app;
}
