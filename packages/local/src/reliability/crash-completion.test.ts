import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationSeconds, frameNumbers, push } from "../../testing/media.ts";
import { type ApiClient, apiClient, eventually } from "../../testing/runtime.ts";
import { transcoderPids } from "../../testing/reliability.ts";

const BIN = resolve(import.meta.dirname, "../../../../bin/visionstream.mjs");
const ADMIN = "a-long-enough-admin-token-for-crashes";
const PUSH_SECONDS = 30;
const LAST_FRAME = PUSH_SECONDS * 30 - 1;
const run = promisify(execFile);

const runtimes: ChildProcess[] = [];
const pushers: ChildProcess[] = [];
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "visionstream-crash-"));
});

afterAll(async () => {
  for (const pusher of pushers) if (pusher.exitCode === null && pusher.signalCode === null) pusher.kill("SIGKILL");
  // Each runtime leads its own process group: what it left (frozen, say) goes with it.
  for (const runtime of runtimes) if (runtime.pid) killGroup(runtime.pid, "SIGKILL");
  if (work) await rm(work, { recursive: true, force: true });
});

function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

/** `visionstream start` on its own ports, leading its own process group, once it has printed where everything is. */
async function startCli(dataDir: string, base: number, env: Record<string, string> = {}) {
  const ports = ["--api-port", base, "--cdn-port", base + 1, "--whip-port", base + 2, "--rtmp-port", base + 10, "--rtp-port", base + 20, "--srt-port", base + 30];
  const child = spawn(process.execPath, [BIN, "start", "--data-dir", dataDir, ...ports.map(String)], {
    env: { ...process.env, VISIONSTREAM_ADMIN_TOKEN: ADMIN, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  runtimes.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the CLI exited:\n${output}`);
    return /Ctrl-C stops everything/.test(output) ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  return { child, exited, api: apiClient(/API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!), output: () => output };
}

async function liveChannel(api: ApiClient, apiKey: string, name: string) {
  const { channel } = (await api("POST", "/channels", { token: apiKey, json: { name, inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] } })).body;
  expect((await api("POST", `/channels/${channel.id}/start`, { token: apiKey })).status).toBe(202);
  return eventually(async () => {
    const { body } = await api("GET", `/channels/${channel.id}`, { token: apiKey });
    return body.channel.state === "RUNNING" ? body.channel : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

async function account(api: ApiClient) {
  const { account: created, apiKey } = (await api("POST", "/accounts", { token: ADMIN, json: { name: "crashes" } })).body;
  await eventually(async () => ((await api("GET", `/accounts/${created.id}`, { token: apiKey })).body.account.status === "ACTIVE" ? true : undefined));
  return { accountId: created.id as string, apiKey: apiKey as string };
}

const pushTo = (channel: { ingest: { url: string; streamKey: string }[] }) => {
  const pusher = push({ seconds: PUSH_SECONDS, width: 640, height: 360, picture: "numbered" }, ["-f", "flv", `${channel.ingest[0]!.url}/${channel.ingest[0]!.streamKey}`]);
  pushers.push(pusher);
  return pusher;
};

async function readyRecording(api: ApiClient, apiKey: string, channelId: string) {
  return eventually(async () => {
    const { body } = await api("GET", `/recordings?channelId=${channelId}`, { token: apiKey });
    return body.recordings?.[0]?.status === "READY" ? body.recordings : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
}

/**
 * The MP4 as a viewer gets it from the CDN, with what ffmpeg says decoding it whole. Each frame keeps its own time:
 * on the null muxer's grid of the file's average frame rate, frames the remux's joins moved by a few ms (see the
 * assembler) would land two on one tick and be reported, though nothing is wrong with their pictures.
 */
async function played(api: ApiClient, apiKey: string, recordingId: string) {
  const playback = (await api("GET", `/recordings/${recordingId}/playback`, { token: apiKey })).body;
  const answer = await fetch(playback.url);
  expect(answer.status).toBe(200);
  const file = join(work, `${recordingId}.mp4`);
  await writeFile(file, Buffer.from(await answer.arrayBuffer()));
  const decoded = await run("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", file, "-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "null", "-"]);
  return { file, decodeErrors: decoded.stderr.trim(), seconds: await durationSeconds(file), frames: await frameNumbers(file) };
}

/** The local MediaLive's id of a channel (the API does not show it), from the engine's own records. */
async function engineChannelIdOf(dataDir: string, channelId: string): Promise<string> {
  const directory = join(dataDir, "engine", "channels");
  for (const name of await readdir(directory)) {
    const { engineChannelId, spec } = JSON.parse(await readFile(join(directory, name), "utf8"));
    if (spec.channelId === channelId) return engineChannelId;
  }
  throw new Error(`no engine channel for ${channelId}`);
}

const bucketDir = (dataDir: string, accountId: string) => join(dataDir, "buckets", `visionstream-local-${accountId}`);

describe("the local runtime killed (SIGKILL) while it assembles a recording, then started again", () => {
  it("assembles it again by itself: READY without a retry, one whole MP4 of the push, nothing half-written left", async () => {
    const dataDir = join(work, "assembly");
    // The first runtime's ffmpeg stops itself once a remux has written its output, before the job can put it in place:
    // the kill then always lands halfway through the assembly, however busy the machine is.
    const remuxed = join(work, "remuxed");
    const stopsAfterRemux = join(work, "ffmpeg-stops-after-remux");
    await mkdir(stopsAfterRemux, { recursive: true });
    const realFfmpeg = (await run("sh", ["-c", "command -v ffmpeg"])).stdout.trim();
    await writeFile(
      join(stopsAfterRemux, "ffmpeg"),
      `#!/bin/sh\ncase " $* " in *" concat "*) "${realFfmpeg}" "$@"; touch "${remuxed}"; kill -STOP $ ;; esac\nexec "${realFfmpeg}" "$@"\n`,
      { mode: 0o755 },
    );
    const first = await startCli(dataDir, 22100, { PATH: `${stopsAfterRemux}:${process.env.PATH}` });
    const { accountId, apiKey } = await account(first.api);
    const channel = await liveChannel(first.api, apiKey, "killed while assembling");
    expect(await pushTo(channel).done).toBe(0);

    // Killed with the remux written and not yet in place: a power cut halfway through the assembly.
    const vod = join(bucketDir(dataDir, accountId), "vod");
    expect((await first.api("POST", `/channels/${channel.id}/stop`, { token: apiKey })).status).toBe(202);
    await eventually(async () => (existsSync(remuxed) ? true : undefined), { timeoutMs: 180_000, intervalMs: 100 });
    const partial = (await readdir(vod)).find((name) => name.endsWith(".part"))!;
    expect(partial, "the MP4 being written").toBeDefined();
    const recordingId = /^\.(rec-[a-z0-9]+)\.mp4\./.exec(partial)![1]!;
    expect(existsSync(join(vod, partial)), "the MP4 being written").toBe(true);
    expect(existsSync(join(vod, `${recordingId}.mp4`)), "an MP4 in place before its job ended").toBe(false);
    killGroup(first.child.pid!, "SIGKILL");
    await first.exited;

    const restartedAt = performance.now();
    const second = await startCli(dataDir, 22100);
    const recordings = await readyRecording(second.api, apiKey, channel.id);
    const readyAfterMs = performance.now() - restartedAt;

    expect(recordings).toHaveLength(1);
    // The attempt the kill cut short, finished: no retry asked for one.
    expect(recordings[0]).toMatchObject({ id: recordingId, sessionId: channel.sessionId, status: "READY", attempts: 1 });
    expect(Math.abs(recordings[0].durationMs / 1000 - PUSH_SECONDS)).toBeLessThanOrEqual(1);
    expect((await readdir(vod)).sort(), "one MP4 and nothing half-written beside it").toEqual([`${recordingId}.mp4`]);
    const mp4 = await played(second.api, apiKey, recordingId);
    expect(mp4.decodeErrors).toBe("");
    expect(Math.abs(mp4.seconds - PUSH_SECONDS)).toBeLessThanOrEqual(1);
    expect(mp4.frames.every((number, index) => index === 0 || number > mp4.frames[index - 1]!), "frames in order, none twice").toBe(true);
    expect(mp4.frames[0]).toBeLessThanOrEqual(30);
    expect(mp4.frames.at(-1)).toBeGreaterThanOrEqual(LAST_FRAME - 30);
    console.log(`crash during assembly: READY ${(readyAfterMs / 1000).toFixed(1)} s after the restart began; MP4 ${mp4.seconds.toFixed(2)} s of ${PUSH_SECONDS} s pushed`);

    second.child.kill("SIGTERM");
    await second.exited;
    expect(second.child.exitCode).toBe(0);
  }, 300_000);
});

describe("the local runtime killed (SIGKILL) while channels are on air, then started again", () => {
  it("reports them STOPPED as soon as it answers, even one whose run it kept no trace of, and assembles everything written before the kill", async () => {
    const dataDir = join(work, "on-air");
    const first = await startCli(dataDir, 22150);
    const { accountId, apiKey } = await account(first.api);
    const live = await liveChannel(first.api, apiKey, "with a publisher");
    // On air without a publisher; its run's record goes with the crash (wiped, or never written).
    const unrecorded = await liveChannel(first.api, apiKey, "no trace of its run");
    const pusher = pushTo(live);
    const recordingDir = join(bucketDir(dataDir, accountId), "recordings", live.id, live.sessionId, "1080p");
    await eventually(async () => ((await readdir(recordingDir).catch(() => [])).length >= 5 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });

    first.child.kill("SIGKILL");
    await first.exited;
    pusher.kill("SIGKILL");
    await eventually(async () => ((await transcoderPids(live.id)).length + (await transcoderPids(unrecorded.id)).length === 0 ? true : undefined), { timeoutMs: 20_000 });
    await rm(join(dataDir, "engine", "runs", `${await engineChannelIdOf(dataDir, unrecorded.id)}.json`));
    // What was written before the kill: every segment the live playlist lists (the transcoder finished its last one).
    const liveDir = join(bucketDir(dataDir, accountId), "live", live.id, "1080p");
    const listed = (await readFile(join(liveDir, "index.m3u8"), "utf8")).split("\n").filter((line) => line.endsWith(".ts"));
    const written = new Set<number>();
    for (const name of listed) if ((await stat(join(liveDir, name))).size > 0) for (const number of await frameNumbers(join(liveDir, name))) written.add(number);

    const second = await startCli(dataDir, 22150);
    for (const channel of [live, unrecorded]) {
      const { body } = await second.api("GET", `/channels/${channel.id}`, { token: apiKey });
      expect(body.channel, "the first answer after the start").toMatchObject({ id: channel.id, state: "STOPPED", sessionId: channel.sessionId });
    }
    const recordings = await readyRecording(second.api, apiKey, live.id);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({ sessionId: live.sessionId, status: "READY", attempts: 1 });
    expect((await second.api("GET", `/recordings?channelId=${unrecorded.id}`, { token: apiKey })).body.recordings).toEqual([]);
    const mp4 = await played(second.api, apiKey, recordings[0].id);
    expect(mp4.decodeErrors).toBe("");
    const kept = new Set(mp4.frames);
    const lost = [...written].filter((number) => !kept.has(number));
    expect(written.size).toBeGreaterThanOrEqual(5 * 2 * 30 - 60);
    expect(lost, "frames written before the kill missing from the MP4").toEqual([]);
    expect(Math.abs(recordings[0].durationMs / 1000 - mp4.seconds)).toBeLessThanOrEqual(0.1);
    console.log(`crash on air: ${written.size} frames written before the kill, all ${mp4.frames.length} in the MP4 (${mp4.seconds.toFixed(2)} s)`);

    // Both start again on their ingest ports: nothing of the killed process holds them.
    for (const channel of [live, unrecorded]) expect((await second.api("POST", `/channels/${channel.id}/start`, { token: apiKey })).status).toBe(202);
    for (const channel of [live, unrecorded])
      await eventually(async () => ((await second.api("GET", `/channels/${channel.id}`, { token: apiKey })).body.channel.state === "RUNNING" ? true : undefined), { timeoutMs: 60_000 });
    for (const channel of [live, unrecorded]) await second.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    second.child.kill("SIGTERM");
    await second.exited;
    expect(second.child.exitCode).toBe(0);
  }, 300_000);
});
