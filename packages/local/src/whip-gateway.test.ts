import { execFileSync } from "node:child_process";
import { Broadcasts } from "@visionstream/core";
import { publishWhip, type WhipPublish } from "@visionstream/whip/testing/publisher";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SMALL_LADDER } from "../testing/reliability.ts";
import { activeAccount, eventually, startTestRuntime } from "../testing/runtime.ts";
import { broadcastSecret } from "./secrets/broadcast-secret.ts";

let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
let tenant: { accountId: string; apiKey: string };
const publishes: WhipPublish[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ rtmpPort: 21_000, rtpPort: 21_100, ladder: SMALL_LADDER, preset: "ultrafast" });
  tenant = await activeAccount(runtime, "broadcaster");
}, 60_000);

afterEach(async () => {
  await Promise.all(publishes.splice(0).map((publish) => publish.stop()));
});

afterAll(async () => {
  await runtime?.cleanup();
});

async function channel(settings: Record<string, unknown> = {}, start = true) {
  const created = await runtime.api("POST", "/channels", { token: tenant.apiKey, json: { name: "from the browser", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"], ...settings } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id: string = created.body.channel.id;
  if (start) {
    await runtime.api("POST", `/channels/${id}/start`, { token: tenant.apiKey });
    await eventually(async () => ((await runtime.channels.get(tenant.accountId, id)).state === "RUNNING" ? true : undefined), { timeoutMs: 20_000 });
  }
  const grant = await runtime.api("POST", `/channels/${id}/broadcast`, { token: tenant.apiKey });
  expect(grant.status, JSON.stringify(grant.body)).toBe(200);
  return { id, whipUrl: grant.body.whipUrl as string, token: grant.body.token as string, broadcastUrl: grant.body.broadcastUrl as string };
}

async function publish(url: string, token: string | undefined, options: Parameters<typeof publishWhip>[1] = {}) {
  const publishing = await publishWhip(url, { ...options, headers: token ? { authorization: `Bearer ${token}` } : {} });
  publishes.push(publishing);
  return publishing;
}

/** The forwarders (ffmpeg reading SDP from its stdin) running on the machine right now, of any gateway. */
function forwarders(): number[] {
  const gateway = runtime.whip.sessions().map((session) => session.forwarderPid);
  return gateway.filter((pid): pid is number => pid !== undefined && isAlive(pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** ffmpeg forwarders (reading an SDP) among this process's children: the gateway runs in the test's process. */
function sdpForwarders(): number {
  try {
    return execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" }).split("\n").filter((line) => line.includes("-f sdp")).length;
  } catch {
    return 0;
  }
}

const publisherConnected = async (channelId: string) => {
  const live = await runtime.api("GET", `/channels/${channelId}/playback`, { token: tenant.apiKey });
  const master = await fetch(`${live.body.hlsUrl}?${live.body.query}`);
  return master.status === 200 ? true : undefined;
};

describe("the WHIP gateway", () => {
  it("answers a channel's broadcast link with its WHIP endpoint and a token, and the page link carries the token only in its fragment", async () => {
    const { id, whipUrl, broadcastUrl, token } = await channel({}, false);

    const page = new URL(broadcastUrl);
    expect(whipUrl).toBe(`${runtime.whipUrl}/whip/channels/${id}`);
    expect(page.pathname).toBe("/broadcast.html");
    expect(page.searchParams.get("whip")).toBe(whipUrl);
    expect(page.searchParams.get("api")).toBe(runtime.apiUrl);
    expect(page.search).not.toContain(token);
    expect(new URLSearchParams(page.hash.slice(1)).get("token")).toBe(token);
    expect((await runtime.api("GET", "/broadcast/channel", { token })).body).toMatchObject({ channelId: id, state: "CREATED" });
    expect((await runtime.api("GET", "/broadcast/channel", {})).status).toBe(401);
    expect((await runtime.api("POST", `/channels/${id}/broadcast?expiresIn=5`, { token: tenant.apiKey })).body.error.details.issues[0]).toMatchObject({ field: "expiresIn", in: "query" });
  });

  it("refuses an offer with no token, an expired token, a forged token or another channel's token (401/403), and starts nothing", async () => {
    const { id, whipUrl, token } = await channel();
    const other = await channel({}, false);
    // A token as the API would have made it two hours ago, for one minute.
    const past = Broadcasts({
      channels: { get: (accountId, channelId) => runtime.channels.get(accountId, channelId) },
      accounts: { get: (accountId) => runtime.accounts.get(accountId) },
      secret: () => broadcastSecret(runtime.layout),
      now: () => new Date(Date.now() - 2 * 3_600_000),
    });
    const expired = (await past.grant(tenant.accountId, id, { expiresInSeconds: 60 })).token;

    const answers = [
      await publish(whipUrl, undefined),
      await publish(whipUrl, expired),
      await publish(whipUrl, `${token.slice(0, -4)}AAAA`),
      await publish(whipUrl, other.token),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 403]);
    expect(JSON.parse(answers[1]!.body).error.message).toMatch(/expired at .*ask for a new broadcast link/);
    expect(JSON.parse(answers[3]!.body).error).toMatchObject({ code: "FORBIDDEN", message: `the broadcast token is for another channel than ${id}` });
    expect(answers.every((answer) => answer.location === undefined)).toBe(true);
    expect(runtime.whip.sessions()).toEqual([]);
    expect(sdpForwarders()).toBe(0);
  }, 60_000);

  it("refuses an offer without H.264 with a 400 naming the codec, a channel not running with 409, and an address outside the allow-list with 403", async () => {
    const running = await channel();
    const idle = await channel({}, false);
    const guarded = await channel({ allowCidrs: ["10.0.0.0/8"] });

    const vp8 = await publish(running.whipUrl, running.token, { videoCodec: "VP8" });
    const notRunning = await publish(idle.whipUrl, idle.token);
    const outside = await publish(guarded.whipUrl, guarded.token);
    const notSdp = await fetch(running.whipUrl, { method: "POST", headers: { authorization: `Bearer ${running.token}`, "content-type": "application/json" }, body: "{}" });

    expect(vp8.status).toBe(400);
    expect(JSON.parse(vp8.body).error).toMatchObject({ code: "UNSUPPORTED_OFFER", details: { field: "video codec" } });
    expect(JSON.parse(vp8.body).error.message).toMatch(/no H\.264 video \(it offers VP8\)/);
    expect(notRunning.status).toBe(409);
    expect(JSON.parse(notRunning.body).error.message).toBe(`channel ${idle.id} is CREATED: start it, then go live`);
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body).error.message).toBe("127.0.0.1 is not in the channel's allow-list");
    expect(notSdp.status).toBe(415);
    expect(runtime.whip.sessions()).toEqual([]);
    expect(sdpForwarders()).toBe(0);
  }, 60_000);

  it("publishes a broadcast into the channel's ingest; DELETE of the session ends it, and the channel reports input loss as with RTMP", async () => {
    const { id, whipUrl, token } = await channel();

    const publishing = await publish(whipUrl, token);
    expect(publishing.status, publishing.body).toBe(201);
    expect(publishing.location).toMatch(new RegExp(`^${runtime.whipUrl}/whip/sessions/[0-9a-f-]{36}$`));
    expect(await publishing.connected).toBe(true);
    await eventually(() => publisherConnected(id), { timeoutMs: 20_000 });
    const [session] = runtime.whip.sessions();
    expect(session).toMatchObject({ endpoint: id, key: id });
    expect(forwarders()).toEqual([session!.forwarderPid]);

    expect(await publishing.stop({ delete: true })).toBe(200);

    expect(runtime.whip.sessions()).toEqual([]);
    expect(isAlive(session!.forwarderPid!)).toBe(false);
    const lost = await eventually(async () => (await runtime.channels.get(tenant.accountId, id)).inputLostSince, { timeoutMs: 15_000 });
    expect(Date.parse(lost)).toBeGreaterThan(publishing.startedAt);
    expect((await fetch(publishing.location!, { method: "DELETE" })).status).toBe(404);
  }, 90_000);

  it("lets a second publisher take over the channel, as a second RTMP publisher does: the first session ends", async () => {
    const { id, whipUrl, token } = await channel();
    const first = await publish(whipUrl, token);
    expect(await first.connected).toBe(true);
    const [firstSession] = runtime.whip.sessions();

    const second = await publish(whipUrl, token);

    expect(second.status).toBe(201);
    expect(await second.connected).toBe(true);
    const sessions = runtime.whip.sessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.id).not.toBe(firstSession!.id);
    expect((await fetch(first.location!, { method: "DELETE" })).status).toBe(404);
    expect(runtime.whip.ended().find((session) => session.id === firstSession!.id)?.reason).toBe("another publisher took over");
    await eventually(async () => ((runtime.whip.sessions()[0]?.stats.videoPackets ?? 0) > 100 ? true : undefined), { timeoutMs: 10_000 });
    await eventually(() => publisherConnected(id), { timeoutMs: 20_000 });
  }, 90_000);
});
