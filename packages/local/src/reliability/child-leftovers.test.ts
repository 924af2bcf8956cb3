import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordChildrenIn } from "../engine/child-processes.ts";
import { eventually } from "../testing.ts";

let directory: string | undefined;
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** Running, and not a zombie waiting for an init that does not reap. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("children of a process killed with SIGKILL", () => {
  it("are ended by the next start on the same data directory, and only they", async () => {
    directory = await mkdtemp(join(tmpdir(), "visionstream-leftovers-"));
    const registry = join(directory, "children.json");
    const module = resolve(import.meta.dirname, "../engine/child-processes.ts");
    // A runtime stand-in: records its children, starts one that ignores its parent's death, then is killed.
    const script = `
      const { spawn } = await import("node:child_process");
      const { recordChildrenIn, trackChild } = await import(${JSON.stringify(module)});
      recordChildrenIn(${JSON.stringify(registry)});
      const child = spawn("sleep", ["120"], { stdio: "ignore" });
      trackChild(child);
      console.log(child.pid);
      setInterval(() => {}, 1000);`;
    const crashed = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    crashed.stdout!.on("data", (chunk) => (output += chunk));
    const orphan = await eventually(async () => Number(output.trim()) || undefined, { timeoutMs: 15_000 });
    await eventually(async () => ((await readFile(registry, "utf8")).includes(`"pid":${orphan}`) ? true : undefined));
    const bystander = spawn("sleep", ["120"], { stdio: "ignore" });

    crashed.kill("SIGKILL");
    await new Promise((done) => crashed.once("exit", done));
    expect(alive(orphan)).toBe(true);
    const killed = recordChildrenIn(registry);

    expect(killed).toBe(1);
    await eventually(async () => (alive(orphan) ? undefined : true));
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill("SIGKILL");
  }, 30_000);
});
