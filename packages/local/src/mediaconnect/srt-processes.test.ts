import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { trackChild } from "../child-processes.ts";
import { parseMediaPlaylist } from "../medialive/media-playlist.ts";
import { type SyntheticSource, syntheticInputArgs } from "../../testing/medialive.ts";
import { HlsMonitor, InvalidSrtOptions, SrtIngest, SrtOutput } from "./srt-processes.ts";

const run = promisify(execFile);
const PASSPHRASE = "correct horse battery staple";
const ENCODE = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts"];

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function ffmpeg(args: string[]): ChildProcess {
  const child = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  cleanups.push(() => void child.kill("SIGKILL"));
  return child;
}

const exitCode = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("close", (code) => resolve(code))));

const source = (seconds: number, extra: Partial<SyntheticSource> = {}): SyntheticSource => ({ seconds, width: 640, height: 360, realtime: true, ...extra });

function publish(port: number, passphrase: string | undefined, seconds = 2) {
  const query = passphrase === undefined ? "" : `?passphrase=${passphrase}`;
  return exitCode(ffmpeg([...syntheticInputArgs(source(seconds)), ...ENCODE, `srt://127.0.0.1:${port}${query}`]));
}

/** A camera's TS on stdout, as the relay would hand it over. */
const camera = (seconds: number, extra: Partial<SyntheticSource> = {}, outputArgs: string[] = []) =>
  ffmpeg([...syntheticInputArgs(source(seconds, extra)), ...ENCODE, ...outputArgs, "pipe:1"]);

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Packets counted from the first offset where 0x47 repeats every 188 bytes to the end; 0 when the bytes are not TS. */
function alignedPackets(bytes: Buffer): number {
  for (let offset = 0; offset < Math.min(188, bytes.length); offset++) {
    let packets = 0;
    while (offset + (packets + 1) * 188 <= bytes.length && bytes[offset + packets * 188] === 0x47) packets++;
    if (packets > 0 && offset + packets * 188 > bytes.length - 188) return packets;
  }
  return 0;
}

interface ProbedStream {
  codec_name: string;
  width?: number;
  height?: number;
}

async function probeStreams(url: string): Promise<ProbedStream[]> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-analyzeduration", "1000000", "-of", "json", "-show_entries", "stream=codec_name,width,height", url], { timeout: 10_000 });
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

function startIngest(port: number, passphrase = PASSPHRASE, onExit?: (reason: string) => void) {
  const chunks: Buffer[] = [];
  const ingest = new SrtIngest({ port, passphrase, onData: (chunk) => chunks.push(chunk), ...(onExit ? { onExit } : {}) });
  ingest.start();
  cleanups.push(() => ingest.stop());
  return { ingest, received: () => Buffer.concat(chunks) };
}

const feed = (from: ChildProcess, to: { write(chunk: Buffer): void }) => from.stdout?.on("data", (chunk: Buffer) => to.write(chunk));

/** Another SRT listener on the port, so that ours exits at once until this one leaves. */
async function occupy(port: number) {
  const squatter = spawn("srt-live-transmit", [`srt://127.0.0.1:${port}?mode=listener`, "file://con"], { stdio: "ignore" });
  trackChild(squatter);
  cleanups.push(() => void squatter.kill("SIGKILL"));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    async leave() {
      squatter.kill("SIGTERM");
      await exitCode(squatter);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    },
  };
}

describe("SrtIngest", () => {
  it.each([
    ["too short", "short"],
    ["too long", "x".repeat(80)],
    ["with an ampersand", "has & an ampersand"],
  ])("refuses a passphrase %s, naming the port and never the passphrase", (_, passphrase) => {
    const error = (() => {
      try {
        new SrtIngest({ port: 27001, passphrase, onData: () => {} });
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(InvalidSrtOptions);
    expect((error as Error).message).toContain("27001");
    expect((error as Error).message).not.toContain(passphrase);
  });

  it("hands over the publisher's MPEG-TS, and accepts the next publisher after the first leaves", async () => {
    const { ingest, received } = startIngest(27002);

    expect(await publish(27002, PASSPHRASE)).toBe(0);
    const first = received().length;
    expect(await publish(27002, PASSPHRASE)).toBe(0);

    expect(first).toBeGreaterThan(50_000);
    expect(received().length).toBeGreaterThan(first + 50_000);
    expect(alignedPackets(received())).toBeGreaterThan(500);
    expect(ingest.stderrTail().join("\n")).not.toContain(PASSPHRASE);
    expect(ingest.stderrTail().join("\n")).toContain("<passphrase>");
  }, 20_000);

  it("refuses a publisher with a wrong passphrase or none", async () => {
    const { ingest, received } = startIngest(27003);

    expect(await publish(27003, "not the right passphrase")).not.toBe(0);
    expect(await publish(27003, undefined)).not.toBe(0);

    expect(received().length).toBe(0);
    expect(ingest.stderrTail().join("\n")).toMatch(/Incorrect passphrase[^]*Password required/);
  });

  it("restarts srt-live-transmit when it exits, and reports why without the passphrase", async () => {
    const squatter = await occupy(27004);
    const reasons: string[] = [];

    const { received } = startIngest(27004, PASSPHRASE, (reason) => reasons.push(reason));
    await waitFor("an exit report", () => reasons.length > 0);
    await squatter.leave();
    expect(await publish(27004, PASSPHRASE)).toBe(0);

    expect(reasons[0]).toMatch(/port 27004 exited .*restarting/);
    expect(reasons.join("\n")).not.toContain(PASSPHRASE);
    expect(alignedPackets(received())).toBeGreaterThan(500);
  }, 20_000);
});

describe("SrtOutput", () => {
  it("serves a receiver over SRT, and the next one after it leaves", async () => {
    const output = new SrtOutput({ mode: "listener", port: 27010 });
    output.start();
    cleanups.push(() => output.stop());
    feed(camera(15), output);

    const first = await probeStreams("srt://127.0.0.1:27010");
    const second = await probeStreams("srt://127.0.0.1:27010");

    for (const streams of [first, second]) {
      expect(streams).toContainEqual(expect.objectContaining({ codec_name: "h264", width: 640, height: 360 }));
      expect(streams).toContainEqual(expect.objectContaining({ codec_name: "aac" }));
    }
    expect(output.stats().bytesWritten).toBeGreaterThan(100_000);
    expect(output.stats().chunksDropped).toBe(0);
  }, 20_000);

  it("asks receivers for its passphrase", async () => {
    const output = new SrtOutput({ mode: "listener", port: 27011, passphrase: PASSPHRASE });
    output.start();
    cleanups.push(() => output.stop());
    feed(camera(15), output);

    await expect(probeStreams("srt://127.0.0.1:27011")).rejects.toThrow();
    const streams = await probeStreams(`srt://127.0.0.1:27011?passphrase=${PASSPHRASE}`);

    expect(streams).toContainEqual(expect.objectContaining({ codec_name: "h264" }));
  }, 20_000);

  it("calls a listening receiver", async () => {
    const output = new SrtOutput({ mode: "caller", host: "127.0.0.1", port: 27012 });
    output.start();
    cleanups.push(() => output.stop());
    feed(camera(15), output);

    const streams = await probeStreams("srt://127.0.0.1:27012?mode=listener");

    expect(streams).toContainEqual(expect.objectContaining({ codec_name: "h264", width: 640 }));
  }, 20_000);

  it("restarts srt-live-transmit when it exits", async () => {
    const squatter = await occupy(27014);
    const output = new SrtOutput({ mode: "listener", port: 27014 });
    output.start();
    cleanups.push(() => output.stop());
    feed(camera(15), output);

    await waitFor("a failed start", () => output.stderrTail().some((line) => line.includes("srt_bind")));
    await squatter.leave();
    const streams = await probeStreams("srt://127.0.0.1:27014");

    expect(streams).toContainEqual(expect.objectContaining({ codec_name: "h264" }));
  }, 20_000);

  it("sends what it is written at once, however little: no chunk waits for the next write", async () => {
    const output = new SrtOutput({ mode: "listener", port: 22310 });
    output.start();
    cleanups.push(() => output.stop());
    let received = 0;
    let receiver: ChildProcess | undefined;
    await waitFor("a receiver", () => {
      if (output.stderrTail().some((line) => line.includes("Accepted SRT target connection"))) return true;
      if (receiver && receiver.exitCode === null) return undefined;
      // Unbuffered, so that it hands over each chunk as it comes.
      const started = spawn("stdbuf", ["-o0", "srt-live-transmit", "-q", "-chunk", "1316", "srt://127.0.0.1:22310?mode=caller", "file://con"], { stdio: ["ignore", "pipe", "ignore"] });
      trackChild(started);
      cleanups.push(() => void started.kill("SIGKILL"));
      started.stdout?.on("data", (chunk: Buffer) => (received += chunk.length));
      receiver = started;
      return undefined;
    });

    output.write(Buffer.alloc(3 * 1316, 0x47));

    await waitFor("the three chunks at the receiver", () => received === 3 * 1316, 2_000);
  }, 20_000);

  it("drops what srt-live-transmit cannot take instead of blocking or buffering without bound", () => {
    const output = new SrtOutput({ mode: "listener", port: 27013 });
    output.write(Buffer.alloc(1316, 0x47));
    output.start();
    cleanups.push(() => output.stop());

    for (let chunk = 0; chunk < 40; chunk++) output.write(Buffer.alloc(1024 * 1024, 0x47));

    const { bytesWritten, chunksDropped } = output.stats();
    expect(chunksDropped).toBeGreaterThanOrEqual(37);
    expect(bytesWritten).toBeLessThanOrEqual(3 * 1024 * 1024);
  });
});

describe("HlsMonitor", () => {
  it("keeps a live playlist of ~1 s segments, across a switch to a source of another size and clock", async () => {
    const dir = await mkdtemp(join(tmpdir(), "visionstream-monitor-"));
    const monitor = new HlsMonitor({ dir });
    monitor.start();
    cleanups.push(async () => {
      await monitor.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const playlist = async () => parseMediaPlaylist(await readFile(join(dir, "index.m3u8"), "utf8").catch(() => "#EXTM3U"));

    const first = camera(10);
    feed(first, monitor);
    await waitFor("three segments", async () => (await playlist()).segments.length >= 3);
    first.stdout?.removeAllListeners("data");
    feed(camera(10, { width: 1280, height: 720, picture: "color" }, ["-output_ts_offset", "1000"]), monitor);
    const afterSwitch = await waitFor("four segments of the second source", async () => {
      const current = await playlist();
      const last = current.segments.at(-1);
      if (!last || current.mediaSequence + current.segments.length < 8) return undefined;
      const [video] = await probeStreams(join(dir, last.uri));
      return video?.width === 1280 ? current : undefined;
    }, 15_000);

    expect(afterSwitch.segments.length).toBe(6);
    expect(afterSwitch.ended).toBe(false);
    const durations = afterSwitch.segments.map((segment) => segment.durationSeconds);
    expect(Math.max(...durations)).toBeLessThan(2.1);
    expect(durations.filter((duration) => Math.abs(duration - 1) < 0.1).length).toBeGreaterThanOrEqual(4);
    expect(await probeStreams(join(dir, "index.m3u8"))).toContainEqual(expect.objectContaining({ codec_name: "h264" }));
    expect(monitor.stats().chunksDropped).toBe(0);
  }, 40_000);
});
