import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPages } from "./web.ts";

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
    await buildPages(outDir);
    expect((await readdir(outDir)).filter((name) => name.endsWith(".html")).sort()).toEqual(["broadcast.html", "player.html", "switcher.html"]);
    expect((await readdir(join(outDir, "assets"))).some((name) => name.endsWith(".js"))).toBe(true);
    // The runtime runs for hours: the ~300 MB the bundler's allocator keeps would stay with it.
    expect(await mapped("rolldown")).toEqual([]);
  });
});
