import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logger as functionsLogger } from "@visionstream/functions/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectLadderSegments } from "../testing/ladder.ts";
import { push } from "../testing/media.ts";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";
import { logger as localLogger } from "./logger.ts";

// Ports 20_000–20_399 (srt-ingest.test.ts has 20_400 on): SRT from 20_000, the other ingests above it.
const SRT_PORT = 20_000;
let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let apiKey: string;
let accountId: string;
let work: string;
const pushes: ReturnType<typeof push>[] = [];
const written: string[] = [];
const restores: (() => void)[] = [];

/** Everything the runtime prints (its loggers at their most talkative, the console), searched for passphrases at the end. */
function captureOutput() {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    restores.push(() => (stream.write = write));
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => void written.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    restores.push(() => (console[method] = original));
  }
  for (const logger of [localLogger, functionsLogger]) {
    const level = logger.getLevelName();
    logger.setLogLevel("DEBUG");
    restores.push(() => logger.setLogLevel(level));
  }
}

beforeAll(async () => {
  captureOutput();
  runtime = await startTestRuntime({ srtPort: SRT_PORT, rtmpPort: SRT_PORT + 100, rtpPort: SRT_PORT + 200 });
  work = await mkdtemp(join(tmpdir(), "visionstream-srt-channels-"));
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name: "field crew" } });
  apiKey = created.body.apiKey;
  accountId = created.body.account.id;
  await eventually(async () => {
    const { body } = await runtime.api("GET", `/accounts/${accountId}`, { token: apiKey });
    return body.account.status === "ACTIVE" ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
  for (const restore of restores.reverse()) restore();
  if (work) await rm(work, { recursive: true, force: true });
});

interface SrtEndpoint {
  url: string;
  passphrase: string;
}

async function createChannel(body: Record<string, unknown>) {
  const answer = await runtime.api("POST", "/channels", { token: apiKey, json: { inputType: "SRT_LISTENER", ...body } });
  expect(answer.status).toBe(201);
  return answer.body.channel as { id: string; ingest: SrtEndpoint[] };
}

async function waitForChannel(channelId: string, until: (channel: Record<string, unknown>) => boolean, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const { body } = await runtime.api("GET", `/channels/${channelId}`, { token: apiKey });
      return until(body.channel) ? body.channel : undefined;
    },
    { timeoutMs },
  );
}
const waitForState = (channelId: string, state: string) => waitForChannel(channelId, (channel) => channel.state === state);

/** An encoder calling the endpoint, AES-128 as the channel's answer says. */
function call(endpoint: SrtEndpoint, passphrase: string, seconds: number, size: { width: number; height: number } = { width: 1920, height: 1080 }) {
  const pusher = push({ seconds, ...size }, ["-f", "mpegts", `${endpoint.url}?passphrase=${passphrase}&pbkeylen=16`]);
  pushes.push(pusher);
  return pusher;
}

const secretFile = (channelId: string) => join(runtime.dataDir, "secrets", "accounts", accountId, "channels", channelId, "srt-passphrase");

async function liveSegments(channelId: string, rendition: string): Promise<string[]> {
  for (const bucket of await readdir(join(runtime.dataDir, "buckets"))) {
    const names = await readdir(join(runtime.dataDir, "buckets", bucket, "live", channelId, rendition)).catch(() => undefined);
    if (names) return names.filter((name) => name.endsWith(".ts"));
  }
  return [];
}

describe("SRT channels through the API", () => {
  it("takes inputType SRT_LISTENER and answers srt:// endpoints with the passphrase, kept among the account's secrets only", async () => {
    const channel = await createChannel({ name: "field encoder", redundancy: "STANDARD", allowCidrs: ["127.0.0.1/32"] });
    const caller = await runtime.api("POST", "/channels", { token: apiKey, json: { name: "x", inputType: "SRT_CALLER", allowCidrs: ["127.0.0.1/32"] } });

    expect(channel.ingest).toEqual([
      { url: `srt://127.0.0.1:${SRT_PORT}`, passphrase: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
      { url: `srt://127.0.0.1:${SRT_PORT + 1}`, passphrase: channel.ingest[0]!.passphrase },
    ]);
    expect((await runtime.api("GET", `/channels/${channel.id}`, { token: apiKey })).body.channel.ingest).toEqual(channel.ingest);
    expect(await readFile(secretFile(channel.id), "utf8")).toBe(channel.ingest[0]!.passphrase);
    expect((await stat(secretFile(channel.id))).mode & 0o777).toBe(0o600);
    const engineDir = join(runtime.dataDir, "engine", "channels");
    const engineFiles = await Promise.all((await readdir(engineDir)).map((name) => readFile(join(engineDir, name), "utf8")));
    expect(engineFiles.join("")).toContain(channel.id);
    expect(engineFiles.join("")).not.toContain(channel.ingest[0]!.passphrase);
    expect(caller.status).toBe(400);
    expect(caller.body.error.details.issues[0].field).toBe("inputType");

    expect((await runtime.api("DELETE", `/channels/${channel.id}`, { token: apiKey })).status).toBe(202);
    await runtime.bus.idle();
    await expect(stat(secretFile(channel.id))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("live over SRT, end to end", () => {
  it("transcodes 20 s of 1080p30 called in with the passphrase to the four-rung ladder, served through the CDN with a signature", async () => {
    const channel = await createChannel({ name: "main stage over SRT", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");
    const [endpoint] = channel.ingest;

    const pusher = call(endpoint!, endpoint!.passphrase, 20);
    expect(await pusher.done).toBe(0);

    const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: apiKey })).body;
    await expectLadderSegments(playback, work, "srt");
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    const stopped = await waitForState(channel.id, "STOPPED");
    const bucket = (await readdir(join(runtime.dataDir, "buckets")))[0]!;
    const recorded = await readdir(join(runtime.dataDir, "buckets", bucket, "recordings", channel.id, String(stopped.sessionId), "720p"));
    expect(recorded.filter((name) => name.endsWith(".ts")).length).toBeGreaterThanOrEqual(8);
   }, 90_000);

  it("refuses a wrong passphrase in the handshake: the encoder cannot connect, nothing is encoded, the channel reports no input", async () => {
    const channel = await createChannel({ name: "wrong key", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");

    const pusher = call(channel.ingest[0]!, "not-the-channel-passphrase", 4, { width: 320, height: 240 });
    const lost = await waitForChannel(channel.id, (state) => typeof state.inputLostSince === "string");

    expect(await pusher.done).not.toBe(0);
    expect(lost.state).toBe("RUNNING");
    expect(await liveSegments(channel.id, "240p")).toEqual([]);
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    await waitForState(channel.id, "STOPPED");
  });

  it("drops an encoder outside the allow-list, passphrase or not", async () => {
    const channel = await createChannel({ name: "fenced", allowCidrs: ["203.0.113.0/24"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");

    const pusher = call(channel.ingest[0]!, channel.ingest[0]!.passphrase, 3, { width: 320, height: 240 });

    expect(await pusher.done).not.toBe(0);
    expect(await liveSegments(channel.id, "240p")).toEqual([]);
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    await waitForState(channel.id, "STOPPED");
  });

  it("takes a STANDARD channel's second endpoint alone, as its redundant ingest", async () => {
    const channel = await createChannel({ name: "backup uplink", redundancy: "STANDARD", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");

    const pusher = call(channel.ingest[1]!, channel.ingest[1]!.passphrase, 10, { width: 640, height: 360 });
    expect(await pusher.done).toBe(0);
    await eventually(async () => ((await liveSegments(channel.id, "240p")).length >= 2 ? true : undefined));

    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    await waitForState(channel.id, "STOPPED");
  });

  it("never printed a passphrase, even at DEBUG", async () => {
    const channels = (await runtime.api("GET", "/channels", { token: apiKey })).body.channels as { ingest: SrtEndpoint[] }[];
    const passphrases = channels.flatMap((channel) => channel.ingest.map((endpoint) => endpoint.passphrase));

    expect(passphrases.length).toBeGreaterThan(0);
    const printed = written.join("");
    expect(printed.length).toBeGreaterThan(0);
    for (const passphrase of passphrases) expect(printed).not.toContain(passphrase);
  });
});
