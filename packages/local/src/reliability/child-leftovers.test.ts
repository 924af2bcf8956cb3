import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordChildrenIn } from "../child-processes.ts";
import { eventually } from "../../testing/runtime.ts";

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
  it("are ended by the next start on the same data directory, also those started through nice, and only they", async () => {
    directory = await mkdtemp(join(tmpdir(), "visionstream-leftovers-"));
    const registry = join(directory, "children.json");
    const module = resolve(import.meta.dirname, "../child-processes.ts");
    // A runtime stand-in: records its children, starts one that ignores its parent's death, then is killed.
    const script = `
      const { spawn } = await import("node:child_process");
      const { recordChildrenIn, trackChild } = await import(${JSON.stringify(module)});
      recordChildrenIn(${JSON.stringify(registry)});
      const child = spawn("sleep", ["120"], { stdio: "ignore" });
      trackChild(child);
      // as the transcoders are started: nice execs the command, which keeps the pid
      const niced = spawn("nice", ["-n", "10", "sleep", "121"], { stdio: "ignore" });
      trackChild(niced, ["sleep", "121"]);
      console.log(child.pid, niced.pid);
      setInterval(() => {}, 1000);`;
    const crashed = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    crashed.stdout!.on("data", (chunk) => (output += chunk));
    const [orphan, nicedOrphan] = await eventually(
      async () => {
        const pids = output.trim().split(" ").map(Number);
        return pids.length === 2 && pids.every((pid) => pid > 0) ? (pids as [number, number]) : undefined;
      },
      { timeoutMs: 15_000 },
    );
    await eventually(async () => ((await readFile(registry, "utf8")).includes(`"pid":${nicedOrphan}`) ? true : undefined));
    // nice has exec'd sleep: the pid now shows the command line recorded for it
    await eventually(async () => (readFileSync(`/proc/${nicedOrphan}/cmdline`, "utf8").startsWith("sleep\0") ? true : undefined));
    const bystander = spawn("sleep", ["120"], { stdio: "ignore" });

    crashed.kill("SIGKILL");
    await new Promise((done) => crashed.once("exit", done));
    expect(alive(orphan)).toBe(true);
    expect(alive(nicedOrphan)).toBe(true);
    const killed = recordChildrenIn(registry);

    expect(killed).toBe(2);
    await eventually(async () => (alive(orphan) || alive(nicedOrphan) ? undefined : true));
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill("SIGKILL");
  }, 30_000);
});
