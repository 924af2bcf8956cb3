import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { Architecture } from "@visionstream/core";
import { trackChild } from "../src/child-processes.ts";
import { OUTPUT_PMT_PID, OUTPUT_VIDEO_PID, PACKET_SIZE, payloadUnitStart, pidOf, randomAccess, SYNC_BYTE } from "@visionstream/mpegts";

/** An architecture file for the local runtime: ingests on `ingestPorts`, live and preview SRT listeners on `outputPorts`. */
export function localArchitecture(ingestPorts: number[], outputPorts: [number, number], name = "test switcher"): Architecture {
  return {
    name,
    regions: [{ id: "local", name: "This machine" }],
    ingests: ingestPorts.map((port, index) => ({
      id: `stage-${String.fromCharCode(97 + index)}`,
      name: `Stage ${String.fromCharCode(65 + index)}`,
      region: "local",
      protocol: "srt-listener" as const,
      port,
      passphraseSecret: `switcher/test/stage-${String.fromCharCode(97 + index)}`,
      allowCidr: "127.0.0.1/32",
      maxBitrateKbps: 20_000,
    })),
    outputs: {
      live: { protocol: "srt-listener", port: outputPorts[0], hlsMonitor: true },
      preview: { protocol: "srt-listener", port: outputPorts[1], hlsMonitor: true },
    },
  };
}

export interface SrtSource {
  port: number;
  passphrase: string;
  /** The lavfi picture, e.g. "testsrc2=size=640x360:rate=30" or "color=c=red:size=640x360:rate=30". */
  picture: string;
  gopFrames?: number;
}

/** A contributor pushing H.264 + AAC in MPEG-TS over SRT in real time, as an encoder in the field would. */
export function pushSrt({ port, passphrase, picture, gopFrames = 30 }: SrtSource): ChildProcess {
  const child = spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", "sine=f=440:r=48000"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", String(gopFrames), "-pix_fmt", "yuv420p", "-b:v", "1500k"],
      ...["-c:a", "aac", "-b:a", "128k", "-f", "mpegts", `srt://127.0.0.1:${port}?passphrase=${passphrase}&latency=120000`],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  trackChild(child);
  child.stderr!.resume();
  return child;
}

/** Receives an SRT listener output byte for byte into a file (srt-live-transmit as the caller). */
export function captureSrt(port: number, file: string, onData?: (chunk: Buffer) => void): { child: ChildProcess; done: Promise<void> } {
  const child = spawn("srt-live-transmit", ["-q", `srt://127.0.0.1:${port}?mode=caller`, "file://con"], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  child.stderr!.resume();
  const out = createWriteStream(file);
  child.stdout!.on("data", (chunk: Buffer) => onData?.(chunk));
  child.stdout!.pipe(out);
  const done = new Promise<void>((resolve) => out.once("close", () => resolve()));
  return { child, done };
}

export async function stopChild(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/**
 * A capture starts and ends wherever the receiver joined and left: keep it from the first keyframe (with the PAT and
 * PMT before it) to the last frame that is whole, so that decode errors count only what the switcher did.
 */
export function wholeFrames(capture: Buffer): Buffer {
  const packets: Buffer[] = [];
  for (let at = capture.indexOf(SYNC_BYTE); at >= 0 && at + PACKET_SIZE <= capture.length; at += PACKET_SIZE) packets.push(capture.subarray(at, at + PACKET_SIZE));
  let pat: Buffer | undefined;
  let pmt: Buffer | undefined;
  const first = packets.findIndex((packet) => {
    if (pidOf(packet) === 0) pat = packet;
    if (pidOf(packet) === OUTPUT_PMT_PID) pmt = packet;
    return pidOf(packet) === OUTPUT_VIDEO_PID && randomAccess(packet) && pat && pmt;
  });
  let last = packets.length;
  while (--last > first && !(pidOf(packets[last]!) === OUTPUT_VIDEO_PID && payloadUnitStart(packets[last]!)));
  if (first < 0 || last <= first) return Buffer.alloc(0);
  return Buffer.concat([pat!, pmt!, ...packets.slice(first, last)]);
}
