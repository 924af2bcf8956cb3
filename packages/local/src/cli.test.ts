import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const BIN = resolve(import.meta.dirname, "../../../bin/visionstream.mjs");
const children: ChildProcess[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const waitFor = async (text: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!text.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${text} in:\n${output}`);
      await new Promise((done) => setTimeout(done, 50));
    }
    return output;
  };
  return { child, exited, waitFor, output: () => output };
}

describe("visionstream start", () => {
  it("starts everything on 127.0.0.1, prints where it is and the generated admin token, and stops cleanly on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "visionstream-cli-"));
    directories.push(dataDir);
    const cli = run(["start", "--data-dir", dataDir, "--api-port", "0", "--cdn-port", "0"], { VISIONSTREAM_ADMIN_TOKEN: "" });

    const printed = await cli.waitFor(/Ctrl-C stops everything/);
    const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
    const token = /admin token\s+(\S+)/.exec(printed)?.[1];
    const health = await fetch(`${apiUrl}/health`);
    const listed = await fetch(`${apiUrl}/accounts`, { headers: { authorization: `Bearer ${token}` } });
    cli.child.kill("SIGTERM");

    expect(printed).toMatch(/CDN\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(health.status).toBe(200);
    expect(listed.status).toBe(200);
    expect((await readFile(join(dataDir, "admin-token"), "utf8")).trim()).toBe(token);
    expect((await stat(join(dataDir, "admin-token"))).mode & 0o777).toBe(0o600);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain("stopped");
  });

  it("keeps its data across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "visionstream-cli-"));
    directories.push(dataDir);
    const env = { VISIONSTREAM_ADMIN_TOKEN: "a-long-enough-admin-token", VISIONSTREAM_API_PORT: "0", VISIONSTREAM_CDN_PORT: "0", VISIONSTREAM_DATA_DIR: dataDir };
    const first = run(["start"], env);
    const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(await first.waitFor(/Ctrl-C/))?.[1];
    const created = await fetch(`${apiUrl}/accounts`, {
      method: "POST",
      headers: { authorization: "Bearer a-long-enough-admin-token", "content-type": "application/json" },
      body: JSON.stringify({ name: "persistent" }),
    });
    const { account } = (await created.json()) as { account: { id: string } };
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);

    const second = run(["start"], env);
    const secondUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(await second.waitFor(/Ctrl-C/))?.[1];
    const fetched = await fetch(`${secondUrl}/accounts/${account.id}`, { headers: { authorization: "Bearer a-long-enough-admin-token" } });
    second.child.kill("SIGTERM");

    expect(fetched.status).toBe(200);
    expect(await second.exited).toBe(0);
  });

  it("fails at start with the name of a bad setting", async () => {
    const cli = run(["start", "--api-port", "eighty"]);

    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain("VISIONSTREAM_API_PORT (--api-port)");
  });

  it("refuses a niceness outside nice(1)'s 0–19, naming the setting", async () => {
    const cli = run(["start", "--media-niceness", "25"]);

    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain("VISIONSTREAM_MEDIA_NICENESS (--media-niceness)");
  });
});

describe("visionstream secret", () => {
  it("keeps a secret read from stdin in the data directory, mode 0600, and never prints it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "visionstream-cli-"));
    directories.push(dataDir);
    const child = spawn(process.execPath, [BIN, "secret", "set", "switcher/festival/stage-a", "--account", "acc-0123456789abcdef", "--data-dir", dataDir], { stdio: ["pipe", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));

    child.stdin!.end("correct horse battery\n");

    expect(await exited).toBe(0);
    const file = join(dataDir, "secrets", "accounts/acc-0123456789abcdef/switcher/festival/stage-a");
    expect(await readFile(file, "utf8")).toBe("correct horse battery");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(output).not.toContain("correct horse");
  });

  it("refuses a name that leaves the secrets directory", async () => {
    const child = spawn(process.execPath, [BIN, "secret", "set", "../../../outside", "--account", "acc-0123456789abcdef"], { stdio: ["pipe", "ignore", "pipe"] });
    children.push(child);
    let output = "";
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));

    child.stdin!.end("a secret of sorts\n");

    expect(await exited).toBe(2);
    expect(output).toMatch(/must be a relative path/);
    expect(output).not.toContain("a secret of sorts");
  });
});
