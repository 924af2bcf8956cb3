import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../eventbridge/bus.ts";
import { DEFAULT_MEDIA_NICENESS } from "../config.ts";
import { busyNeighbour, durationSeconds, frameNumbers, H264_AAC, push } from "../../testing/media.ts";
import { activeAccount, eventually, startTestRuntime } from "../../testing/runtime.ts";
import { carriedAndFrozen, freezeUntilDropped, SMALL_LADDER, sleep, transcoderPids } from "../../testing/reliability.ts";

// What a broadcaster pushes: 30 s at 30 fps, each frame carrying its number (0 … 899) in the picture.
const PUSH_SECONDS = 30;
const LAST_FRAME = PUSH_SECONDS * 30 - 1;
/** The MP4 against the push, and its last frame against the push's last: 0.3 s, 9 frames. */
const TOLERANCE_SECONDS = 0.3;
const FREEZE_MS = 2_500;
/** testing/media.ts's push: 4 Mb/s of video, 128 kb/s of sound, and MPEG-TS's and RTP's headers. */
const PUSH_BYTES_PER_SECOND = (4_128_000 / 8) * 1.1;

/** Whether a UDP socket that asked for 8 MB (the ingests do) keeps `bytes`: the kernel grants twice net.core.rmem_max at most. */
const udpBufferHolds = async (bytes: number) => Math.min(8 * 1024 * 1024, 2 * Number(await readFile("/proc/sys/net/core/rmem_max", "utf8"))) >= bytes;

type Runtime = Awaited<ReturnType<typeof startTestRuntime>>;
type InputType = "RTMP_PUSH" | "RTP_PUSH" | "SRT_LISTENER";

let work: string;
const pushes: ReturnType<typeof push>[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "visionstream-completeness-"));
});

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  if (work) await rm(work, { recursive: true, force: true });
});

/** A runtime as `visionstream start` runs it (transcoders at the default niceness), with every event it routes, in order. */
async function recordingRuntime(ports: number, options: Partial<Parameters<typeof startTestRuntime>[0]> = {}) {
  const runtime = await startTestRuntime({ rtmpPort: ports, rtpPort: ports + 100, srtPort: ports + 150, mediaNiceness: DEFAULT_MEDIA_NICENESS, ...options });
  const events: BusEvent[] = [];
  runtime.bus.subscribe("capture", { source: ["aws.medialive", "aws.s3", "visionstream"] }, async (event) => void events.push(event));
  const tenant = await activeAccount(runtime, "broadcaster");
  return { runtime, events, tenant, topRendition: options.ladder?.renditions[0]?.name ?? "1080p" };
}

interface Session {
  runtime: Runtime;
  events: BusEvent[];
  tenant: { accountId: string; apiKey: string };
  /** The ladder's first rendition, whose live playlist the show's end is looked for in. */
  topRendition: string;
}

/**
 * A new user's session: create a channel, start it, wait for RUNNING, push exactly 30 s in real time (or the pushes
 * of a plan, with a pause after each), stop as soon as the push ends (while: what to do with the channel's transcoder
 * during the first push), wait for READY.
 */
async function recordedPush(
  { runtime, events, tenant, topRendition }: Session,
  inputType: InputType,
  during?: (channelId: string) => Promise<void>,
  plan: { seconds: number; pauseAfterMs?: number; codecs?: string[] }[] = [{ seconds: PUSH_SECONDS }],
) {
  const created = await runtime.api("POST", "/channels", { token: tenant.apiKey, json: { name: "show", inputType, allowCidrs: ["127.0.0.1/32"] } });
  const channel = created.body.channel;
  await runtime.api("POST", `/channels/${channel.id}/start`, { token: tenant.apiKey });
  await eventually(async () => ((await runtime.channels.get(tenant.accountId, channel.id)).state === "RUNNING" ? true : undefined), { timeoutMs: 20_000 });
  const ingest = channel.ingest[0];
  const output = {
    RTMP_PUSH: ["-f", "flv", `${ingest.url}/${ingest.streamKey}`],
    RTP_PUSH: ["-f", "rtp_mpegts", ingest.url],
    // linger: the encoder sends what it holds before it hangs up (ffmpeg's default in live mode drops it, a latency of the show).
    SRT_LISTENER: ["-f", "mpegts", `${ingest.url}?passphrase=${ingest.passphrase}&pbkeylen=16&linger=5`],
  }[inputType];
  const firstFrameAt: number[] = [];
  const pushEndedAt: number[] = [];
  for (const [index, step] of plan.entries()) {
    const pusher = push({ seconds: step.seconds, width: 1280, height: 720, picture: "numbered" }, output, step.codecs);
    pushes.push(pusher);
    firstFrameAt.push(Date.now());
    if (index === 0) await during?.(channel.id);
    expect(await pusher.done).toBe(0);
    pushEndedAt.push(Date.now());
    if (step.pauseAfterMs) await sleep(step.pauseAfterMs);
  }
  const lastFrameAt = Date.now();

  const eventsBeforeStop = events.length;
  const stopAsked = performance.now();
  expect((await runtime.api("POST", `/channels/${channel.id}/stop`, { token: tenant.apiKey })).status).toBe(202);
  const stopAnsweredMs = performance.now() - stopAsked;
  const { sessionId } = await runtime.channels.get(tenant.accountId, channel.id);
  const recording = await eventually(
    async () => {
      const { body } = await runtime.api("GET", `/recordings?channelId=${channel.id}`, { token: tenant.apiKey });
      return body.recordings?.[0]?.status === "READY" ? body.recordings[0] : undefined;
    },
    { timeoutMs: 420_000, intervalMs: 250 },
  );
  const stoppedAfterMs = performance.now() - stopAsked;

  const playback = (await runtime.api("GET", `/recordings/${recording.id}/playback`, { token: tenant.apiKey })).body;
  const answer = await fetch(playback.url);
  expect(answer.status).toBe(200);
  const file = join(work, `${recording.id}.mp4`);
  await writeFile(file, Buffer.from(await answer.arrayBuffer()));
  const frames = await frameNumbers(file);
  // Each push numbers its frames from 0: the MP4 holds them one push after the other.
  const perPush: number[][] = [];
  for (const [index, number] of frames.entries()) if (index === 0 || number < frames[index - 1]!) perPush.push([number]);
  else perPush.at(-1)!.push(number);
  const missing = plan.flatMap((step, index) => {
    const seen = new Set(perPush[index] ?? []);
    return Array.from({ length: step.seconds * 30 }, (_, number) => number).filter((number) => !seen.has(number)).map((number) => `push ${index + 1} frame ${number}`);
  });
  // The live playlist ends with the show's end too.
  const live = join(runtime.dataDir, "buckets", `visionstream-local-${tenant.accountId}`, "live", channel.id, topRendition);
  const livePlaylist = await readFile(join(live, "index.m3u8"), "utf8");
  const lastLiveSegment = livePlaylist.trim().split("\n").filter((line) => line.endsWith(".ts")).at(-1)!;
  const lastLiveFrame = (await frameNumbers(join(live, lastLiveSegment))).at(-1);

  const { engineChannelId } = await runtime.channels.get(tenant.accountId, channel.id);
  const segmentsAnnounced = events.filter((event) => event.source === "aws.s3" && JSON.stringify(event.detail).includes(`recordings/${channel.id}/${sessionId}/`));
  const stoppedIndex = events.findIndex((event) => {
    const detail = event.detail as { state?: string; channel_arn?: string };
    return event.source === "aws.medialive" && detail.state === "STOPPED" && detail.channel_arn?.endsWith(`:${engineChannelId}`);
  });
  // The top rendition's segments recorded after the stop was asked: how much media the transcoder still had to encode.
  const segmentsAfterStop = segmentsAnnounced.filter((event) => events.indexOf(event) >= eventsBeforeStop && JSON.stringify(event.detail).includes(`/${topRendition}/`)).length;
  return { recording, file, durationSeconds: await durationSeconds(file), frames, perPush, missing, lastLiveFrame, liveEnded: livePlaylist.includes("#EXT-X-ENDLIST"), showMs: lastFrameAt - firstFrameAt[0]!, pushEndedAt, stopAnsweredMs, stoppedAfterMs, events, segmentsAnnounced, segmentsAfterStop, stoppedIndex };
}

/**
 * A keyframe every 2.5 s: the recording (2 s segments) ends between two of them, and a transcoder that carries a dropped
 * one's media on starts within a group of pictures. B-frames: pictures presented after they are decoded, as most
 * encoders send them.
 */
const GOP_OF_2_5_S_WITH_B_FRAMES = [...H264_AAC.map((arg, index) => (H264_AAC[index - 1] === "-g" ? "75" : arg)), "-bf", "2"];

/**
 * The frames of one push that the MP4 shows more than once, past its first picture: with B-frames that one is presented
 * a frame or two after the sound starts, and the constant frame rate output shows it two or three times (a transcoder
 * that starts afresh does so too).
 */
const framesTwice = (frames: number[]) =>
  frames.flatMap((number, index) => (index > 0 && number !== frames[0] && frames.indexOf(number) !== index ? [`${number} at ${index} after ${frames.slice(Math.max(0, index - 4), index).join(",")}`] : []));

function expectWholeShow(show: Awaited<ReturnType<typeof recordedPush>>) {
  expect(Math.abs(show.durationSeconds - PUSH_SECONDS), `MP4 of ${show.durationSeconds} s`).toBeLessThanOrEqual(TOLERANCE_SECONDS);
  expect(show.frames[0], "the MP4's first frame").toBe(0);
  expect(show.frames.at(-1), "the MP4's last frame").toBeGreaterThanOrEqual(LAST_FRAME - TOLERANCE_SECONDS * 30);
  expect(show.missing, "frames of the push missing from the MP4").toEqual([]);
  expect(show.lastLiveFrame, "the live playlist's last frame").toBeGreaterThanOrEqual(LAST_FRAME - TOLERANCE_SECONDS * 30);
  expect(show.liveEnded).toBe(true);
  expect(show.recording.gaps).toEqual([]);
  expect(Math.abs(show.recording.durationMs / 1000 - PUSH_SECONDS)).toBeLessThanOrEqual(TOLERANCE_SECONDS);
  // Nothing long inside a request: the stop is answered at once, STOPPED follows the drain.
  expect(show.stopAnsweredMs).toBeLessThan(1_000);
}

describe.each([
  ["a quiet machine", false],
  ["a machine made busy by another tenant's encode", true],
])("a 30 s push recorded whole, on %s", (_machine, busy) => {
  let session: Session;
  let quiet: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    session = await recordingRuntime(busy ? 23_600 : 23_400);
    if (busy) quiet = busyNeighbour();
  }, 60_000);

  afterAll(async () => {
    await quiet?.();
    await session?.runtime.cleanup();
  }, 180_000);

  it.each<InputType>(["RTMP_PUSH", "RTP_PUSH"])("%s: every frame from the first to the last, 30 s ± 0.3 s, no gap", async (inputType) => {
    const show = await recordedPush(session, inputType);
    expectWholeShow(show);
  }, 600_000);

  // The runtime runs in this process: a busy loop here freezes it as a long garbage collection, a heap snapshot or a
  // starved core would. The publisher's TCP keeps what it sends meanwhile, and the sockets' buffers what arrives over
  // UDP (RTP, and SRT through the allow-list relay), so nothing of the show is lost: the gaps are what the publisher's
  // clock says was lost, not how long we did not read.
  it.runIf(!busy).each<InputType>(["RTMP_PUSH", "RTP_PUSH", "SRT_LISTENER"])(
    "%s while the runtime freezes for 2.5 s: the gaps listed are the frames missing, and where the socket's buffer holds the freeze (always for RTMP), every frame and no gap",
    async (inputType) => {
      const show = await recordedPush(session, inputType, async () => {
        await sleep(10_000);
        const until = Date.now() + FREEZE_MS;
        while (Date.now() < until) {
          // frozen
        }
      });
      // A UDP socket keeps at most twice net.core.rmem_max: where that is less than the freeze's media, the rest is
      // lost before we read it, and the gaps must say so, to the frame.
      const listedMs = show.recording.gaps.reduce((sum: number, gap: { lostMs: number }) => sum + gap.lostMs, 0);
      expect(Math.abs(listedMs - (show.missing.length * 1000) / 30), `gaps ${JSON.stringify(show.recording.gaps)}; missing ${show.missing[0]} … ${show.missing.at(-1)}`).toBeLessThanOrEqual(TOLERANCE_SECONDS * 1000);
      if (inputType === "RTMP_PUSH" || (await udpBufferHolds(PUSH_BYTES_PER_SECOND * (FREEZE_MS / 1000)))) expectWholeShow(show);
    },
    600_000,
  );

  // An RTP encoder that starts again comes with a new SSRC and a new sequence, often below where the last one ended.
  it.each<InputType>(["RTMP_PUSH", "RTP_PUSH"])("%s with a reconnect: both pushes whole in one MP4, the pause between them its only gap, measured", async (inputType) => {
    const show = await recordedPush(session, inputType, undefined, [{ seconds: 12, pauseAfterMs: 3_000 }, { seconds: 12 }]);

    expect(show.missing, "frames of the pushes missing from the MP4").toEqual([]);
    expect(show.perPush).toHaveLength(2);
    expect(show.perPush.map((frames) => frames[0])).toEqual([0, 0]);
    expect(Math.abs(show.durationSeconds - 24)).toBeLessThanOrEqual(TOLERANCE_SECONDS);
    const [gap, ...others] = show.recording.gaps;
    expect(others).toEqual([]);
    expect(gap).toMatchObject({ reason: "no-input" });
    expect(gap.lostMs).toBeGreaterThanOrEqual(3_000);
    // what is in the MP4 and the pause add up to the show, from its first frame to its last
    expect(Math.abs(show.recording.durationMs + gap.lostMs - show.showMs)).toBeLessThanOrEqual(1_000);
  }, 600_000);
});

describe("a stop while the transcoder is 10 s behind its input", () => {
  /** The transcoder frozen for the last 10 s of the push: at the stop, 10 s of the show wait for it. */
  const tenSecondsBehind = async (channelId: string) => {
    await sleep((PUSH_SECONDS - 10) * 1000);
    const pids = await eventually(async () => {
      const found = await transcoderPids(channelId);
      return found.length > 0 ? found : undefined;
    });
    for (const pid of pids) process.kill(pid, "SIGSTOP");
    await sleep(10_000);
    for (const pid of pids) process.kill(pid, "SIGCONT");
  };

  it("waits for the backlog: the recording holds all 30 s, and STOPPED comes after its last segment", async () => {
    const session = await recordingRuntime(23_800);
    try {
      const show = await recordedPush(session, "RTMP_PUSH", tenSecondsBehind);
      expectWholeShow(show);
      const lastSegment = session.events.indexOf(show.segmentsAnnounced.at(-1)!);
      expect(show.stoppedIndex).toBeGreaterThan(lastSegment);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);

  it("at the drain bound, stops and lists what was not encoded as a transcoder-behind gap", async () => {
    const session = await recordingRuntime(23_900, { drainTimeoutMs: 2_000 });
    try {
      const show = await recordedPush(session, "RTMP_PUSH", tenSecondsBehind);
      const [gap, ...others] = show.recording.gaps;
      expect(others).toEqual([]);
      expect(gap).toMatchObject({ reason: "transcoder-behind" });
      // 10 s behind, of which the bound left a few seconds to encode
      expect(gap.lostMs).toBeGreaterThan(4_000);
      expect(gap.lostMs).toBeLessThanOrEqual(10_500);
      expect(Date.parse(gap.to) - Date.parse(gap.from)).toBe(gap.lostMs);
      // what is in the MP4 and what the gap names add up to the show
      expect(Math.abs(show.durationSeconds + gap.lostMs / 1000 - PUSH_SECONDS)).toBeLessThanOrEqual(1);
      expect(show.frames[0]).toBe(0);
      expect(show.stoppedAfterMs).toBeLessThan(20_000);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);
});

describe("a transcoder that falls too far behind its input", () => {
  // At the fastest preset too: the one dropped had caught up with its input (it started live), so the next may again.
  it.each([
    { preset: "superfast", ports: 27_400, restarting: "restarting it at ultrafast with what it had not recorded" },
    { preset: "ultrafast", ports: 27_700, restarting: "restarting it with what it had not recorded" },
  ] as const)("RTMP_PUSH at $preset: the next one goes on from where its recording ended: every frame once, 30 s ± 0.3 s, no gap", async ({ preset, ports, restarting }) => {
    // About 10 s frozen are too far behind: the 4 MB the feed's stream buffers and 1 MB beyond. Two rungs, so that the
    // next transcoder catches up on what waited (at ultrafast) while the push goes on, and stays within 1 MB after.
    const session = await recordingRuntime(ports, { ladder: SMALL_LADDER, preset, maxQueuedBytes: 1024 * 1024 });
    try {
      let restartedAt: string | undefined;
      const show = await recordedPush(session, "RTMP_PUSH", async (channelId) => {
        await sleep(5_000);
        const dropped = await freezeUntilDropped(channelId);
        const restarted = await eventually(async () => (await transcoderPids(channelId)).find((pid) => pid !== dropped), { timeoutMs: 20_000, intervalMs: 100 });
        restartedAt = (await readFile(`/proc/${restarted}/cmdline`, "utf8")).split("\0").find((arg) => arg.startsWith("[0:v:0]"));
      }, [{ seconds: PUSH_SECONDS, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }]);
      expect(restartedAt, "the next transcoder's output starts within the carried keyframe's group of pictures").toMatch(/^\[0:v:0\]trim=start=\d+\.\d{3},/);
      const recovering = show.events.find((event) => (event.detail as { state?: string }).state === "RECOVERING");
      expect((recovering?.detail as { message: string }).message).toContain(restarting);
      const twice = framesTwice(show.frames);
      expect(twice, `frames twice in the MP4 (gaps ${JSON.stringify(show.recording.gaps)}, trim ${restartedAt?.slice(0, 30)})`).toEqual([]);
      expectWholeShow(show);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);

  it("RTMP_PUSH at ultrafast, the next one dropped too before it caught up: what waited is let go, a gap lists it, and the one after starts live", async () => {
    const session = await recordingRuntime(27_900, { ladder: SMALL_LADDER, preset: "ultrafast", maxQueuedBytes: 1024 * 1024 });
    try {
      let thirdAt: string | undefined;
      const show = await recordedPush(session, "RTMP_PUSH", async (channelId) => {
        await sleep(5_000);
        const first = await freezeUntilDropped(channelId);
        // The next one takes on what waited; frozen at once, it never reads it.
        const second = await freezeUntilDropped(channelId);
        const third = await eventually(async () => (await transcoderPids(channelId)).find((pid) => pid !== first && pid !== second), { timeoutMs: 20_000, intervalMs: 100 });
        thirdAt = (await readFile(`/proc/${third}/cmdline`, "utf8")).split("\0").find((arg) => arg.startsWith("[0:v:0]"));
      });
      expect(thirdAt, "the third transcoder starts live, with nothing to trim").toMatch(/^\[0:v:0\]split=/);
      const [gap, ...others] = show.recording.gaps;
      expect(others).toEqual([]);
      expect(gap).toMatchObject({ reason: "engine-restart" });
      // What the gap lists is what the MP4 misses, and at most the group of pictures (2 s) the third one starts with
      // more: it starts from the latest keyframe, before where the second one was dropped.
      const missingMs = (show.missing.length * 1000) / 30;
      console.log(`let go: gap ${gap.lostMs} ms, missing ${missingMs.toFixed(0)} ms, MP4 ${show.durationSeconds} s`);
      expect(gap.lostMs, `missing ${show.missing[0]} … ${show.missing.at(-1)}`).toBeGreaterThanOrEqual(missingMs - TOLERANCE_SECONDS * 1000);
      expect(gap.lostMs).toBeLessThanOrEqual(missingMs + 2_000 + TOLERANCE_SECONDS * 1000);
      expect(show.missing.length, "frames lost").toBeGreaterThan(0);
      expect(show.frames.at(-1)).toBeGreaterThanOrEqual(LAST_FRAME - TOLERANCE_SECONDS * 30);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);
});

describe("while the next transcoder is still behind, working through a dropped one's media", () => {
  /**
   * The transcoder dropped, and the next one, which carries on from where its recording ended, frozen until `until` (at
   * most 5 s): still behind its input when the test's next step comes. What it trims its input to, and when it ends.
   */
  async function carriedAndBehind(channelId: string, until: number) {
    const carried = await carriedAndFrozen(channelId, until - Date.now());
    const trim = (await readFile(`/proc/${carried}/cmdline`, "utf8")).split("\0").find((arg) => arg.startsWith("[0:v:0]"));
    // When its process ends, in the background: how long it still encoded after the test's next step.
    const ended = eventually(async () => ((await transcoderPids(channelId)).includes(carried) ? undefined : Date.now()), { timeoutMs: 420_000, intervalMs: 100 });
    return { pid: carried, trim, ended };
  }

  /** A process given a tenth of a core for `ms` (stopped 3 s, run 0.3 s, …), as on a machine busy with other work. */
  async function starved(pid: number, ms: number) {
    const until = Date.now() + ms;
    try {
      while (Date.now() < until) {
        process.kill(pid, "SIGSTOP");
        await sleep(Math.min(3_000, until - Date.now()));
        process.kill(pid, "SIGCONT");
        await sleep(300);
      }
    } catch {
      // ended meanwhile
    } finally {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // ended
      }
    }
  }

  const expectCarried = (show: Awaited<ReturnType<typeof recordedPush>>, trim: string | undefined) => {
    expect(trim, "the next transcoder's output starts within the carried keyframe's group of pictures").toMatch(/^\[0:v:0\]trim=start=\d+\.\d{3},/);
    const recovering = show.events.find((event) => (event.detail as { state?: string }).state === "RECOVERING");
    expect((recovering?.detail as { message: string }).message).toContain("with what it had not recorded");
  };

  it("RTMP_PUSH: the publisher reconnects: both pushes whole in one MP4, every frame once, the pause the only gap", async () => {
    const session = await recordingRuntime(28_100, { ladder: SMALL_LADDER, preset: "superfast", maxQueuedBytes: 1024 * 1024 });
    try {
      let carried: Awaited<ReturnType<typeof carriedAndBehind>> | undefined;
      const show = await recordedPush(session, "RTMP_PUSH", async (channelId) => {
        const pushedAt = Date.now();
        await sleep(4_000);
        // Dropped about 10 s later; the next one frozen until a second before the publisher leaves.
        carried = await carriedAndBehind(channelId, pushedAt + 19_000);
      }, [{ seconds: 20, pauseAfterMs: 3_000, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }, { seconds: 10, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }]);
      const encodedAfterLeavingMs = (await carried!.ended) - show.pushEndedAt[0]!;
      const [gap, ...others] = show.recording.gaps;
      console.log(`reconnect during a carry: the carried transcoder encoded ${encodedAfterLeavingMs} ms after the publisher left; gaps ${JSON.stringify(show.recording.gaps)}; MP4 ${show.durationSeconds} s; recording ${show.recording.durationMs} ms of a ${show.showMs} ms show`);

      expectCarried(show, carried!.trim);
      // Still behind when the publisher left: it went on encoding what it had been given.
      expect(encodedAfterLeavingMs).toBeGreaterThan(1_500);
      expect(show.missing, "frames of the pushes missing from the MP4").toEqual([]);
      expect(show.perPush).toHaveLength(2);
      expect(show.perPush.map((frames) => frames[0])).toEqual([0, 0]);
      expect(show.perPush.map(framesTwice), "frames twice in the MP4").toEqual([[], []]);
      expect(Math.abs(show.durationSeconds - 30), `MP4 of ${show.durationSeconds} s`).toBeLessThanOrEqual(TOLERANCE_SECONDS);
      expect(others).toEqual([]);
      expect(gap).toMatchObject({ reason: "no-input" });
      expect(gap.lostMs).toBeGreaterThanOrEqual(3_000);
      // what is in the MP4 and the pause add up to the show, from its first frame to its last
      expect(Math.abs(show.recording.durationMs + gap.lostMs - show.showMs)).toBeLessThanOrEqual(1_000);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);

  it("RTMP_PUSH: the publisher reconnects and the carried transcoder drains for longer than the new publish may wait: the gaps listed are the frames missing", async () => {
    const session = await recordingRuntime(28_110, { ladder: SMALL_LADDER, preset: "superfast", maxQueuedBytes: 1024 * 1024 });
    try {
      let carried: Awaited<ReturnType<typeof carriedAndBehind>> | undefined;
      let slowed: Promise<void> | undefined;
      const show = await recordedPush(session, "RTMP_PUSH", async (channelId) => {
        const pushedAt = Date.now();
        await sleep(4_000);
        carried = await carriedAndBehind(channelId, pushedAt + 19_000);
        // A busy machine: from the publisher's leaving on, the carried transcoder gets a tenth of the CPU for 16 s,
        // while the new publish is held for it, 5 MB at most (about 10 s).
        await sleep(Math.max(0, pushedAt + 20_000 - Date.now()));
        slowed = starved(carried.pid, 16_000);
      }, [{ seconds: 20, pauseAfterMs: 2_000, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }, { seconds: 20, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }]);
      await slowed;
      const encodedAfterLeavingMs = (await carried!.ended) - show.pushEndedAt[0]!;
      const gaps = show.recording.gaps as { reason: string; lostMs: number }[];
      const listedMs = gaps.filter((gap) => gap.reason !== "no-input").reduce((sum, gap) => sum + gap.lostMs, 0);
      const missingMs = (show.missing.length * 1000) / 30;
      console.log(`reconnect during a slow carry: the carried transcoder encoded ${encodedAfterLeavingMs} ms after the publisher left; gaps ${JSON.stringify(gaps)}; missing ${missingMs.toFixed(0)} ms (${show.missing[0]} … ${show.missing.at(-1)}); MP4 ${show.durationSeconds} s`);

      expectCarried(show, carried!.trim);
      expect(encodedAfterLeavingMs).toBeGreaterThan(14_000);
      expect(show.perPush.map((frames) => frames[0])[0]).toBe(0);
      expect(show.missing.filter((frame) => frame.startsWith("push 1 ")), "frames of the first push missing").toEqual([]);
      expect(show.perPush.flatMap(framesTwice), "frames twice in the MP4").toEqual([]);
      // What the held publish had, told as it was dropped, and what came after it until the next transcoder started.
      expect(gaps.map((gap) => gap.reason)).toEqual(["no-input", ...gaps.slice(1).map(() => "transcoder-behind")]);
      expect(gaps.length).toBeGreaterThanOrEqual(2);
      expect(gaps[0]!.lostMs).toBeGreaterThanOrEqual(2_000);
      expect(Math.abs(listedMs - missingMs), `gaps ${listedMs} ms for ${missingMs.toFixed(0)} ms missing`).toBeLessThanOrEqual(TOLERANCE_SECONDS * 1000);
      expect(Math.abs(show.durationSeconds + listedMs / 1000 - 40)).toBeLessThanOrEqual(TOLERANCE_SECONDS);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);

  it("RTMP_PUSH: the channel is stopped: the stop waits for what it carries, every frame once, 30 s ± 0.3 s, no gap", async () => {
    const session = await recordingRuntime(28_400, { ladder: SMALL_LADDER, preset: "ultrafast", maxQueuedBytes: 1024 * 1024 });
    try {
      let carried: Awaited<ReturnType<typeof carriedAndBehind>> | undefined;
      const show = await recordedPush(session, "RTMP_PUSH", async (channelId) => {
        const pushedAt = Date.now();
        await sleep(13_000);
        carried = await carriedAndBehind(channelId, pushedAt + 29_000);
      }, [{ seconds: PUSH_SECONDS, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }]);
      await carried!.ended;
      console.log(`stop during a carry: ${show.segmentsAfterStop} segments of ${SMALL_LADDER.segmentSeconds} s recorded after the stop was asked, READY ${show.stoppedAfterMs.toFixed(0)} ms after; MP4 ${show.durationSeconds} s`);

      expectCarried(show, carried!.trim);
      // Still behind at the stop: seconds of the show were encoded after it.
      expect(show.segmentsAfterStop * SMALL_LADDER.segmentSeconds).toBeGreaterThanOrEqual(4);
      expect(framesTwice(show.frames), "frames twice in the MP4").toEqual([]);
      expectWholeShow(show);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);

  it("RTMP_PUSH: the channel is stopped with a drain bound of 2 s: what the bound cut off is a transcoder-behind gap, to the frame", async () => {
    const session = await recordingRuntime(28_700, { ladder: SMALL_LADDER, preset: "ultrafast", maxQueuedBytes: 1024 * 1024, drainTimeoutMs: 2_000 });
    try {
      let carried: Awaited<ReturnType<typeof carriedAndBehind>> | undefined;
      let slowed: Promise<void> | undefined;
      const show = await recordedPush(session, "RTMP_PUSH", async (channelId) => {
        const pushedAt = Date.now();
        await sleep(13_000);
        carried = await carriedAndBehind(channelId, pushedAt + 29_000);
        // A busy machine until the bound has passed: at a whole core it would encode most of what it carries within 2 s.
        slowed = starved(carried.pid, pushedAt + 32_500 - Date.now());
      }, [{ seconds: PUSH_SECONDS, codecs: GOP_OF_2_5_S_WITH_B_FRAMES }]);
      await slowed;
      await carried!.ended;
      const [gap, ...others] = show.recording.gaps;
      const missingMs = (show.missing.length * 1000) / 30;
      console.log(`stop during a carry at a 2 s bound: gaps ${JSON.stringify(show.recording.gaps)}, missing ${missingMs.toFixed(0)} ms (${show.missing[0]} … ${show.missing.at(-1)}), MP4 ${show.durationSeconds} s, READY ${show.stoppedAfterMs.toFixed(0)} ms after the stop`);

      expectCarried(show, carried!.trim);
      expect(others).toEqual([]);
      expect(gap).toMatchObject({ reason: "transcoder-behind" });
      expect(show.missing.length, "frames cut off by the bound").toBeGreaterThan(30);
      // The frames cut off are the show's last ones, and the gap lists them: what the MP4 holds and the gap add up to the push.
      expect(show.missing[0]).toBe(`push 1 frame ${LAST_FRAME + 1 - show.missing.length}`);
      expect(Math.abs(gap.lostMs - missingMs), `gap ${gap.lostMs} ms for ${missingMs.toFixed(0)} ms missing`).toBeLessThanOrEqual(TOLERANCE_SECONDS * 1000);
      expect(Math.abs(show.durationSeconds + gap.lostMs / 1000 - PUSH_SECONDS)).toBeLessThanOrEqual(TOLERANCE_SECONDS);
      expect(Date.parse(gap.to) - Date.parse(gap.from)).toBe(gap.lostMs);
      expect(show.frames[0]).toBe(0);
      expect(framesTwice(show.frames), "frames twice in the MP4").toEqual([]);
      expect(show.stoppedAfterMs).toBeLessThan(20_000);
    } finally {
      await session.runtime.cleanup();
    }
  }, 600_000);
});
