/**
 * The stream switcher on this machine, with three contributors pushing pictures of their own with ffmpeg over SRT:
 * (a) per switch, the time from the API call to the first packet of the new ingest on the live output, as the relay
 * measures it, and what an SRT receiver of the output sees; (b) decode errors and the video timeline of the captured
 * output, for clean switches and for cuts; (c) the relay's throughput in Mb/s per core of CPU, against
 * srt-live-transmit relaying the same stream.
 */
import { type ChildProcess, execFile, spawn, type StdioOptions } from "node:child_process";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BusRelay, hasPayload, IngestTap, OUTPUT_PMT_PID, OUTPUT_VIDEO_PID, PACKET_SIZE, payloadOffset, payloadUnitStart, pidOf, randomAccess, SYNC_BYTE } from "@visionstream/mpegts";
import { children, clockTicks, loadAverage, median } from "../common.ts";

// The bus logs every event it routes; the figures are what this prints.
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
const { trackChild } = await import("@visionstream/local/child-processes");
const { accountSecret, writeSecret } = await import("@visionstream/local/secrets/secrets");
const { SrtIngest, SrtOutput } = await import("@visionstream/local/mediaconnect/srt-processes");
const { captureSrt, localArchitecture, pushSrt, stopChild, wholeFrames } = await import("@visionstream/local/testing/mediaconnect");
const { eventually, startTestRuntime, TEST_ADMIN_TOKEN } = await import("@visionstream/local/testing/runtime");

const run = promisify(execFile);
const INGEST_PORTS = [29001, 29002, 29003];
const OUTPUT_PORTS: [number, number] = [29101, 29102];
const PASSPHRASES = ["bench-stage-a-passphrase", "bench-stage-b-passphrase", "bench-stage-c-passphrase"];
/** Three pictures of their own, each of its own width, so the output's frames tell which ingest is on air. */
const PICTURES = ["testsrc2=size=640x360:rate=30", "smptebars=size=480x270:rate=30", "testsrc=size=320x180:rate=30"];
const GOP_MS = 1_000;
const FRAME_TICKS = 3_000;
const SWITCHES = 20;
const SOURCE_SECONDS = 20;
/** SRT chunk: seven TS packets, as encoders send. */
const CHUNK = 7 * 188;
/** The rate both SRT relays are fed at: about five times the 1080p stream's own. */
const SRT_RATE_MBPS = 100;
const RUNS = 3;
const cores = availableParallelism();
/** Only part (c): the relay's throughput, without the switches through the runtime. */
const throughputOnly = process.argv.includes("--throughput-only");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const percentile = (values: number[], share: number) => sorted(values)[Math.max(0, Math.ceil(share * values.length) - 1)] ?? Number.NaN;
const ms = (value: number) => value.toFixed(0);

// Whatever happens, no child and no temporary directory outlives the benchmark (tracked children die on "exit").
const temporaries: string[] = [];
process.on("exit", () => temporaries.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => process.exit(130));

const work = await mkdtemp(join(tmpdir(), "visionstream-bench-switcher-"));
temporaries.push(work);

function spawnTracked(command: string, args: string[], stdio: StdioOptions): ChildProcess {
  const child = spawn(command, args, { stdio });
  trackChild(child);
  child.stderr?.resume();
  return child;
}

/** CPU seconds a live process has used so far (utime + stime of /proc/<pid>/stat); 0 once it is gone. */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** The PIDs of this process's children whose command line contains `text`. */
const childPids = (text: string) => children().filter((child) => child.commandLine.includes(text)).map((child) => child.pid);

const LARGE_OUTPUT = { maxBuffer: 64 * 1024 * 1024 };

async function decodeErrors(file: string): Promise<string[]> {
  const { stderr } = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"], LARGE_OUTPUT);
  return stderr.split("\n").filter(Boolean);
}

/** Where decode errors fall: the video frame each precedes (decoded on one thread, so in order), and its distance to the nearest picture change. */
async function locateErrors(file: string) {
  const { stderr } = await run(
    "ffmpeg",
    ["-hide_banner", "-nostats", "-loglevel", "level+info", "-threads", "1", "-i", file, "-map", "0:v", "-vf", "showinfo", "-f", "null", "-"],
    LARGE_OUTPUT,
  );
  const errors: { frame: number; line: string }[] = [];
  const changes: number[] = [];
  let pending: string[] = [];
  let frame = 0;
  let width: number | undefined;
  for (const line of stderr.split("\n")) {
    const shown = / n:\s*\d+ .* s:(\d+)x\d+/.exec(line);
    if (shown) {
      if (width !== undefined && Number(shown[1]) !== width) changes.push(frame);
      width = Number(shown[1]);
      errors.push(...pending.map((error) => ({ frame, line: error })));
      pending = [];
      frame++;
    } else if (line.includes("[error]")) pending.push(line);
  }
  const nearest = (at: number) => changes.reduce((best, change) => (Math.abs(at - change) < Math.abs(best) ? at - change : best), Number.POSITIVE_INFINITY);
  return errors.map((error) => ({ ...error, fromChange: nearest(error.frame) }));
}

/** "in 2 frames, each the frame just before a picture change" */
function describeErrorFrames(located: { frame: number; fromChange: number }[]): string {
  const frames = new Map(located.map((error) => [error.frame, error.fromChange]));
  const offsets = [...new Set(frames.values())].sort((a, b) => a - b);
  const where = offsets.map((offset) => (offset === -1 ? "the frame just before" : offset === 0 ? "the first frame of" : `${offset} frames from`)).join(" or ");
  return `in ${frames.size} frame${frames.size === 1 ? "" : "s"}, each ${where} a picture change`;
}

/** The relay numbers every output PID without a gap: a gap in a capture is a packet lost between the relay and the receiver. */
function continuityGaps(capture: Buffer): number {
  const last = new Map<number, number>();
  let gaps = 0;
  for (const packet of packetsOf(capture).packets) {
    if (!hasPayload(packet)) continue;
    const pid = pidOf(packet);
    const counter = packet[3]! & 0x0f;
    const previous = last.get(pid);
    if (previous !== undefined && counter !== ((previous + 1) & 0x0f)) gaps++;
    last.set(pid, counter);
  }
  return gaps;
}

/** A captured output: trimmed to whole frames (kept at `trimmed`), its decode errors, continuity gaps and video timeline. */
async function analysed(file: string, trimmed: string) {
  const capture = await readFile(file);
  await writeFile(trimmed, wholeFrames(capture));
  return { capture, trimmed, errors: await decodeErrors(trimmed), gaps: continuityGaps(capture), timeline: await videoTimeline(trimmed) };
}

async function videoTimeline(file: string) {
  const probe = (entries: string) => run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", entries, "-of", "csv=p=0", file], LARGE_OUTPUT);
  const numbers = (text: string) => text.trim().split("\n").map((line) => Number.parseInt(line, 10)).filter(Number.isFinite);
  const dts = numbers((await probe("packet=dts")).stdout);
  const widths = numbers((await probe("frame=width")).stdout).filter((width) => width > 0);
  const steps = dts.slice(1).map((value, index) => value - dts[index]!);
  return {
    frames: dts.length,
    minStep: Math.min(...steps),
    maxStep: Math.max(...steps),
    /** How many times the picture on air changed. */
    pictureChanges: widths.filter((width, index) => index > 0 && width !== widths[index - 1]).length,
  };
}

/** The TS packets of a capture, aligned on its first sync byte. */
function packetsOf(capture: Buffer): { start: number; packets: Buffer[] } {
  const start = Math.max(0, capture.indexOf(SYNC_BYTE));
  const packets: Buffer[] = [];
  for (let at = start; at + PACKET_SIZE <= capture.length; at += PACKET_SIZE) packets.push(capture.subarray(at, at + PACKET_SIZE));
  return { start, packets };
}

/** The SPS of the keyframe this video packet starts, if it starts one: each ingest's picture size gives it an SPS of its own. */
function spsOf(packet: Buffer): string | undefined {
  const from = payloadOffset(packet);
  if (from < 0) return undefined;
  for (let at = packet.indexOf(Buffer.from([0, 0, 1]), from); at >= 0 && at + 3 < packet.length; at = packet.indexOf(Buffer.from([0, 0, 1]), at + 3)) {
    if ((packet[at + 3]! & 0x1f) !== 7) continue;
    const end = packet.indexOf(Buffer.from([0, 0, 1]), at + 3);
    return packet.subarray(at + 3, end < 0 ? packet.length : end).toString("hex");
  }
  return undefined;
}

/** Watches the output as an SRT receiver gets it, noting when a keyframe of another picture arrives. */
function pictureArrivals() {
  const arrivals: number[] = [];
  let rest = Buffer.alloc(0);
  let lastSps: string | undefined;
  let bytes = 0;
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
    const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let at = 0;
    while (at + PACKET_SIZE <= data.length) {
      if (data[at] !== SYNC_BYTE) {
        at++;
        continue;
      }
      const packet = data.subarray(at, at + PACKET_SIZE);
      at += PACKET_SIZE;
      if (pidOf(packet) !== OUTPUT_VIDEO_PID || !payloadUnitStart(packet)) continue;
      const sps = spsOf(packet);
      if (sps === undefined || sps === lastSps) continue;
      if (lastSps !== undefined) arrivals.push(performance.now());
      lastSps = sps;
    }
    rest = Buffer.from(data.subarray(at));
  };
  return { onData, arrivals, bytes: () => bytes };
}

/**
 * The capture cut into one piece per switch, each from the last keyframe before the switch was asked for (with the
 * PAT and PMT before it) to the next piece, so that the frames a cut damages fall into that switch's piece.
 */
function switchWindows(capture: Buffer, requestOffsets: number[]): Buffer[] {
  const { start, packets } = packetsOf(capture);
  const keyframes: number[] = [];
  packets.forEach((packet, index) => pidOf(packet) === OUTPUT_VIDEO_PID && randomAccess(packet) && keyframes.push(index));
  const starts = requestOffsets.map((offset) => {
    const index = Math.floor((offset - start) / PACKET_SIZE);
    return keyframes.filter((keyframe) => keyframe <= index).at(-1);
  });
  return starts.map((from, switchIndex) => {
    const to = starts.slice(switchIndex + 1).find((next) => next !== undefined && from !== undefined && next > from) ?? packets.length;
    if (from === undefined || starts.slice(switchIndex + 1).some((next) => next === from)) return Buffer.alloc(0);
    const before = packets.slice(0, from);
    const pat = before.findLast((packet) => pidOf(packet) === 0);
    const pmt = before.findLast((packet) => pidOf(packet) === OUTPUT_PMT_PID);
    if (!pat || !pmt) return Buffer.alloc(0);
    return wholeFrames(Buffer.concat([pat, pmt, ...packets.slice(from, to)]));
  });
}

/** 20 s of 1080p30 test picture and tone at 20 Mb/s (x264 ultrafast, GOP 1 s), in MPEG-TS, made once and kept. */
async function highRateSource(): Promise<string> {
  const dir = join(tmpdir(), "visionstream-bench");
  const path = join(dir, `switcher-source-${SOURCE_SECONDS}s-1080p30-20M.ts`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  console.log(`generating ${path} ...`);
  await run("ffmpeg", [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-y"],
    ...["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(SOURCE_SECONDS)],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-b:v", "20M", "-maxrate", "20M", "-bufsize", "20M", "-g", "30", "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-b:a", "192k", "-f", "mpegts", `${path}.part`],
  ]);
  await rename(`${path}.part`, path);
  return path;
}

interface SwitchMade {
  via: "live" | "take";
  ingestId: string;
  mode: string;
  landedAfterMs: number;
  callMs: number;
  requestedAt: number;
  /** Bytes the SRT receiver of the output had got when the switch was asked for. */
  captureOffset: number;
  /** When the target's next keyframe was due, from the request. */
  keyframeDueMs: number;
  note?: string;
}

async function switcherRuns() {
  const runtime = await startTestRuntime();
  temporaries.push(runtime.dataDir);
  const pushers: ChildProcess[] = [];
  try {
    const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name: "bench" } });
    const apiKey: string = created.body.apiKey;
    await eventually(async () => ((await runtime.accounts.get(created.body.account.id)).status === "ACTIVE" ? true : undefined), { timeoutMs: 20_000 });
    for (const [index, passphrase] of PASSPHRASES.entries()) await writeSecret(runtime.dataDir, accountSecret(created.body.account.id, `switcher/test/stage-${"abc"[index]}`), passphrase);
    const call = (method: string, path: string, json?: unknown) => runtime.api(method, path, { token: apiKey, ...(json !== undefined ? { json } : {}) });
    const made = await call("POST", "/switchers", localArchitecture(INGEST_PORTS, OUTPUT_PORTS, "bench"));
    if (made.status !== 201) throw new Error(`switcher not created: ${JSON.stringify(made.body)}`);
    const switcherId: string = made.body.switcher.id;
    let onAir = { live: made.body.switcher.live as string, preview: made.body.switcher.preview as string };
    const ingestIds = INGEST_PORTS.map((_, index) => `stage-${"abc"[index]}`);

    INGEST_PORTS.forEach((port, index) => pushers.push(pushSrt({ port, passphrase: PASSPHRASES[index]!, picture: PICTURES[index]! })));
    await eventually(
      async () => {
        const { body } = await call("GET", `/switchers/${switcherId}`);
        const ingests: { health: { connected: boolean; lastKeyframeAgeMs: number | null } }[] = body.switcher.ingests;
        return ingests.every((ingest) => ingest.health.connected && ingest.health.lastKeyframeAgeMs !== null) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );

    /** When the ingest's last keyframe arrived, on this process's clock (the switcher reports its age). */
    async function lastKeyframeAt(ingestId: string): Promise<number> {
      const before = performance.now();
      const { body } = await call("GET", `/switchers/${switcherId}`);
      const ingests: { id: string; health: { lastKeyframeAgeMs: number | null } }[] = body.switcher.ingests;
      const age = ingests.find((ingest) => ingest.id === ingestId)?.health.lastKeyframeAgeMs;
      if (age === null || age === undefined) throw new Error(`${ingestId} has sent no keyframe`);
      return (before + performance.now()) / 2 - age;
    }

    let lastCallEnded = performance.now();
    /**
     * One switch through the API, asked for at least 800 ms after the last answer, at a point of the target's GOP of
     * its own: switch i comes (i * 7 mod 20) + 0.5 twentieths of a GOP after the target's keyframe, so the twenty
     * cover the GOP evenly, from just after a keyframe (the longest wait) to just before one.
     */
    async function switchOnce(index: number, via: "live" | "take", mode: "clean" | "cut", ingestId: string, receivedBytes: () => number): Promise<SwitchMade> {
      const phase = (((index * 7) % SWITCHES) + 0.5) * (GOP_MS / SWITCHES);
      const keyframe = await lastKeyframeAt(ingestId);
      const earliest = lastCallEnded + 800;
      await sleep(keyframe + phase + Math.ceil((earliest - keyframe - phase) / GOP_MS) * GOP_MS - performance.now());
      const captureOffset = receivedBytes();
      const requestedAt = performance.now();
      const answer = via === "take" ? await call("POST", `/switchers/${switcherId}/take`, { mode }) : await call("POST", `/switchers/${switcherId}/live`, { ingestId, mode });
      lastCallEnded = performance.now();
      const callMs = lastCallEnded - requestedAt;
      if (answer.status !== 200) throw new Error(`switch ${index + 1} (${via} ${ingestId} ${mode}) answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      const entry = via === "take" ? answer.body.switches[0] : answer.body.switch;
      onAir = { live: answer.body.switcher.live, preview: answer.body.switcher.preview };
      const keyframeDueMs = GOP_MS - ((((requestedAt - keyframe) % GOP_MS) + GOP_MS) % GOP_MS);
      return { via, ingestId: entry.ingestId, mode: entry.mode, landedAfterMs: entry.landedAfterMs, callMs, requestedAt, captureOffset, keyframeDueMs, ...(entry.note ? { note: entry.note } : {}) };
    }

    async function captured(name: string, makeSwitches: (receivedBytes: () => number) => Promise<SwitchMade[]>) {
      const file = join(work, `${name}.ts`);
      const watch = pictureArrivals();
      const capture = captureSrt(OUTPUT_PORTS[0], file, watch.onData);
      try {
        await eventually(async () => (watch.bytes() > 0 ? true : undefined), { timeoutMs: 5_000 });
        await sleep(1_500);
        const switches = await makeSwitches(watch.bytes);
        await sleep(1_500);
        return { file, switches, arrivals: watch.arrivals };
      } finally {
        await stopChild(capture.child);
        await capture.done;
      }
    }

    console.log(`(a) ${SWITCHES} clean switches, alternately a take and /live to the third ingest, on the live output:`);
    const clean = await captured("clean", async (receivedBytes) => {
      const switches: SwitchMade[] = [];
      for (let index = 0; index < SWITCHES; index++) {
        const third = ingestIds.find((id) => id !== onAir.live && id !== onAir.preview);
        const made = index % 2 === 0 && onAir.preview !== onAir.live ? await switchOnce(index, "take", "clean", onAir.preview, receivedBytes) : await switchOnce(index, "live", "clean", third ?? ingestIds.find((id) => id !== onAir.live)!, receivedBytes);
        console.log(`  ${String(index + 1).padStart(2)} ${made.via.padEnd(4)} -> ${made.ingestId}: ${made.mode}, landed after ${made.landedAfterMs} ms (its keyframe due after ${ms(made.keyframeDueMs)} ms), call ${ms(made.callMs)} ms${made.note ? ` (${made.note})` : ""}`);
        switches.push(made);
      }
      return switches;
    });
    const { trimmed: cleanTrimmed, errors: cleanErrors, gaps: cleanGaps, timeline: cleanTimeline } = await analysed(clean.file, join(work, "clean-whole.ts"));
    const received = clean.switches.map((made) => {
      const arrival = clean.arrivals.find((at) => at > made.requestedAt);
      return arrival === undefined ? Number.NaN : arrival - made.requestedAt;
    });
    const cleanErrorsAt = cleanErrors.length > 0 ? await locateErrors(cleanTrimmed) : [];
    for (const { frame, fromChange, line } of cleanErrorsAt.slice(0, 10)) console.log(`  decode error at video frame ${frame}, ${fromChange} from the nearest picture change: ${line}`);

    console.log(`(b) ${SWITCHES} cuts with /live, each to the next ingest:`);
    const cut = await captured("cut", async (receivedBytes) => {
      const switches: SwitchMade[] = [];
      for (let index = 0; index < SWITCHES; index++) {
        const next = ingestIds[(ingestIds.indexOf(onAir.live) + 1) % ingestIds.length]!;
        const made = await switchOnce(index, "live", "cut", next, receivedBytes);
        console.log(`  ${String(index + 1).padStart(2)} live -> ${made.ingestId}: ${made.mode}, landed after ${made.landedAfterMs} ms (${ms(GOP_MS - made.keyframeDueMs)} ms into its GOP), call ${ms(made.callMs)} ms${made.note ? ` (${made.note})` : ""}`);
        switches.push(made);
      }
      return switches;
    });
    const { capture: cutCapture, errors: cutErrors, gaps: cutGaps, timeline: cutTimeline } = await analysed(cut.file, join(work, "cut-whole.ts"));
    const perSwitch: number[] = [];
    for (const [index, window] of switchWindows(cutCapture, cut.switches.map((made) => made.captureOffset)).entries()) {
      const file = join(work, `cut-switch-${index + 1}.ts`);
      await writeFile(file, window);
      perSwitch.push(window.length === 0 ? 0 : (await decodeErrors(file)).length);
    }
    console.log(`  decode error lines per switch window: ${perSwitch.join(" ")}`);
    return { clean, cleanErrors, cleanErrorsAt, cleanGaps, cleanTimeline, received, cut, cutErrors, cutGaps, cutTimeline, perSwitch };
  } finally {
    await Promise.all(pushers.map(stopChild));
    await runtime.cleanup();
  }
}

/** Our relay alone, in this process: the file pushed through IngestTap and BusRelay as fast as they go, to a writer that counts. */
function inProcessRun(source: Buffer, buses: number) {
  const tap = new IngestTap("bench");
  let bytesOut = 0;
  const relays = Array.from({ length: buses }, () => new BusRelay((chunk) => void (bytesOut += chunk.length)));
  for (const relay of relays) relay.select(tap);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let at = 0; at < source.length; at += CHUNK) {
    const packets = tap.push(source.subarray(at, at + CHUNK));
    for (const relay of relays) relay.accept(tap, packets);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpuBefore);
  const cpuSeconds = (user + system) / 1e6;
  const bits = source.length * 8;
  if (bytesOut < source.length * buses * 0.95) throw new Error(`the relay forwarded ${bytesOut} bytes of ${source.length * buses}`);
  return { mbps: bits / wallSeconds / 1e6, perCore: bits / cpuSeconds / 1e6 };
}

/** Paces a file into its stdout at a fixed rate, then stays open (an SRT sender ends its connection on EOF). */
const PACER = `
const fs = require("node:fs");
const [file, mbps] = [process.argv[1], Number(process.argv[2])];
const fd = fs.openSync(file, "r");
const block = Buffer.alloc(${CHUNK} * 16);
const bytesPerMs = (mbps * 1e6) / 8 / 1000;
const started = performance.now();
let sent = 0;
function tick() {
  while (sent < (performance.now() - started) * bytesPerMs) {
    const read = fs.readSync(fd, block, 0, block.length, null);
    if (read === 0) return setInterval(() => {}, 60000);
    sent += read;
    if (!process.stdout.write(Buffer.from(block.subarray(0, read)))) return process.stdout.once("drain", tick);
  }
  setTimeout(tick, 1);
}
tick();
`;

interface RelayUnderTest {
  /** CPU seconds the relay's processes have used so far, by process. */
  cpuSeconds(): Record<string, number>;
  /** Whether its SRT output has accepted the receiver. */
  receiverAccepted(): boolean;
  stop(): Promise<void>;
}

/**
 * An SRT sender fed at SRT_RATE_MBPS → the relay under test (SRT listener in, with the ingest's passphrase; SRT
 * listener out) → an SRT receiver writing to a file. The relay's CPU counts up to the last byte received.
 */
async function throughSrt(source: string, relay: RelayUnderTest) {
  const receivedFile = join(work, "received.ts");
  const fd = openSync(receivedFile, "w");
  const children: ChildProcess[] = [];
  try {
    let receiver: ChildProcess | undefined;
    for (let attempt = 0; attempt < 10 && !relay.receiverAccepted(); attempt++) {
      if (!receiver || receiver.exitCode !== null) {
        receiver = spawnTracked("srt-live-transmit", ["-q", "-chunk", String(CHUNK), `srt://127.0.0.1:${OUTPUT_PORTS[0]}?mode=caller`, "file://con"], ["ignore", fd, "pipe"]);
        children.push(receiver);
      }
      await sleep(300);
    }
    if (!relay.receiverAccepted()) throw new Error("the SRT receiver could not connect to the relay's output");
    const pacer = spawnTracked(process.execPath, ["-e", PACER, source, String(SRT_RATE_MBPS)], ["ignore", "pipe", "pipe"]);
    children.push(pacer);
    const sender = spawnTracked(
      "srt-live-transmit",
      ["-q", "-chunk", String(CHUNK), "file://con", `srt://127.0.0.1:${INGEST_PORTS[0]}?mode=caller&passphrase=${PASSPHRASES[0]}`],
      [pacer.stdout!, "ignore", "pipe"],
    );
    children.push(sender);
    const cpuBefore = relay.cpuSeconds();
    const started = performance.now();
    let size = 0;
    let last = { at: started, cpu: cpuBefore };
    while (performance.now() - last.at < (size === 0 ? 10_000 : 1_000)) {
      await sleep(50);
      const now = fstatSync(fd).size;
      if (now > size) {
        size = now;
        last = { at: performance.now(), cpu: relay.cpuSeconds() };
      }
      if (sender.exitCode !== null) throw new Error(`the SRT sender exited with ${sender.exitCode}`);
    }
    if (size === 0) throw new Error("nothing came through the relay");
    const bits = size * 8;
    const parts = Object.entries(last.cpu).map(([name, seconds]) => `${name} ${(seconds - (cpuBefore[name] ?? 0)).toFixed(2)} s`);
    const cpuSeconds = Object.entries(last.cpu).reduce((sum, [name, seconds]) => sum + seconds - (cpuBefore[name] ?? 0), 0);
    return { mbps: bits / ((last.at - started) / 1000) / 1e6, perCore: bits / cpuSeconds / 1e6, delivered: size, cpuSeconds, parts: parts.join(" + ") };
  } finally {
    await Promise.all(children.map(stopChild));
    await relay.stop();
    closeSync(fd);
    await rm(receivedFile, { force: true });
  }
}

/** srt-live-transmit as the relay: one process, SRT in to SRT out. */
function srtLiveTransmitRelay(): RelayUnderTest {
  const lines: string[] = [];
  const child = spawn(
    "srt-live-transmit",
    ["-chunk", String(CHUNK), `srt://127.0.0.1:${INGEST_PORTS[0]}?mode=listener&passphrase=${PASSPHRASES[0]}&latency=120`, `srt://127.0.0.1:${OUTPUT_PORTS[0]}?mode=listener`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  trackChild(child);
  for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
  return {
    cpuSeconds: () => ({ "srt-live-transmit": processCpuSeconds(child.pid) }),
    receiverAccepted: () => lines.join("").includes("Accepted SRT target connection"),
    stop: () => stopChild(child),
  };
}

/** Ours, whole: SrtIngest (srt-live-transmit) → IngestTap → BusRelay → SrtOutput (srt-live-transmit); CPU of all three processes. */
function ourRelay(): RelayUnderTest & { written: () => number; dropped: () => number } {
  const tap = new IngestTap("bench");
  const output = new SrtOutput({ mode: "listener", port: OUTPUT_PORTS[0] });
  let written = 0;
  const relay = new BusRelay((chunk) => {
    written += chunk.length;
    output.write(chunk);
  });
  relay.select(tap);
  const ingest = new SrtIngest({ port: INGEST_PORTS[0]!, passphrase: PASSPHRASES[0]!, onData: (chunk) => relay.accept(tap, tap.push(chunk)) });
  output.start();
  ingest.start();
  // Looked up once: scanning /proc at every sample would be CPU of ours that the relay does not spend.
  const children: Record<"SrtIngest" | "SrtOutput", number[]> = { SrtIngest: [], SrtOutput: [] };
  const childCpuSeconds = (name: keyof typeof children, port: number) => {
    if (children[name].length === 0) children[name] = childPids(`:${port}?mode=listener`);
    return children[name].reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  };
  return {
    cpuSeconds: () => ({ node: ownCpuSeconds(), SrtIngest: childCpuSeconds("SrtIngest", INGEST_PORTS[0]!), SrtOutput: childCpuSeconds("SrtOutput", OUTPUT_PORTS[0]) }),
    receiverAccepted: () => output.stderrTail().some((line) => line.includes("Accepted SRT target connection")),
    written: () => written,
    dropped: () => output.stats().chunksDropped,
    stop: async () => {
      relay.close();
      await Promise.all([ingest.stop(), output.stop()]);
    },
  };
}

try {
  console.log(`load average before: ${loadAverage()} on ${cores} cores`);
  const switcher = throughputOnly ? undefined : await switcherRuns();

  const sourceFile = await highRateSource();
  const source = await readFile(sourceFile);
  const sourceMbps = (source.length * 8) / SOURCE_SECONDS / 1e6;
  console.log(`(c) relay throughput, ${SOURCE_SECONDS} s of 1080p30 at ${sourceMbps.toFixed(1)} Mb/s (${(source.length / 1e6).toFixed(0)} MB) from ${sourceFile}:`);
  inProcessRun(source, 1);
  const inProcess: Record<1 | 2, { mbps: number; perCore: number }[]> = { 1: [], 2: [] };
  for (let index = 0; index < RUNS; index++) {
    for (const buses of [1, 2] as const) {
      const result = inProcessRun(source, buses);
      inProcess[buses].push(result);
      console.log(`  ours in process, ${buses} bus${buses === 2 ? "es" : ""}: ${result.mbps.toFixed(0)} Mb/s, ${result.perCore.toFixed(0)} Mb/s per core`);
    }
  }
  const srtRuns: Record<"theirs" | "ours", number[]> = { theirs: [], ours: [] };
  for (let index = 0; index < RUNS; index++) {
    const theirs = await throughSrt(sourceFile, srtLiveTransmitRelay());
    srtRuns.theirs.push(theirs.perCore);
    const expected = Math.floor(source.length / CHUNK) * CHUNK;
    console.log(
      `  srt-live-transmit relay, fed at ${SRT_RATE_MBPS} Mb/s: ${theirs.mbps.toFixed(0)} Mb/s through, ${(theirs.delivered / expected * 100).toFixed(1)}% delivered, ` +
        `${theirs.cpuSeconds.toFixed(2)} s CPU -> ${theirs.perCore.toFixed(0)} Mb/s per core`,
    );
    const relay = ourRelay();
    const ours = await throughSrt(sourceFile, relay);
    srtRuns.ours.push(ours.perCore);
    console.log(
      `  ours SrtIngest -> relay -> SrtOutput, fed at ${SRT_RATE_MBPS} Mb/s: ${ours.mbps.toFixed(0)} Mb/s through, ${(ours.delivered / relay.written() * 100).toFixed(1)}% of what the relay wrote delivered ` +
        `(${relay.dropped()} writes dropped at SrtOutput's 2 MB backlog), ` +
        `${ours.cpuSeconds.toFixed(2)} s CPU (${ours.parts}) -> ${ours.perCore.toFixed(0)} Mb/s per core`,
    );
  }
  console.log(`load average after: ${loadAverage()}`);
  const ratio = median(inProcess[1].map((result) => result.perCore)) / median(srtRuns.theirs);
  const throughput =
    `relay throughput: ours ${median(inProcess[1].map((result) => result.perCore)).toFixed(0)} Mb/s per core (one bus), ${median(inProcess[2].map((result) => result.perCore)).toFixed(0)} (two buses), in process without SRT; ` +
    `srt-live-transmit ${median(srtRuns.theirs).toFixed(0)} Mb/s per core (SRT in and out, one process); ratio ${ratio.toFixed(2)}; ` +
    `ours with SRT in and out ${median(srtRuns.ours).toFixed(0)} Mb/s per core (node + 2 srt-live-transmit; ratio ${(median(srtRuns.ours) / median(srtRuns.theirs)).toFixed(2)}, medians of ${RUNS})`;
  if (switcher) printSwitches(switcher);
  console.log(throughput);
} finally {
  await rm(work, { recursive: true, force: true });
}

function printSwitches({ clean, cleanErrors, cleanErrorsAt, cleanGaps, cleanTimeline, received, cut, cutErrors, cutGaps, cutTimeline, perSwitch }: Awaited<ReturnType<typeof switcherRuns>>) {
  const cleanLanded = clean.switches.map((made) => made.landedAfterMs);
  const beyondKeyframe = clean.switches.map((made) => made.landedAfterMs - made.keyframeDueMs);
  const fellBack = clean.switches.filter((made) => made.mode !== "clean").length;
  const byVia = (via: string) => clean.switches.filter((made) => made.via === via).length;
  const cutLanded = cut.switches.map((made) => made.landedAfterMs);
  console.log(
    `clean switch: landed median ${ms(median(cleanLanded))} ms, p90 ${ms(percentile(cleanLanded, 0.9))} ms, max ${ms(Math.max(...cleanLanded))} ms ` +
      `(${SWITCHES} switches: ${byVia("live")} /live, ${byVia("take")} /take${fellBack ? `, ${fellBack} fell back to cut` : ""}; GOP ${GOP_MS} ms); ` +
      `median ${ms(median(beyondKeyframe))} ms after the target's next keyframe was due; ` +
      `API call median ${ms(median(clean.switches.map((made) => made.callMs)))} ms, max ${ms(Math.max(...clean.switches.map((made) => made.callMs)))} ms; ` +
      `new picture at the SRT receiver median ${ms(median(received))} ms after the call (includes SRT latency 120 ms)`,
  );
  const steady = cleanTimeline.minStep > 0 && cleanTimeline.maxStep <= FRAME_TICKS;
  console.log(
    `clean output: ${cleanErrors.length} decode errors${cleanErrors.length ? ` (${describeErrorFrames(cleanErrorsAt)})` : ""}, video DTS steps ${cleanTimeline.minStep}..${cleanTimeline.maxStep} ticks ` +
      `(${steady ? "never backwards, never more than one frame" : "NOT steady"}; ${cleanTimeline.frames} frames, ${cleanTimeline.pictureChanges} picture changes; ` +
      `${cleanGaps} continuity gaps on the SRT output leg)`,
  );
  console.log(
    `cut switch: landed median ${ms(median(cutLanded))} ms, max ${ms(Math.max(...cutLanded))} ms (${SWITCHES} switches); ` +
      `${cutErrors.length} decode error lines in the output (${(cutErrors.length / SWITCHES).toFixed(1)} per switch; per switch window median ${median(perSwitch)}, max ${Math.max(...perSwitch)}); ` +
      `video DTS steps ${cutTimeline.minStep}..${cutTimeline.maxStep} ticks; ${cutGaps} continuity gaps`,
  );
}
