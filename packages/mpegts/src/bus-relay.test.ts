import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestTap } from "./ingest-tap.ts";
import { BusRelay, type BusSwitch, type SwitchMode } from "./bus-relay.ts";
import { PACKET_SIZE, readPcr } from "./packets.ts";

const run = promisify(execFile);
const SECONDS = 12;

/** A short H.264 + AAC transport stream of a picture of its own, as an SRT contributor would send it (GOP of 1 s). */
async function source(dir: string, name: string, size: string, hue: string): Promise<Buffer> {
  const file = join(dir, `${name}.ts`);
  await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=30,hue=h=${hue}`, "-f", "lavfi", "-i", "sine=f=440"],
    ...["-t", String(SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-b:a", "128k", "-f", "mpegts", file],
  ]);
  return readFile(file);
}

/** The stream cut into SRT-sized chunks, each stamped with the time it would arrive live (its last PCR). */
function live(stream: Buffer, ingest: string) {
  const chunks: { at: number; ingest: string; chunk: Buffer }[] = [];
  let clock = 0;
  for (let offset = 0; offset < stream.length; offset += 7 * PACKET_SIZE) {
    const chunk = stream.subarray(offset, Math.min(stream.length, offset + 7 * PACKET_SIZE));
    for (let at = 0; at + PACKET_SIZE <= chunk.length; at += PACKET_SIZE) {
      const pcr = readPcr(chunk.subarray(at, at + PACKET_SIZE));
      if (pcr !== undefined) clock = (pcr / 90_000) * 1000;
    }
    chunks.push({ at: clock, ingest, chunk });
  }
  return chunks;
}

async function probe(file: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_entries", "packet=stream_index,codec_type,pts,dts,flags", "-of", "json", file]);
  const { packets } = JSON.parse(stdout) as { packets: { codec_type: string; dts?: number; pts?: number }[] };
  const { stdout: frames } = await run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "frame=width", "-of", "csv=p=0", file]);
  return { packets, widths: frames.trim().split("\n").map((line) => Number.parseInt(line, 10)).filter((width) => width > 0) };
}

async function decodeErrors(file: string): Promise<string[]> {
  const { stderr } = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"]);
  return stderr.split("\n").filter(Boolean);
}

describe("BusRelay", () => {
  let dir: string;
  let sources: Record<string, Buffer>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "relay-"));
    const [a, b] = await Promise.all([source(dir, "a", "640x360", "0"), source(dir, "b", "480x270", "180")]);
    sources = { a: a!, b: b! };
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Plays both ingests into one bus in arrival order, switching at the given times; returns what came out. */
  async function play(switches: { at: number; to: "a" | "b"; mode: SwitchMode }[]) {
    let clock = 0;
    const taps = { a: new IngestTap("a", () => clock), b: new IngestTap("b", () => clock) };
    const out: Buffer[] = [];
    const bus = new BusRelay((chunk) => out.push(chunk), { now: () => clock });
    bus.select(taps.a);
    const arrivals = [...live(sources.a!, "a"), ...live(sources.b!, "b")].sort((x, y) => x.at - y.at);
    const start = arrivals[0]!.at;
    const outcomes: Promise<BusSwitch & { to: string }>[] = [];
    const due = [...switches];
    for (const arrival of arrivals) {
      clock = arrival.at - start;
      while (due.length && due[0]!.at <= clock) {
        const next = due.shift()!;
        outcomes.push(bus.switchTo(taps[next.to], next.mode).then((outcome) => ({ ...outcome, to: next.to })));
      }
      const tap = taps[arrival.ingest as "a" | "b"];
      bus.accept(tap, tap.push(arrival.chunk));
    }
    const file = join(dir, `out-${switches.map((s) => s.mode).join("")}.ts`);
    await writeFile(file, Buffer.concat(out));
    return { file, outcomes: await Promise.all(outcomes) };
  }

  it("switches clean at keyframes: the output decodes without an error and its timeline runs on, one frame at a time", async () => {
    const switches = [2_000, 3_700, 5_250, 6_900, 8_300, 9_800].map((at, index) => ({ at, to: index % 2 === 0 ? ("b" as const) : ("a" as const), mode: "clean" as const }));

    const { file, outcomes } = await play(switches);

    for (const outcome of outcomes) {
      expect(outcome.mode).toBe("clean");
      expect(outcome.landedAfterMs).toBeLessThanOrEqual(1_000 + 200);
    }
    expect(await decodeErrors(file)).toEqual([]);
    const { packets, widths } = await probe(file);
    const video = packets.filter((packet) => packet.codec_type === "video").map((packet) => packet.dts!);
    const steps = video.slice(1).map((dts, index) => dts - video[index]!);
    expect(Math.min(...steps)).toBeGreaterThan(0);
    expect(Math.max(...steps)).toBeLessThanOrEqual(3_000);
    const audio = packets.filter((packet) => packet.codec_type === "audio").map((packet) => packet.pts!);
    expect(audio.slice(1).every((pts, index) => pts > audio[index]!)).toBe(true);
    const runs = widths.filter((width, index) => index === 0 || width !== widths[index - 1]);
    expect(runs).toEqual([640, 480, 640, 480, 640, 480, 640]);
  }, 60_000);

  it("cuts at the next packet, like MediaConnect", async () => {
    const { file, outcomes } = await play([
      { at: 2_500, to: "b", mode: "cut" },
      { at: 5_500, to: "a", mode: "cut" },
    ]);

    for (const outcome of outcomes) {
      expect(outcome.mode).toBe("cut");
      expect(outcome.landedAfterMs).toBeLessThanOrEqual(200);
    }
    const { widths, packets } = await probe(file);
    const video = packets.filter((packet) => packet.codec_type === "video" && packet.dts !== undefined).map((packet) => packet.dts!);
    expect(video.slice(1).every((dts, index) => dts > video[index]!)).toBe(true);
    expect(widths).toContain(480);
    expect(widths.at(-1)).toBe(640);
  }, 60_000);
});
