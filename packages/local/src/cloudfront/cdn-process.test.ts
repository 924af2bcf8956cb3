import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../testing/runtime.ts";
import { type RunningCdn, startCdnProcess } from "./cdn-process.ts";

const HOST = "127.0.0.1";
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "visionstream-cdn-process-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** An answer of the CDN for a distribution nobody made: CloudFront's 404 when it serves, undefined when nothing listens. */
async function probe(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(`${url}/E0000000000000/anything.ts`);
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the CDN in a process of its own", () => {
  let cdn: RunningCdn;
  afterAll(async () => cdn?.close());

  it("serves, comes back on the same port after being killed, and stops for good on close()", async () => {
    cdn = await startCdnProcess({ dataDir, host: HOST, port: 0 });
    const first = await probe(cdn.url);
    expect(first?.status).toBe(404);
    expect(first?.body).toContain("<Code>NoSuchDistribution</Code>");
    const time = await fetch(`${cdn.url}/time`);
    expect(time.status).toBe(200);
    expect(Math.abs(Date.parse(await time.text()) - Date.now())).toBeLessThan(2_000);

    const killed = cdn.pid()!;
    process.kill(killed, "SIGKILL");
    await eventually(async () => (!alive(killed) ? true : undefined));
    await eventually(async () => ((await probe(cdn.url))?.status === 404 ? true : undefined), { timeoutMs: 15_000, intervalMs: 200 });
    expect(cdn.pid()).not.toBe(killed);

    const last = cdn.pid()!;
    await cdn.close();
    expect(alive(last)).toBe(false);
    expect(await probe(cdn.url)).toBeUndefined();
  });

  it("runs with glibc's mmap threshold fixed, so that the edge cache's evicted segments go back to the system", async () => {
    const own = await startCdnProcess({ dataDir, host: HOST, port: 0 });
    try {
      const environment = (await readFile(`/proc/${own.pid()}/environ`, "utf8")).split("\0");
      expect(environment).toContain(`MALLOC_MMAP_THRESHOLD_=${128 * 1024}`);
    } finally {
      await own.close();
    }
  });

  it("ends with its parent, even when the parent is killed", async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const module = pathToFileURL(join(import.meta.dirname, "cdn-process.ts")).href;
    const script = `import { startCdnProcess } from ${JSON.stringify(module)};
const cdn = await startCdnProcess({ dataDir: ${JSON.stringify(dataDir)}, host: "${HOST}", port: 0 });
console.log(JSON.stringify({ url: cdn.url, pid: cdn.pid() }));`;
    const parent = spawn(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    parent.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const started = await eventually(async () => (stdout.includes("\n") ? (JSON.parse(stdout) as { url: string; pid: number }) : undefined), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect((await probe(started.url))?.status).toBe(404);

    parent.kill("SIGKILL");
    await eventually(async () => (!alive(started.pid) ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await probe(started.url)).toBeUndefined();
  });
});
