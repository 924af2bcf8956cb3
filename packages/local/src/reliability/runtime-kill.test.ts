import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { push } from "../../testing/media.ts";
import { apiClient, eventually } from "../../testing/runtime.ts";
import { recordedSequences, sleep, transcoderPids } from "../../testing/reliability.ts";

const BIN = resolve(import.meta.dirname, "../../../../bin/visionstream.mjs");
const ADMIN = "a-long-enough-admin-token-for-kill";
const PORTS = ["--api-port", "24150", "--cdn-port", "24151", "--rtmp-port", "24050", "--rtp-port", "24250"];
const children: ChildProcess[] = [];
let dataDir: string | undefined;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startCli(directory: string) {
  const child = spawn(process.execPath, [BIN, "start", "--data-dir", directory, ...PORTS], {
    env: { ...process.env, VISIONSTREAM_ADMIN_TOKEN: ADMIN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the CLI exited:\n${output}`);
    return /Ctrl-C stops everything/.test(output) ? true : undefined;
  }, { timeoutMs: 30_000 });
  const api = apiClient(/API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!);
  return { child, exited, api };
}

describe("the local runtime killed (SIGKILL) while a channel is live, then started again", () => {
  it("keeps accounts, channels and recordings, leaves no ffmpeg behind, stops the channel and assembles the interrupted recording", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "visionstream-kill-"));
    const first = await startCli(dataDir);
    const created = await first.api("POST", "/accounts", { token: ADMIN, json: { name: "kill -9" } });
    const { account, apiKey } = created.body as { account: { id: string }; apiKey: string };
    await eventually(async () => ((await first.api("GET", `/accounts/${account.id}`, { token: apiKey })).body.account.status === "ACTIVE" ? true : undefined));
    const channel = (await first.api("POST", "/channels", { token: apiKey, json: { name: "interrupted", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] } })).body.channel;
    await first.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    const running = await eventually(async () => {
      const { body } = await first.api("GET", `/channels/${channel.id}`, { token: apiKey });
      return body.channel.state === "RUNNING" ? body.channel : undefined;
    });
    const pusher = push({ seconds: 30, width: 640, height: 360 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);
    children.push(pusher);
    const recorded = () => recordedSequences(dataDir!, account.id, channel.id, running.sessionId, "1080p");
    await eventually(async () => ((await recorded()).length >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    expect(await transcoderPids(channel.id)).toHaveLength(1);

    first.child.kill("SIGKILL");
    await first.exited;
    pusher.kill("SIGKILL");
    await eventually(async () => ((await transcoderPids(channel.id)).length === 0 ? true : undefined), { timeoutMs: 10_000 });
    const second = await startCli(dataDir);

    const { body: restored } = await second.api("GET", `/accounts/${account.id}`, { token: apiKey });
    expect(restored.account).toMatchObject({ id: account.id, status: "ACTIVE" });
    const stopped = await eventually(async () => {
      const { body } = await second.api("GET", `/channels/${channel.id}`, { token: apiKey });
      return body.channel.state === "STOPPED" ? body.channel : undefined;
    }, { timeoutMs: 10_000 });
    expect(stopped).toMatchObject({ id: channel.id, sessionId: running.sessionId, ingest: channel.ingest });
    const recordings = await eventually(
      async () => {
        const { body } = await second.api("GET", `/recordings?channelId=${channel.id}`, { token: apiKey });
        return body.recordings?.[0]?.status === "READY" ? body.recordings : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const segments = await recorded();
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({ sessionId: running.sessionId, status: "READY" });
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(Math.abs(recordings[0].durationMs - segments.length * 2_000)).toBeLessThanOrEqual(2_000);

    // The channel starts again on the same ingest port: nothing of the killed process holds it.
    expect((await second.api("POST", `/channels/${channel.id}/start`, { token: apiKey })).status).toBe(202);
    await eventually(async () => ((await second.api("GET", `/channels/${channel.id}`, { token: apiKey })).body.channel.state === "RUNNING" ? true : undefined));
    await second.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    await sleep(500);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 90_000);
});
