import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPages, WebBuildFailed } from "./web.ts";

/** Native libraries mapped into this process whose names contain `part`. */
async function mapped(part: string): Promise<string[]> {
  const maps = await readFile("/proc/self/maps", "utf8");
  return [...new Set(maps.split("\n").map((line) => line.split(/\s+/)[5] ?? "").filter((path) => path.includes(part)))];
}

describe("building the pages", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("builds every page in a process of its own: Vite's native bundler is never loaded into the caller", { timeout: 180_000 }, async () => {
    const outDir = await mkdtemp(join(tmpdir(), "visionstream-pages-"));
    dirs.push(outDir);
    expect(await mapped("rolldown")).toEqual([]);
    expect(await mapped("lightningcss")).toEqual([]);
    await buildPages(outDir);
    expect((await readdir(outDir)).filter((name) => name.endsWith(".html")).sort()).toEqual(["broadcast.html", "player.html", "switcher.html"]);
    expect((await readdir(join(outDir, "assets"))).some((name) => name.endsWith(".js"))).toBe(true);
    // The runtime runs for hours: what the bundler's and the CSS minifier's allocators keep would stay with it.
    expect(await mapped("rolldown")).toEqual([]);
    expect(await mapped("lightningcss")).toEqual([]);
  });

  it("fails with the build's own words when it cannot write its output", { timeout: 180_000 }, async () => {
    const failed = await buildPages("/dev/null/pages").catch((error: unknown) => error);

    expect(failed).toBeInstanceOf(WebBuildFailed);
    expect((failed as Error).message).toMatch(/^building the pages failed \(exit code 1\): .*(ENOTDIR|not a directory)/is);
  });
});
