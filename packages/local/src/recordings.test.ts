import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, watchPlayer } from "../testing/browser.ts";
import type { BusEvent } from "./eventbridge/bus.ts";
import { durationSeconds, push } from "../testing/media.ts";
import { videoTimeline } from "../testing/mediaconvert.ts";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let work: string;
const events: BusEvent[] = [];
const pushes: ReturnType<typeof push>[] = [];

interface Tenant {
  accountId: string;
  apiKey: string;
}
let tenant: Tenant;
let other: Tenant;

async function newTenant(name: string): Promise<Tenant> {
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name } });
  const accountId = created.body.account.id;
  await eventually(async () => ((await runtime.accounts.get(accountId)).status === "ACTIVE" ? true : undefined));
  return { accountId, apiKey: created.body.apiKey };
}

beforeAll(async () => {
  // Each test file has ingest ports of its own, so files running side by side never collide.
  const base = 23_000;
  runtime = await startTestRuntime({ rtmpPort: base, rtpPort: base + 100 });
  for (const source of ["aws.s3", "aws.medialive", "aws.mediaconvert"]) runtime.bus.subscribe(`capture-${source}`, { source: [source] }, async (event) => void events.push(event));
  work = await mkdtemp(join(tmpdir(), "visionstream-recordings-"));
  tenant = await newTenant("recorder");
  other = await newTenant("someone else");
}, 60_000);

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function liveSession(pushPlan: { seconds: number; pauseAfterMs?: number }[]) {
  const created = await runtime.api("POST", "/channels", {
    token: tenant.apiKey,
    json: { name: "recorded", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] },
  });
  const channel = created.body.channel;
  await runtime.api("POST", `/channels/${channel.id}/start`, { token: tenant.apiKey });
  await eventually(async () => ((await runtime.channels.get(tenant.accountId, channel.id)).state === "RUNNING" ? true : undefined));
  const target = `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`;
  for (const step of pushPlan) {
    const pusher = push({ seconds: step.seconds, width: 1280, height: 720 }, ["-f", "flv", target]);
    pushes.push(pusher);
    expect(await pusher.done).toBe(0);
    if (step.pauseAfterMs) await new Promise((resolve) => setTimeout(resolve, step.pauseAfterMs));
  }
  await runtime.api("POST", `/channels/${channel.id}/stop`, { token: tenant.apiKey });
  const { sessionId } = await runtime.channels.get(tenant.accountId, channel.id);
  const listed = await eventually(
    async () => {
      const { body } = await runtime.api("GET", `/recordings?channelId=${channel.id}`, { token: tenant.apiKey });
      return body.recordings?.[0]?.status === "READY" ? body.recordings : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return { channel, sessionId: sessionId!, recordings: listed, recording: listed[0] };
}

async function download(url: string, name: string) {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  const file = join(work, name);
  await writeFile(file, Buffer.from(await answer.arrayBuffer()));
  return file;
}

describe("recordings end to end", () => {
  it("turns a 30 s push into one READY MP4 of 30 s, served only through a valid signed URL", async () => {
    const { recordings, recording } = await liveSession([{ seconds: 30 }]);
    expect(recordings).toHaveLength(1);
    expect(Math.abs(recording.durationMs - 30_000)).toBeLessThanOrEqual(1_000);
    expect(recording.sizeBytes).toBeGreaterThan(1_000_000);
    expect(recording.gaps).toEqual([]);

    const playback = (await runtime.api("GET", `/recordings/${recording.id}/playback`, { token: tenant.apiKey })).body;
    const file = await download(playback.url, "recording.mp4");
    expect(Math.abs((await durationSeconds(file)) - 30)).toBeLessThanOrEqual(1);
    // One encoder run keeps its timeline in the MP4: no time added where segments join (it was 5–16 ms per join, 13 s an hour).
    const timeline = await videoTimeline(file);
    expect(Math.abs(timeline.spanSeconds - (timeline.frames - 1) / 30)).toBeLessThan(0.002);
    const ranged = await fetch(playback.url, { headers: { range: "bytes=0-99" } });
    expect(ranged.status).toBe(206);

    const unsigned = playback.url.split("?")[0];
    const signature = /Signature=([^&]+)/.exec(playback.url)![1]!;
    const flipped = signature[5] === "A" ? "B" : "A";
    const tampered = playback.url.replace(signature, signature.slice(0, 5) + flipped + signature.slice(6));
    const expired = await runtime.signer.signUrl(tenant.accountId, unsigned, new Date(Date.now() - 1_000));
    const foreign = await runtime.signer.signUrl(other.accountId, unsigned, new Date(Date.now() + 60_000));
    for (const url of [unsigned, tampered, expired, foreign]) expect((await fetch(url)).status).toBe(403);

    const browser = await launchChromium();
    try {
      const played = await watchPlayer(await browser.newPage(), playback.playerUrl, { seconds: 3 });
      expect(played.fatalError).toBeNull();
      expect(played.currentTimeEnd - played.currentTimeStart).toBeGreaterThan(1.5);
      for (const denied of [tampered, expired]) {
        const refused = await watchPlayer(await browser.newPage(), `${new URL(playback.playerUrl).origin}/player.html?src=${encodeURIComponent(denied)}`, { seconds: 1 });
        expect(refused.fatalError).toMatch(/not allowed/);
        expect(refused.currentTimeEnd).toBe(0);
      }
    } finally {
      await browser.close();
    }

    expect((await runtime.api("GET", `/recordings/${recording.id}`, { token: other.apiKey })).status).toBe(404);
    expect((await runtime.api("GET", `/recordings/${recording.id}/playback`, { token: other.apiKey })).status).toBe(404);
  }, 90_000);

  it("makes one MP4 of a push that drops for 5 s and reconnects, listing the gap", async () => {
    const { recordings, recording } = await liveSession([{ seconds: 8, pauseAfterMs: 5_000 }, { seconds: 8 }]);

    expect(recordings).toHaveLength(1);
    expect(recording.gaps.length).toBeGreaterThanOrEqual(1);
    expect(recording.gaps[0].reason).toBe("no-input");
    const gapMs = Date.parse(recording.gaps[0].to) - Date.parse(recording.gaps[0].from);
    expect(gapMs).toBeGreaterThanOrEqual(5_000);
    expect(recording.durationMs).toBeGreaterThan(14_500);
    expect(recording.durationMs).toBeLessThan(17_000);
  }, 90_000);

  it("replaying every event of a session three times, shuffled, changes nothing: one recording, one MP4, one job", async () => {
    const before = events.length;
    const { channel, recording } = await liveSession([{ seconds: 6 }]);
    const session = events.slice(before);
    const jobsBefore = session.filter((event) => event["detail-type"] === "MediaConvert Job State Change" && (event.detail as { status: string }).status === "PROGRESSING");
    expect(jobsBefore).toHaveLength(1);

    const replay = [...session, ...session, ...session]
      .map((event, index) => ({ event: index % 2 === 0 ? event : { ...event, id: `${event.id}-again-${index}` }, order: Math.random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ event }) => event);
    const jobEvents = () =>
      events.filter(
        (event) => event["detail-type"] === "MediaConvert Job State Change" && (event.detail as { userMetadata: { recordingId?: string } }).userMetadata.recordingId === recording.id,
      ).length;
    const jobEventsBefore = jobEvents();
    const replayedJobEvents = replay.filter((event) => event["detail-type"] === "MediaConvert Job State Change").length;
    for (const event of replay) runtime.bus.put(event);
    await runtime.bus.idle();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await runtime.bus.idle();

    const after = (await runtime.api("GET", `/recordings?channelId=${channel.id}`, { token: tenant.apiKey })).body.recordings;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: recording.id, status: "READY", durationMs: recording.durationMs, attempts: 1 });
    // Only the replayed copies arrived: no new job reported anything.
    expect(jobEvents()).toBe(jobEventsBefore + replayedJobEvents);
    const vod = await readdir(join(runtime.dataDir, "buckets", `visionstream-local-${tenant.accountId}`, "vod"));
    expect(vod.filter((name) => name.startsWith(recording.id))).toEqual([`${recording.id}.mp4`]);
  }, 60_000);

  it("deletes a recording with its MP4 and segments", async () => {
    const { channel, sessionId, recording } = await liveSession([{ seconds: 4 }]);
    const bucket = join(runtime.dataDir, "buckets", `visionstream-local-${tenant.accountId}`);

    expect((await runtime.api("DELETE", `/recordings/${recording.id}`, { token: other.apiKey })).status).toBe(404);
    expect((await runtime.api("DELETE", `/recordings/${recording.id}`, { token: tenant.apiKey })).status).toBe(204);

    expect((await runtime.api("GET", `/recordings/${recording.id}`, { token: tenant.apiKey })).status).toBe(404);
    await expect(readdir(join(bucket, "recordings", channel.id, sessionId))).rejects.toThrow();
    expect((await readdir(join(bucket, "vod"))).includes(`${recording.id}.mp4`)).toBe(false);
  });
});
