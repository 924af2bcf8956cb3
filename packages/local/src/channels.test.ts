import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "./eventbridge/bus.ts";
import { launchChromium, watchPlayer } from "../testing/browser.ts";
import { expectLadderSegments, signedFetch } from "../testing/ladder.ts";
import { push } from "../testing/media.ts";
import { eventually, startTestRuntime, TEST_ADMIN_TOKEN } from "../testing/runtime.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let apiKey: string;
let work: string;
const medialive: BusEvent[] = [];
const segmentEvents: BusEvent[] = [];
const pushes: ReturnType<typeof push>[] = [];

beforeAll(async () => {
  // Each test file has ingest ports of its own, so files running side by side never collide.
  const base = 21_000;
  runtime = await startTestRuntime({ rtmpPort: base, rtpPort: base + 100 });
  runtime.bus.subscribe("test-medialive", { source: ["aws.medialive"] }, async (event) => void medialive.push(event));
  runtime.bus.subscribe("test-s3", { source: ["aws.s3"] }, async (event) => void segmentEvents.push(event));
  work = await mkdtemp(join(tmpdir(), "visionstream-channels-"));
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name: "broadcaster" } });
  apiKey = created.body.apiKey;
  await eventually(async () => {
    const { body } = await runtime.api("GET", `/accounts/${created.body.account.id}`, { token: apiKey });
    return body.account.status === "ACTIVE" ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  for (const pusher of pushes) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await runtime?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function createChannel(body: Record<string, unknown>) {
  const answer = await runtime.api("POST", "/channels", { token: apiKey, json: body });
  expect(answer.status).toBe(201);
  return answer.body.channel;
}

async function waitForState(channelId: string, state: string, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const { body } = await runtime.api("GET", `/channels/${channelId}`, { token: apiKey });
      return body.channel.state === state ? body.channel : undefined;
    },
    { timeoutMs },
  );
}

describe("channels API", () => {
  it("validates channels and names the field at fault", async () => {
    const badCidr = await runtime.api("POST", "/channels", { token: apiKey, json: { name: "x", inputType: "RTMP_PUSH", allowCidrs: ["300.1.1.1/8"] } });
    const badType = await runtime.api("POST", "/channels", { token: apiKey, json: { name: "x", inputType: "SRT", allowCidrs: ["10.0.0.0/8"] } });
    const asOperator = await runtime.api("POST", "/channels", { token: TEST_ADMIN_TOKEN, json: { name: "x", inputType: "RTMP_PUSH", allowCidrs: ["10.0.0.0/8"] } });
    const unknown = await runtime.api("GET", "/channels/ch-0000000000000000", { token: apiKey });

    expect(badCidr.status).toBe(400);
    expect(badCidr.body.error.details.issues[0].field).toBe("allowCidrs.0");
    expect(badType.body.error.details.issues[0].field).toBe("inputType");
    expect(asOperator.status).toBe(403);
    expect(unknown.status).toBe(404);
  });

  it("gives STANDARD channels two ingest endpoints and refuses to delete a running channel", async () => {
    const channel = await createChannel({ name: "redundant", inputType: "RTMP_PUSH", redundancy: "STANDARD", allowCidrs: ["127.0.0.1/32"] });
    expect(channel.ingest).toHaveLength(2);
    expect(channel.ingest[0].streamKey).toBe(channel.ingest[1].streamKey);
    expect(channel.ingest[0].url).not.toBe(channel.ingest[1].url);

    expect((await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey })).status).toBe(202);
    await waitForState(channel.id, "RUNNING");
    expect((await runtime.api("DELETE", `/channels/${channel.id}`, { token: apiKey })).status).toBe(409);
    expect((await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey })).status).toBe(409);
    expect((await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey })).status).toBe(202);
    await waitForState(channel.id, "STOPPED");
    const deleting = await runtime.api("DELETE", `/channels/${channel.id}`, { token: apiKey });
    expect(deleting.status).toBe(202);
    expect(deleting.body.channel.state).toBe("DELETING");
    await runtime.bus.idle();
    expect((await runtime.api("GET", `/channels/${channel.id}`, { token: apiKey })).status).toBe(404);
  });
});

describe("live over RTMP, end to end", () => {
  // A 20 s push in real time, then its stop and STOPPED: 22 s alone on the 2 cores, more beside the suite's other files.
  it("transcodes 20 s of 1080p30 to the ladder, served through the CDN with a signature, and emits STOPPED", async () => {
    const channel = await createChannel({ name: "main stage", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");
    const { url, streamKey } = channel.ingest[0];

    const pusher = push({ seconds: 20 }, ["-f", "flv", `${url}/${streamKey}`]);
    pushes.push(pusher);
    expect(await pusher.done).toBe(0);

    const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: apiKey })).body;
    await expectLadderSegments(playback, work, "rtmp");

    const before = medialive.length;
    expect((await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey })).status).toBe(202);
    const stopped = await waitForState(channel.id, "STOPPED");
    const changes = medialive.slice(before).filter((event) => event["detail-type"] === "MediaLive Channel State Change");
    expect(changes.map((event) => (event.detail as { state?: string }).state)).toEqual(["STOPPING", "STOPPED"]);
    expect(changes.at(-1)).toMatchObject({
      source: "aws.medialive",
      "detail-type": "MediaLive Channel State Change",
      detail: { state: "STOPPED", pipelines_running_count: 0, channel_arn: expect.stringMatching(/^arn:aws:medialive:local:000000000000:channel:\d+$/) },
    });
    const recorded = segmentEvents.filter((event) => (event.detail as { object: { key: string } }).object.key.startsWith(`recordings/${channel.id}/${stopped.sessionId}/1080p/`));
    expect(recorded.length).toBeGreaterThanOrEqual(8);
  }, 90_000);

  it("refuses a wrong stream key and an address outside the allow-list", async () => {
    const open = await createChannel({ name: "keyed", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] });
    const closed = await createChannel({ name: "fenced", inputType: "RTMP_PUSH", allowCidrs: ["203.0.113.0/24"] });
    for (const channel of [open, closed]) await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(open.id, "RUNNING");
    await waitForState(closed.id, "RUNNING");

    const wrongKey = push({ seconds: 3, width: 320, height: 240 }, ["-f", "flv", `${open.ingest[0].url}/not-the-key`]);
    const wrongAddress = push({ seconds: 3, width: 320, height: 240 }, ["-f", "flv", `${closed.ingest[0].url}/${closed.ingest[0].streamKey}`]);
    pushes.push(wrongKey, wrongAddress);

    expect(await wrongKey.done).not.toBe(0);
    expect(await wrongAddress.done).not.toBe(0);
    for (const channel of [open, closed]) await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
  });

  it("continues the same recording session when the publisher reconnects, marking the discontinuity", async () => {
    const channel = await createChannel({ name: "flaky uplink", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    const running = await waitForState(channel.id, "RUNNING");
    const target = `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`;

    const first = push({ seconds: 7, width: 640, height: 360 }, ["-f", "flv", target]);
    pushes.push(first);
    await first.done;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = push({ seconds: 7, width: 640, height: 360 }, ["-f", "flv", target]);
    pushes.push(second);
    await second.done;
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    const stopped = await waitForState(channel.id, "STOPPED");

    const account = (await runtime.api("GET", "/channels", { token: apiKey })).body;
    expect(account.channels.length).toBeGreaterThan(0);
    expect(stopped.sessionId).toBe(running.sessionId);
    const sessions = await readdir(join(runtime.dataDir, "buckets"))
      .then((buckets) => Promise.all(buckets.map((name) => readdir(join(runtime.dataDir, "buckets", name, "recordings", channel.id)).catch(() => []))))
      .then((lists) => lists.flat());
    expect(sessions).toEqual([running.sessionId]);
    const playlistFile = (await readdir(join(runtime.dataDir, "buckets"))).map((name) => join(runtime.dataDir, "buckets", name, "live", channel.id, "720p", "index.m3u8"));
    const playlist = (await Promise.all(playlistFile.map((file) => readFile(file, "utf8").catch(() => "")))).join("");
    expect(playlist).toContain("#EXT-X-DISCONTINUITY");
  });
});

async function liveDir(channelId: string) {
  const buckets = await readdir(join(runtime.dataDir, "buckets"));
  for (const bucket of buckets) {
    const directory = join(runtime.dataDir, "buckets", bucket, "live", channelId);
    if (await readdir(directory).then(() => true, () => false)) return directory;
  }
  throw new Error(`no live directory for ${channelId}`);
}

async function recordedSequences(channelId: string, sessionId: string, rendition: string) {
  const live = await liveDir(channelId);
  const names = await readdir(join(live, "..", "..", "recordings", channelId, sessionId, rendition));
  return names.map((name) => Number(/seg_(\d+)\.ts/.exec(name)?.[1])).sort((a, b) => a - b);
}

describe("live over RTP, end to end", () => {
  it("takes MPEG-2 HD at 10 Mb/s in MPEG-TS over RTP and transcodes it to the ladder", async () => {
    const channel = await createChannel({ name: "contribution", inputType: "RTP_PUSH", allowCidrs: ["127.0.0.0/8"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");
    expect(channel.ingest[0].url).toMatch(/^rtp:\/\/127\.0\.0\.1:\d+$/);

    const pusher = push({ seconds: 12 }, ["-f", "rtp_mpegts", channel.ingest[0].url], [
      "-c:v", "mpeg2video", "-b:v", "10M", "-minrate", "10M", "-maxrate", "10M", "-bufsize", "4M", "-g", "15", "-pix_fmt", "yuv420p",
      "-c:a", "mp2", "-b:a", "192k",
    ]);
    pushes.push(pusher);
    expect(await pusher.done).toBe(0);

    const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: apiKey })).body;
    await expectLadderSegments(playback, work, "rtp");

    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    const stopped = await waitForState(channel.id, "STOPPED");
    expect((await recordedSequences(channel.id, stopped.sessionId, "720p")).length).toBeGreaterThanOrEqual(4);
  });
});

describe("redundant ingest (STANDARD)", () => {
  it("continues from the other endpoint when the active one stops delivering for 3 s, without stopping", async () => {
    const channel = await createChannel({ name: "two uplinks", inputType: "RTMP_PUSH", redundancy: "STANDARD", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    const running = await waitForState(channel.id, "RUNNING");
    const [first, second] = channel.ingest as { url: string; streamKey: string }[];

    const primary = push({ seconds: 30, width: 640, height: 360 }, ["-f", "flv", `${first!.url}/${first!.streamKey}`]);
    pushes.push(primary);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const backup = push({ seconds: 16, width: 640, height: 360 }, ["-f", "flv", `${second!.url}/${second!.streamKey}`]);
    pushes.push(backup);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const beforeStall = (await recordedSequences(channel.id, running.sessionId, "240p")).at(-1) ?? 0;
    primary.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const afterStall = (await recordedSequences(channel.id, running.sessionId, "240p")).at(-1) ?? 0;
    primary.kill("SIGKILL");

    expect(beforeStall).toBeGreaterThan(0);
    expect(afterStall).toBeGreaterThan(beforeStall + 1);
    expect((await runtime.api("GET", `/channels/${channel.id}`, { token: apiKey })).body.channel.state).toBe("RUNNING");
    const playlist = await readFile(join(await liveDir(channel.id), "240p", "index.m3u8"), "utf8");
    expect(playlist).toContain("#EXT-X-DISCONTINUITY");
    await backup.done;
    await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    await waitForState(channel.id, "STOPPED");
  });
});

describe("the web player", () => {
  it("plays a live channel in Chromium through the signed playback URL", async () => {
    const channel = await createChannel({ name: "watched", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] });
    await runtime.api("POST", `/channels/${channel.id}/start`, { token: apiKey });
    await waitForState(channel.id, "RUNNING");
    const pusher = push({ seconds: 40, width: 1280, height: 720 }, ["-f", "flv", `${channel.ingest[0].url}/${channel.ingest[0].streamKey}`]);
    pushes.push(pusher);
    const playback = (await runtime.api("GET", `/channels/${channel.id}/playback`, { token: apiKey })).body;
    await eventually(
      async () => {
        const playlist = await (await signedFetch(new URL("240p/index.m3u8", playback.hlsUrl).toString(), playback.query)).text();
        return (playlist.match(/#EXTINF/g) ?? []).length >= 3 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const watched = await watchPlayer(page, playback.playerUrl, { seconds: 5 });
      expect(watched.fatalError).toBeNull();
      expect(watched.levels.length).toBeGreaterThanOrEqual(2);
      expect(watched.currentTimeEnd - watched.currentTimeStart).toBeGreaterThan(2);
      const tampered = await browser.newPage();
      // The signature's first character changed (one that starts with "A" becomes "B", so the URL always differs).
      const tamperedUrl = playback.playerUrl.replace(/Signature%3D([A-Za-z0-9])/, (_: string, first: string) => `Signature%3D${first === "A" ? "B" : "A"}`);
      expect(tamperedUrl).not.toBe(playback.playerUrl);
      const denied = await watchPlayer(tampered, tamperedUrl, { seconds: 1 });
      expect(denied.fatalError).toMatch(/not allowed/);
    } finally {
      await browser.close();
      pusher.kill("SIGKILL");
      await runtime.api("POST", `/channels/${channel.id}/stop`, { token: apiKey });
    }
  }, 90_000);
});
