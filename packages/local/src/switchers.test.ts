import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Architecture } from "@visionstream/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "./eventbridge/bus.ts";
import { accountSecret, writeSecret } from "./secrets/secrets.ts";
import { captureSrt, localArchitecture, pushSrt, stopChild, wholeFrames } from "../testing/mediaconnect.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";

const run = promisify(execFile);
const INGEST_PORTS = [26001, 26002, 26003];
const OUTPUT_PORTS: [number, number] = [26101, 26102];
const PASSPHRASES = ["stage-a-passphrase-1", "stage-b-passphrase-2", "stage-c-passphrase-3"];
/** Each ingest sends a picture of its own size, so the output's frames tell which one is on air. */
const SIZES = ["416x234", "320x180", "256x144"];
const GOP_MS = 1_000;

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let apiKey: string;
let switcherId: string;
let work: string;
const events: BusEvent[] = [];
const pushers: ReturnType<typeof pushSrt>[] = [];

const call = (method: string, path: string, json?: unknown) => runtime.api(method, path, { token: apiKey, ...(json !== undefined ? { json } : {}) });

async function outputFrames(file: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=dts", "-of", "csv=p=0", file]);
  const { stdout: frames } = await run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "frame=width", "-of", "csv=p=0", file]);
  const { stderr } = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"]);
  return {
    dts: stdout.trim().split("\n").map((line) => Number.parseInt(line, 10)).filter(Number.isFinite),
    widths: frames.trim().split("\n").map((line) => Number.parseInt(line, 10)).filter((width) => width > 0),
    errors: stderr.split("\n").filter(Boolean),
  };
}

describe("switcher on the local runtime", () => {
  beforeAll(async () => {
    runtime = await startTestRuntime();
    runtime.bus.subscribe("test", { source: ["visionstream"] }, async (event) => void events.push(event));
    work = await mkdtemp(join(tmpdir(), "switcher-"));
    const account = await activeAccount(runtime, "festival");
    apiKey = account.apiKey;
    for (const [index, passphrase] of PASSPHRASES.entries()) await writeSecret(runtime.dataDir, accountSecret(account.accountId, `switcher/test/stage-${"abc"[index]}`), passphrase);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pushers.map(stopChild));
    await runtime?.cleanup();
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  it("answers an invalid architecture file with 400 and every fault at its path", async () => {
    const architecture = localArchitecture(INGEST_PORTS, OUTPUT_PORTS) as Architecture & Record<string, unknown>;
    const invalid = {
      ...architecture,
      ingests: [architecture.ingests[0], { ...architecture.ingests[1], port: INGEST_PORTS[0], allowCidr: "everyone" }, { ...architecture.ingests[2], region: "mars", colour: "red" }],
    };

    const answer = await call("POST", "/switchers", invalid);

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    expect(answer.body.error.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "ingests[1].allowCidr" }),
        expect.objectContaining({ field: "ingests[2].colour", message: "is not a field of the architecture file" }),
      ]),
    );
    const sameShape = await call("POST", "/switchers", { ...invalid, ingests: [architecture.ingests[0], { ...architecture.ingests[1], port: INGEST_PORTS[0] }, { ...architecture.ingests[2], region: "mars" }] });
    expect(sameShape.status).toBe(400);
    expect(sameShape.body.error.details.issues).toEqual([
      expect.objectContaining({ field: "ingests[2].region", message: 'no region "mars" in regions' }),
      expect.objectContaining({ field: "ingests[1].port", message: `port ${INGEST_PORTS[0]} is also used by ingests[0]` }),
    ]);
  });

  it("creates the switcher and refuses a contributor with the wrong passphrase", async () => {
    const created = await call("POST", "/switchers", localArchitecture(INGEST_PORTS, OUTPUT_PORTS, "festival"));
    expect(created.status).toBe(201);
    switcherId = created.body.switcher.id;
    expect(created.body.switcher.applyState).toBe("APPLYING");
    await runtime.bus.idle();
    expect(created.body.switcher).toMatchObject({ name: "festival", live: "stage-a", preview: "stage-b" });

    const intruder = pushSrt({ port: INGEST_PORTS[0]!, passphrase: "not-the-passphrase", picture: "testsrc2=size=320x180:rate=30" });
    const code = await new Promise<number | null>((resolve) => intruder.once("exit", (exitCode) => resolve(exitCode)));

    expect(code).not.toBe(0);
    const { body } = await call("GET", `/switchers/${switcherId}`);
    expect(body.switcher.ingests[0].health).toMatchObject({ connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null });
    expect(JSON.stringify(body)).not.toContain(PASSPHRASES[0]);
  }, 30_000);

  it("makes twenty clean switches and takes: the live output decodes without an error, its timeline never jumps, each switch lands within a GOP + 200 ms", async () => {
    INGEST_PORTS.forEach((port, index) => pushers.push(pushSrt({ port, passphrase: PASSPHRASES[index]!, picture: `testsrc2=size=${SIZES[index]}:rate=30` })));
    const health = await eventually(
      async () => {
        const { body } = await call("GET", `/switchers/${switcherId}`);
        const sending = (ingest: { health: { connected: boolean; bitrateKbps: number; lastKeyframeAgeMs: number | null } }) =>
          ingest.health.connected && ingest.health.lastKeyframeAgeMs !== null && ingest.health.bitrateKbps > 500;
        return body.switcher.ingests.every(sending) ? body.switcher.ingests : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    for (const ingest of health) expect(ingest.health.lastKeyframeAgeMs).toBeLessThan(2_000);
    const captureFile = join(work, "live.ts");
    const capture = captureSrt(OUTPUT_PORTS[0], captureFile);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const landed: number[] = [];
    const order = ["take", "stage-c", "take", "stage-b", "take", "stage-a"];
    for (let index = 0; index < 20; index++) {
      const step = order[index % order.length]!;
      const answer = step === "take" ? await call("POST", `/switchers/${switcherId}/take`, { mode: "clean" }) : await call("POST", `/switchers/${switcherId}/live`, { ingestId: step, mode: "clean" });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const made = step === "take" ? answer.body.switches[0] : answer.body.switch;
      expect(made.mode).toBe("clean");
      landed.push(made.landedAfterMs);
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stopChild(capture.child);
    await capture.done;

    expect(Math.max(...landed)).toBeLessThanOrEqual(GOP_MS + 200);
    const trimmed = join(work, "live-whole.ts");
    await writeFile(trimmed, wholeFrames(await readFile(captureFile)));
    const output = await outputFrames(trimmed);
    expect(output.errors).toEqual([]);
    const steps = output.dts.slice(1).map((dts, index) => dts - output.dts[index]!);
    expect(Math.min(...steps)).toBeGreaterThan(0);
    expect(Math.max(...steps)).toBeLessThanOrEqual(3_000);
    const runs = output.widths.filter((width, index) => index === 0 || width !== output.widths[index - 1]);
    expect(runs.length).toBeGreaterThanOrEqual(20);
    const switched = events.filter((event) => event["detail-type"] === "StreamSwitched" && (event.detail as { bus: string }).bus === "live");
    expect(switched.length).toBeGreaterThanOrEqual(20);
    const { body } = await call("GET", `/switchers/${switcherId}/events`);
    expect(body.events[0]).toMatchObject({ bus: expect.any(String), mode: expect.any(String), reason: expect.any(String) });
  }, 120_000);

  it("cuts within 200 ms of the call", async () => {
    const landed: number[] = [];
    for (const ingestId of ["stage-b", "stage-c", "stage-a"]) {
      const answer = await call("POST", `/switchers/${switcherId}/live`, { ingestId, mode: "cut" });
      expect(answer.status).toBe(200);
      expect(answer.body.switch.mode).toBe("cut");
      landed.push(answer.body.switch.landedAfterMs);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(Math.max(...landed)).toBeLessThanOrEqual(200);
  }, 30_000);

  it("refuses to put on air an ingest that sends nothing, and one the file does not have", async () => {
    await stopChild(pushers[2]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const silent = await call("POST", `/switchers/${switcherId}/live`, { ingestId: "stage-c", mode: "clean" });
    const unknown = await call("POST", `/switchers/${switcherId}/preview`, { ingestId: "stage-z" });

    const stranger = await activeAccount(runtime, "another festival");
    const theirs = (method: string, path: string, json?: unknown) => runtime.api(method, path, { token: stranger.apiKey, ...(json !== undefined ? { json } : {}) });
    for (const [method, path, json] of [
      ["GET", `/switchers/${switcherId}`],
      ["GET", `/switchers/${switcherId}/events`],
      ["POST", `/switchers/${switcherId}/live`, { ingestId: "stage-a", mode: "cut" }],
      ["POST", `/switchers/${switcherId}/take`, { mode: "cut" }],
      ["PUT", `/switchers/${switcherId}/schedule`, []],
      ["DELETE", `/switchers/${switcherId}`],
    ] as const)
      expect((await theirs(method, path, json)).status, `${method} ${path}`).toBe(404);
    expect((await theirs("GET", "/switchers")).body.switchers).toEqual([]);
    const borrowing = await theirs("POST", "/switchers", localArchitecture([26004, 26005, 26006], [26103, 26104], "borrowed passphrases"));
    expect(borrowing.status, "another account's secret names resolve in its own namespace").toBe(400);
    expect(borrowing.body.error.details.issues[0].field).toMatch(/^ingests\[[0-2]\]\.passphraseSecret$/);

    expect(silent.status).toBe(409);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0].field).toBe("ingestId");
  }, 30_000);
});
