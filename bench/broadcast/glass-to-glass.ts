/**
 * Glass-to-glass of a browser broadcast, as a viewer sees it. The broadcast page (the channel's broadcast link, in
 * headless Chromium) goes live with a "camera" whose every picture carries the wall clock it was captured at: the page's
 * getUserMedia answers a canvas stream on which each frame draws the number of 30ths of a second since t0 as the
 * 16-bit box counter of bench/live/frame-counter.ts, over a moving scene. The picture then takes the real path: the
 * browser's H.264 encoder, WebRTC, the WHIP gateway, the channel's RTMP ingest, the ladder, packaging, the CDN, and the
 * web player in a second page, which reads the counter of every presented frame. Latency = now - (t0 + n / 30 s).
 *
 *   npx tsx bench/broadcast/glass-to-glass.ts   # MODES=normal,low, SKIP_SECONDS=10, MEASURE_SECONDS=30, RESOLUTION=720p
 */
import "../load/quiet-logs.ts";
import { availableParallelism } from "node:os";
import { launchChromium } from "@visionstream/local/testing/browser";
import { activeAccount, eventually, startTestRuntime } from "@visionstream/local/testing/runtime";
import { loadAverage, median } from "../common.ts";
import { COUNTER, type CounterGeometry, type CounterSample, sampleCounter } from "../live/frame-counter.ts";

const FPS = 30;
const SKIP_SECONDS = Number(process.env.SKIP_SECONDS ?? 10);
const MEASURE_SECONDS = Number(process.env.MEASURE_SECONDS ?? 30);
const RESOLUTION = process.env.RESOLUTION ?? "720p";
const MODES = {
  normal: { latency: "normal", format: "hls", target: 6 },
  low: { latency: "low", format: "dash", target: 3 },
} as const;
type ModeName = keyof typeof MODES;
const modeNames = (process.env.MODES ?? "normal,low").split(",").map((name) => name.trim()) as ModeName[];
for (const name of modeNames) if (!(name in MODES)) throw new Error(`unknown mode ${name}: one of ${Object.keys(MODES).join(", ")}`);

const percentile = (values: number[], share: number) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * share)] ?? Number.NaN;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

/**
 * Runs in the broadcast page before its own script (as source text, closing over nothing): getUserMedia answers a
 * 30 fps canvas of the requested size showing the clock counter and a moving bar, and a 440 Hz tone.
 */
function clockCamera(geometry: CounterGeometry, t0: number, fps: number): void {
  const { sourceWidth, stripHeight, boxTop, box, slotLeft, slot, bits, firstBitSlot } = geometry;
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const wanted = typeof constraints?.video === "object" ? constraints.video : {};
    const ideal = (value: unknown, fallback: number) => (typeof value === "number" ? value : ((value as { ideal?: number } | undefined)?.ideal ?? fallback));
    const canvas = document.createElement("canvas");
    canvas.width = ideal(wanted.width, 1280);
    canvas.height = ideal(wanted.height, 720);
    const context = canvas.getContext("2d")!;
    const scale = canvas.width / sourceWidth;
    const draw = () => {
      const frame = Math.floor(((Date.now() - t0) * fps) / 1000);
      context.fillStyle = "#305080";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.fillStyle = "#e0c040";
      context.fillRect(((frame * 8) % canvas.width) - 100, canvas.height / 3, 200, canvas.height / 3);
      context.fillStyle = "black";
      context.fillRect(0, 0, canvas.width, stripHeight * scale);
      context.fillStyle = "white";
      const at = (index: number) => context.fillRect((slotLeft + index * slot) * scale, boxTop * scale, box * scale, box * scale);
      at(0);
      for (let bit = 0; bit < bits; bit++) if (Math.floor(frame / 2 ** bit) % 2 === 1) at(firstBitSlot + bit);
    };
    draw();
    setInterval(draw, 1000 / fps / 2);
    const stream = canvas.captureStream(fps);
    if (constraints?.audio) {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 440;
      const destination = audio.createMediaStreamDestination();
      tone.connect(destination);
      tone.start();
      for (const track of destination.stream.getAudioTracks()) stream.addTrack(track);
    }
    return stream;
  };
}

async function measureMode(name: ModeName): Promise<{ latencies: number[] }> {
  const mode = MODES[name];
  const runtime = await startTestRuntime({ mediaNiceness: 0 });
  const browser = await launchChromium();
  try {
    const { apiKey } = await activeAccount(runtime, `broadcast-${name}`);
    const created = await runtime.api("POST", "/channels", {
      token: apiKey,
      json: { name: `broadcast ${name}`, inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"], ...(mode.latency === "low" ? { latency: "low" } : {}) },
    });
    if (created.status !== 201) throw new Error(`channel not created: ${created.status} ${JSON.stringify(created.body)}`);
    const channelId: string = created.body.channel.id;
    await runtime.api("POST", `/channels/${channelId}/start`, { token: apiKey });
    await eventually(async () => ((await runtime.api("GET", `/channels/${channelId}`, { token: apiKey })).body.channel.state === "RUNNING" ? true : undefined), { timeoutMs: 30_000 });
    const { broadcastUrl } = (await runtime.api("POST", `/channels/${channelId}/broadcast`, { token: apiKey })).body;
    const playback = (await runtime.api("GET", `/channels/${channelId}/playback`, { token: apiKey })).body;
    const playerUrl: string = mode.format === "hls" ? playback.playerUrl : playback.players?.[mode.format];

    const t0 = Date.now();
    const broadcaster = await browser.newPage();
    await broadcaster.addInitScript({ content: `globalThis.__name ??= (f) => f; (${clockCamera.toString()})(${JSON.stringify(COUNTER)}, ${t0}, ${FPS});` });
    await broadcaster.goto(broadcastUrl);
    await broadcaster.waitForFunction(() => window.visionstreamBroadcast?.phase === "preview", undefined, { timeout: 15_000 });
    await broadcaster.selectOption("#resolution", RESOLUTION);
    await broadcaster.getByRole("button", { name: "Go live" }).click();
    await broadcaster.waitForFunction(() => window.visionstreamBroadcast?.phase === "live", undefined, { timeout: 20_000 });
    const liveAt = Date.now();
    console.log(`  ${name}: live ${seconds(liveAt - t0)} s after the page opened`);

    const viewer = await browser.newPage();
    await viewer.addInitScript({ content: `globalThis.__name ??= (f) => f; (${sampleCounter.toString()})(${JSON.stringify(COUNTER)});` });
    await eventually(async () => ((await fetch(`${playback.hlsUrl}?${playback.query}`)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    await viewer.goto(playerUrl, { waitUntil: "load" });
    await viewer.waitForFunction(() => (window.counterSamples ?? []).some((sample) => sample.frame !== null), undefined, { timeout: 60_000, polling: 200 });
    console.log(`  ${name}: first readable frame ${seconds(Date.now() - liveAt)} s after going live; skipping ${SKIP_SECONDS} s`);
    await viewer.waitForTimeout(SKIP_SECONDS * 1000);
    const from = await viewer.evaluate(() => window.counterSamples!.length);
    const sentBefore = await broadcaster.evaluate(() => window.visionstreamBroadcast.sent);
    await viewer.waitForTimeout(MEASURE_SECONDS * 1000);
    const samples: CounterSample[] = await viewer.evaluate((start) => window.counterSamples!.slice(start), from);
    const sent = await broadcaster.evaluate(() => window.visionstreamBroadcast.sent);

    samples.sort((a, b) => a.presentedFrames - b.presentedFrames);
    const read = samples.filter((sample): sample is CounterSample & { frame: number } => sample.frame !== null);
    if (read.length < 2) throw new Error(`${name}: ${samples.length} frames presented, ${read.length} read`);
    const latencies = read.map((sample) => sample.wall - (t0 + (sample.frame / FPS) * 1000));
    const first = read[0]!;
    const last = read.at(-1)!;
    const perWallSecond = (last.frame - first.frame) / ((last.wall - first.wall) / 1000);
    const sizes = [...new Set(read.map((sample) => `${sample.width}x${sample.height}`))];
    console.log(
      `  ${name}: the browser sent ${sentBefore?.width ?? "?"}x${sentBefore?.height ?? "?"} at ${sent?.framesPerSecond?.toFixed(0) ?? "?"} fps, ${((sent?.bitrate ?? 0) / 1e6).toFixed(2)} Mb/s; ` +
        `${samples.length} frames seen, ${read.length} read, pictures ${sizes.join(" ")}; clock +${perWallSecond.toFixed(1)} per wall second; ` +
        `latency min ${seconds(Math.min(...latencies))} s, max ${seconds(Math.max(...latencies))} s`,
    );
    return { latencies };
  } finally {
    await browser.close();
    await runtime.cleanup();
  }
}

console.log(`load average before: ${loadAverage()} on ${availableParallelism()} cores; broadcast at ${RESOLUTION}; skip ${SKIP_SECONDS} s, measure ${MEASURE_SECONDS} s`);
const results = new Map<ModeName, number[]>();
for (const name of modeNames) results.set(name, (await measureMode(name)).latencies);
console.log(`load average after: ${loadAverage()}`);
for (const [name, latencies] of results) {
  const { format, target } = MODES[name];
  console.log(
    `glass-to-glass from the browser's capture, ${name} (${format}): median ${(median(latencies) / 1000).toFixed(1)} s, p90 ${(percentile(latencies, 0.9) / 1000).toFixed(1)} s ` +
      `(target <= ${target} s: ${median(latencies) / 1000 <= target ? "met" : "missed"})`,
  );
}
