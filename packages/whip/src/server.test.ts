import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishWhip } from "../testing/publisher.ts";
import { startWhipServer, type WhipServer } from "./server.ts";

const SINK_PORT = 21_450;
const directory = mkdtempSync(join(tmpdir(), "whip-server-"));
const source = join(directory, "camera.mkv");
let server: WhipServer;
const refusedTokens: string[] = [];

class NotYours extends Error {}

beforeAll(async () => {
  // What a browser sends: H.264 constrained baseline and Opus; 2 s GOPs.
  execFileSync("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "20"],
    ...["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "libopus", "-ac", "2", source],
  ]);
  server = await startWhipServer({
    host: "127.0.0.1",
    port: 0,
    prefix: "/whip/channels",
    publishTarget: async ({ endpoint, token }) => {
      if (token !== "good") {
        refusedTokens.push(String(token));
        throw new NotYours(`no publishing to ${endpoint}`);
      }
      return { key: endpoint, rtmpUrls: [`rtmp://127.0.0.1:${SINK_PORT}/live/${endpoint}`], secrets: [endpoint] };
    },
    errorResponse: (error) => (error instanceof NotYours ? { status: 403, body: { error: { code: "FORBIDDEN", message: error.message, details: {} } } } : undefined),
    ice: { iceAdditionalHostAddresses: ["127.0.0.1"], iceInterfaceAddresses: { udp4: "127.0.0.1" } },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Every video packet's MD5 (ffmpeg's framemd5 of the stream copied as it is), by stream: "video" or "audio". */
function packetHashes(framemd5: string): { video: string[]; audio: string[]; audioCodec: string | undefined } {
  const video: string[] = [];
  const audio: string[] = [];
  for (const line of framemd5.split("\n")) {
    const fields = line.split(",").map((field) => field.trim());
    if (fields.length < 6 || line.startsWith("#")) continue;
    (fields[0] === "0" ? video : audio).push(fields[5]!);
  }
  return { video, audio, audioCodec: /#codec_id 1: (\w+)/.exec(framemd5)?.[1] };
}

/** Until something listens on TCP `port` (/proc/net/tcp, state 0A): ffmpeg's RTMP listener takes a moment to start on a busy machine. */
async function untilListening(port: number, boundMs = 20_000) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const deadline = Date.now() + boundMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const listening = readFileSync("/proc/net/tcp", "utf8").split("\n").some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1]?.endsWith(hex) && fields[3] === "0A";
    });
    if (listening) return;
  }
  throw new Error(`nothing listens on TCP port ${port}`);
}

function rtmpSink(name: string): { process: ChildProcess; output: Promise<string>; videoPackets: () => number } {
  const sink = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-listen", "1", "-i", `rtmp://127.0.0.1:${SINK_PORT}/live/${name}`, "-map", "0", "-c", "copy", "-f", "framemd5", "-"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let output = "";
  sink.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return { process: sink, output: new Promise((resolve) => sink.once("exit", () => resolve(output))), videoPackets: () => packetHashes(output).video.length };
}

describe("startWhipServer", () => {
  it("answers a WHIP offer with 201, the answer and a session resource, and forwards the H.264 it receives without re-encoding it", async () => {
    const sink = rtmpSink("stage");
    await untilListening(SINK_PORT);
    const publish = await publishWhip(`${server.url}/whip/channels/stage`, { file: source, headers: { authorization: "Bearer good" } });
    expect(publish.status, publish.body).toBe(201);
    expect(publish.body).toMatch(/^v=0\r\n/);
    expect(publish.body).toMatch(/a=fmtp:\d+ .*packetization-mode=1.*x-google-start-bitrate=2500/);
    expect(publish.location).toMatch(new RegExp(`^${server.url}/whip/sessions/[0-9a-f-]{36}$`));
    expect(await publish.connected).toBe(true);
    // Until 200 pictures (6.7 s) have come through, however long a busy machine takes to start the forwarder.
    for (const deadline = Date.now() + 40_000; sink.videoPackets() < 200 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 250));

    const patch = await fetch(publish.location!, { method: "PATCH", headers: { "content-type": "application/trickle-ice-sdpfrag" }, body: "a=end-of-candidates\r\n" });
    expect(patch.status).toBe(405);
    expect(patch.headers.get("allow")).toBe("DELETE, OPTIONS");
    // POST on the session is WHIP's to define: 405; the page's beacon goes to <session>/end, which takes POST only.
    const post = await fetch(publish.location!, { method: "POST" });
    const getEnd = await fetch(`${publish.location!}/end`);
    expect([post.status, post.headers.get("allow")]).toEqual([405, "DELETE, OPTIONS"]);
    expect([getEnd.status, getEnd.headers.get("allow")]).toEqual([405, "POST"]);
    expect(server.sessions()).toHaveLength(1);
    expect(await publish.stop({ delete: true })).toBe(200);
    const received = packetHashes(await sink.output);

    const sent = new Set(packetHashes(execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", source, "-map", "0", "-c", "copy", "-f", "framemd5", "-"], { encoding: "utf8" })).video);
    // Keyframes carry the parameter sets in band after the trip (the publisher sends them so): every other packet is byte for byte the one sent.
    const same = received.video.filter((hash) => sent.has(hash)).length;
    expect(received.video.length).toBeGreaterThanOrEqual(200);
    expect(same / received.video.length).toBeGreaterThan(0.95);
    expect(received.audioCodec).toBe("aac");
    expect(received.audio.length).toBeGreaterThan(200);
    expect(server.sessions()).toEqual([]);
  }, 60_000);

  it("takes the token from the Authorization header and answers a refusal as the caller's error says, starting nothing", async () => {
    const refused = await fetch(`${server.url}/whip/channels/stage`, { method: "POST", headers: { authorization: "Bearer bad", "content-type": "application/sdp" }, body: "v=0\r\n" });

    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: "FORBIDDEN", message: "no publishing to stage", details: {} } });
    expect(refusedTokens.at(-1)).toBe("bad");
    expect(server.sessions()).toEqual([]);
  });

  it("speaks WHIP's HTTP: OPTIONS for browsers, 415 for a body that is not SDP, 400 naming the codec, 405 for PATCH, 404 for an ended session", async () => {
    const options = await fetch(`${server.url}/whip/channels/stage`, { method: "OPTIONS" });
    const json = await fetch(`${server.url}/whip/channels/stage`, { method: "POST", headers: { authorization: "Bearer good", "content-type": "application/json" }, body: "{}" });
    const vp8 = await publishWhip(`${server.url}/whip/channels/stage`, { videoCodec: "VP8", headers: { authorization: "Bearer good" } });
    const patch = await fetch(`${server.url}/whip/sessions/00000000-0000-0000-0000-000000000000`, { method: "PATCH" });
    const undecodable = await fetch(`${server.url}/whip/channels/%E0`, { method: "POST", headers: { authorization: "Bearer good", "content-type": "application/sdp" }, body: "v=0\r\n" });
    const get = await fetch(`${server.url}/whip/channels/stage`);
    const credentials = "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\na=fingerprint:sha-256 AB:CD\r\n";
    const unreadable = await fetch(`${server.url}/whip/channels/stage`, {
      method: "POST",
      headers: { authorization: "Bearer good", "content-type": "application/sdp" },
      body: `v=0\r\n${credentials}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n`,
    });
    const gone = await fetch(`${server.url}/whip/sessions/00000000-0000-0000-0000-000000000000`, { method: "DELETE" });
    const goneBeacon = await fetch(`${server.url}/whip/sessions/00000000-0000-0000-0000-000000000000/end`, { method: "POST" });
    await vp8.stop();

    expect(options.status).toBe(204);
    expect(options.headers.get("accept-post")).toBe("application/sdp");
    expect(options.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(options.headers.get("access-control-expose-headers")).toContain("location");
    expect(json.status).toBe(415);
    expect((await json.json()).error.details).toEqual({ field: "content-type" });
    expect(vp8.status).toBe(400);
    expect(JSON.parse(vp8.body).error).toMatchObject({ code: "UNSUPPORTED_OFFER", details: { field: "video codec" } });
    expect(patch.status).toBe(404);
    expect(undecodable.status).toBe(404);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
    expect(unreadable.status).toBe(400);
    expect((await unreadable.json()).error).toMatchObject({ code: "UNSUPPORTED_OFFER", details: { field: "sdp" } });
    expect(gone.status).toBe(404);
    expect(goneBeacon.status).toBe(404);
    expect(server.sessions()).toEqual([]);
  }, 30_000);
});
