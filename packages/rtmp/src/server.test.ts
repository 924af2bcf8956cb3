import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decodeAmf0, encodeAmf0 } from "./amf0.ts";
import { encodeChunks, MESSAGE_TYPE } from "./chunks.ts";
import { FLV_HEADER } from "./flv.ts";
import { type PublishRequest, type PublishSession, type RtmpIngestOptions, startRtmpIngest } from "./server.ts";
import { Children, ffmpegPublishArgs, ffprobe, RawRtmpClient } from "./testing.ts";

const children = new Children();
let closeIngest: (() => Promise<void>) | undefined;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "visionstream-rtmp-"));
});

afterEach(async () => {
  children.killAll();
  await closeIngest?.();
  closeIngest = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(overrides: Partial<RtmpIngestOptions> = {}) {
  const seen = {
    connections: [] as string[],
    requests: [] as PublishRequest[],
    sessions: [] as PublishSession[],
    refused: [] as Array<{ remoteAddress: string; reason: string }>,
  };
  const ingest = await startRtmpIngest({
    host: "127.0.0.1",
    port: 0,
    allowConnection: (address) => {
      seen.connections.push(address);
      return true;
    },
    authorize: (request) => {
      seen.requests.push(request);
      return { ok: true };
    },
    onPublish: (session) => seen.sessions.push(session),
    onRefused: (event) => seen.refused.push(event),
    ...overrides,
  });
  closeIngest = ingest.close;
  return { port: ingest.port, url: (key: string) => `rtmp://127.0.0.1:${ingest.port}/live/${key}`, seen };
}

function sessionNumber(seen: { sessions: PublishSession[] }, index: number): Promise<PublishSession> {
  return vi.waitFor(
    () => {
      const session = seen.sessions[index];
      if (!session) throw new Error("no publish yet");
      return session;
    },
    { timeout: 10_000, interval: 20 },
  );
}

function flvTags(flv: Buffer): Array<{ type: number; timestamp: number; data: Buffer }> {
  const tags = [];
  for (let at = FLV_HEADER.length; at + 11 <= flv.length; ) {
    const size = flv.readUIntBE(at + 1, 3);
    const timestamp = (flv.readUIntBE(at + 4, 3) | (flv[at + 7]! << 24)) >>> 0;
    tags.push({ type: flv[at]!, timestamp, data: flv.subarray(at + 11, at + 11 + size) });
    at += 11 + size + 4;
  }
  return tags;
}

describe("the RTMP ingest with ffmpeg publishing", () => {
  it("relays a publish as an FLV that ffprobe reads as H.264 1280x720 + AAC of about 5 s", async () => {
    const { url, seen } = await start();
    const file = join(dir, "out.flv");

    const publisher = children.spawn("ffmpeg", ffmpegPublishArgs(url("KEY"), { seconds: 5 }));
    const session = await sessionNumber(seen, 0);
    const saved = pipeline(session.flv, createWriteStream(file));
    expect(await publisher.exited).toBe(0);
    await session.closed;
    await saved;

    const probe = await ffprobe(file);
    expect(probe.streams).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ codec_type: "video", codec_name: "h264", width: 1280, height: 720 }),
        expect.objectContaining({ codec_type: "audio", codec_name: "aac" }),
      ]),
    );
    expect(Number(probe.format.duration)).toBeGreaterThan(4.5);
    expect(Number(probe.format.duration)).toBeLessThan(5.5);
    expect(seen.connections).toEqual(["127.0.0.1"]);
    expect(seen.requests).toEqual([{ app: "live", streamName: "KEY", remoteAddress: "127.0.0.1" }]);
    expect(session).toMatchObject({ app: "live", streamName: "KEY", remoteAddress: "127.0.0.1" });
    expect(session.closeReason()).toBe("unpublished");
    const flv = await readFile(file);
    expect(flv.subarray(0, 13)).toEqual(FLV_HEADER);
    const [metadata] = flvTags(flv);
    expect(metadata?.type).toBe(18);
    expect(decodeAmf0(metadata!.data)[0]).toBe("onMetaData");
    const stats = session.stats();
    expect(stats.videoFrames).toBeGreaterThanOrEqual(150);
    expect(stats.audioFrames).toBeGreaterThanOrEqual(230);
    expect(stats.bytes).toBeGreaterThan(flv.length * 0.95);
    expect(stats.lastMediaAt).toBeGreaterThan(Date.now() - 10_000);
    // The publisher's clock: the latest of its stamps, near the end of its 5 s.
    expect(stats.mediaTime).toBeGreaterThan(4_500);
    expect(stats.mediaTime).toBeLessThan(5_500);
  }, 20_000);

  it("turns a refused publish away with NetStream.Publish.BadName: ffmpeg fails at once, no session", async () => {
    const { url, seen } = await start({ authorize: () => ({ ok: false, reason: "unknown stream key" }) });
    const started = Date.now();

    const publisher = children.spawn("ffmpeg", ffmpegPublishArgs(url("SECRET-KEY-1"), { seconds: 10 }));
    const code = await publisher.exited;

    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(publisher.stderrText()).toContain("unknown stream key");
    expect(seen.sessions).toEqual([]);
    expect(seen.refused).toEqual([{ remoteAddress: "127.0.0.1", reason: "unknown stream key" }]);
  });

  it("closes a connection that allowConnection refuses before the handshake", async () => {
    const addresses: string[] = [];
    const { port, url, seen } = await start({
      allowConnection: (address) => {
        addresses.push(address);
        return false;
      },
    });
    const raw = await RawRtmpClient.open(port);

    raw.write(Buffer.alloc(1537, 3));
    await raw.closed;
    const publisher = children.spawn("ffmpeg", ffmpegPublishArgs(url("KEY"), { seconds: 1 }));

    expect(raw.received).toBe(0);
    expect(await publisher.exited).not.toBe(0);
    expect(addresses).toEqual(["127.0.0.1", "127.0.0.1"]);
    expect(seen.refused).toEqual([
      { remoteAddress: "127.0.0.1", reason: "connection not allowed" },
      { remoteAddress: "127.0.0.1", reason: "connection not allowed" },
    ]);
  });

  it("ends the session and its flv when the publisher is killed, and takes the same key again", async () => {
    const { url, seen } = await start();
    const first = children.spawn("ffmpeg", ffmpegPublishArgs(url("KEY"), { seconds: 30 }));
    const session = await sessionNumber(seen, 0);
    const flvEnded = new Promise((resolve) => session.flv.on("end", resolve));
    session.flv.resume();
    await vi.waitFor(() => expect(session.stats().videoFrames).toBeGreaterThan(10), { timeout: 10_000 });

    first.kill("SIGKILL");
    await session.closed;
    await flvEnded;
    const again = children.spawn("ffmpeg", ffmpegPublishArgs(url("KEY"), { seconds: 1 }));
    const next = await sessionNumber(seen, 1);
    next.flv.resume();

    expect(session.closeReason()).toBe("the publisher disconnected");
    expect(next.id).not.toBe(session.id);
    expect(next.streamName).toBe("KEY");
    expect(await again.exited).toBe(0);
    await next.closed;
    expect(next.stats().videoFrames).toBeGreaterThanOrEqual(30);
  }, 20_000);

  it("pipes the flv live into ffmpeg, which remuxes it to MPEG-TS while the publish goes on", async () => {
    const { url, seen } = await start();
    const out = join(dir, "out.ts");
    const publisher = children.spawn("ffmpeg", ffmpegPublishArgs(url("KEY"), { seconds: 5 }));
    let published = false;
    void publisher.exited.then(() => (published = true));
    const session = await sessionNumber(seen, 0);

    const remux = children.spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "flv", "-i", "pipe:0", "-c", "copy", "-f", "mpegts", out]);
    session.flv.pipe(remux.stdin!);
    await vi.waitFor(async () => expect((await stat(out)).size).toBeGreaterThan(100_000), { timeout: 10_000, interval: 50 });

    expect(published).toBe(false);
    expect(await publisher.exited).toBe(0);
    await session.closed;
    expect(await remux.exited).toBe(0);
    const probe = await ffprobe(out);
    expect(probe.format.format_name).toBe("mpegts");
    expect(probe.streams).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ codec_name: "h264", width: 1280, height: 720 }),
        expect.objectContaining({ codec_name: "aac" }),
      ]),
    );
    expect(Number(probe.format.duration)).toBeGreaterThan(4.5);
  }, 20_000);
});

describe("the RTMP ingest against garbage", () => {
  it("closes each connection that sends garbage and keeps taking publishers", async () => {
    const { port, url, seen } = await start();
    const http = await RawRtmpClient.open(port);
    http.write(Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    await http.closed;
    expect(http.received).toBe(0);

    const garbage: Array<[string, (client: RawRtmpClient) => void]> = [
      ["unknown message type 7", (c) => c.write(encodeChunks({ chunkStreamId: 3, type: 7, streamId: 0, timestamp: 0, payload: Buffer.alloc(4) }, 128))],
      ["malformed AMF0: truncated AMF0 value", (c) => c.send({ type: MESSAGE_TYPE.commandAmf0, payload: Buffer.from([0x02, 0x00, 0x10, 0x61]) })],
      ["malformed AMF0: unsupported AMF0 marker 0x11", (c) => c.send({ type: MESSAGE_TYPE.commandAmf0, payload: Buffer.from([0x11, 0x06]) })],
      ["invalid chunk size 0", (c) => c.send({ type: MESSAGE_TYPE.setChunkSize, payload: Buffer.alloc(4), chunkStreamId: 2 })],
      ["control message too short", (c) => c.send({ type: MESSAGE_TYPE.windowAcknowledgementSize, payload: Buffer.alloc(1), chunkStreamId: 2 })],
      ["chunk stream 20 starts without a message header", (c) => c.write(Buffer.from([0xd4, 1, 2, 3]))],
      ["connect without an app", (c) => c.command(0, "connect", 1, { app: 5 })],
    ];
    for (const [, act] of garbage) {
      const client = await RawRtmpClient.open(port);
      await client.handshake();
      act(client);
      await client.closed;
    }

    expect(seen.refused.map((event) => event.reason)).toEqual(["not an RTMP handshake", ...garbage.map(([reason]) => reason)]);
    const publisher = children.spawn("ffmpeg", ffmpegPublishArgs(url("KEY"), { seconds: 1 }));
    const session = await sessionNumber(seen, 0);
    session.flv.resume();
    expect(await publisher.exited).toBe(0);
    await session.closed;
    expect(session.stats().videoFrames).toBeGreaterThanOrEqual(30);
  }, 20_000);
});

describe("the RTMP ingest at the message level", () => {
  it("writes metadata without @setDataFrame and media with their absolute timestamps", async () => {
    const { port, seen } = await start();
    const client = await RawRtmpClient.open(port);
    await client.handshake();
    expect(await client.publish("live", "KEY")).toBe("NetStream.Publish.Start");
    const session = await sessionNumber(seen, 0);
    const chunks: Buffer[] = [];
    session.flv.on("data", (chunk: Buffer) => chunks.push(chunk));
    const flvEnded = new Promise((resolve) => session.flv.once("end", resolve));
    const metadata = encodeAmf0("onMetaData", new Map([["width", 1280]]));

    client.send({ type: MESSAGE_TYPE.dataAmf0, payload: Buffer.concat([encodeAmf0("@setDataFrame"), metadata]), streamId: 1, chunkStreamId: 4 });
    client.send({ type: MESSAGE_TYPE.audio, payload: Buffer.from([0xaf, 0x00, 0x12, 0x10]), streamId: 1, chunkStreamId: 4 });
    client.send({ type: MESSAGE_TYPE.video, payload: Buffer.alloc(300, 0x17), streamId: 1, timestamp: 0x01000021, chunkStreamId: 6 });
    client.command(1, "deleteStream", 0, null, 1);
    await session.closed;
    await flvEnded;

    const flv = Buffer.concat(chunks);
    expect(flv.subarray(0, 13)).toEqual(FLV_HEADER);
    expect(flvTags(flv)).toEqual([
      { type: 18, timestamp: 0, data: metadata },
      { type: 8, timestamp: 0, data: Buffer.from([0xaf, 0x00, 0x12, 0x10]) },
      { type: 9, timestamp: 0x01000021, data: Buffer.alloc(300, 0x17) },
    ]);
    expect(flv.readUInt32BE(flv.length - 4)).toBe(11 + 300);
    // The clock is the latest audio or video stamp (script data carries none of the media's time).
    expect(session.stats()).toMatchObject({ videoFrames: 1, audioFrames: 1, mediaTime: 0x01000021 });
    expect(session.closeReason()).toBe("unpublished");
  });

  it("answers ping with pong, acknowledges each window, and refuses a second publish on one connection", async () => {
    const { port, seen } = await start();
    const client = await RawRtmpClient.open(port);
    await client.handshake();
    expect(await client.publish("live", "KEY")).toBe("NetStream.Publish.Start");
    const session = await sessionNumber(seen, 0);
    session.flv.resume();

    client.send({ type: MESSAGE_TYPE.userControl, payload: Buffer.from([0, 6, 0, 0, 0x30, 0x39]), chunkStreamId: 2 });
    const pong = await client.waitFor((m) => m.type === MESSAGE_TYPE.userControl && m.payload.readUInt16BE(0) === 7);
    client.send({ type: MESSAGE_TYPE.windowAcknowledgementSize, payload: Buffer.from([0, 0, 0x10, 0]), chunkStreamId: 2 });
    client.send({ type: MESSAGE_TYPE.video, payload: Buffer.alloc(5000, 0x27), streamId: 1, chunkStreamId: 6 });
    const ack = await client.waitFor((m) => m.type === MESSAGE_TYPE.acknowledgement);
    client.command(1, "publish", 4, null, "OTHER", "live");
    const refusal = await client.waitForCommand("onStatus", (values) => (values[3] as { level?: string }).level === "error");

    expect(pong.payload).toEqual(Buffer.from([0, 7, 0, 0, 0x30, 0x39]));
    expect(ack.payload.readUInt32BE(0)).toBeGreaterThan(4096 + 3073);
    expect(refusal[3]).toMatchObject({ code: "NetStream.Publish.BadName" });
    expect(seen.refused).toEqual([{ remoteAddress: "127.0.0.1", reason: "a second publish on one connection" }]);
    expect(seen.sessions).toHaveLength(1);
    expect(session.closeReason()).toBeUndefined();
    expect(client.socket.destroyed).toBe(false);
  });

  it("drops the publisher when the flv consumer falls more than 64 MiB behind", async () => {
    const { port, seen } = await start();
    const client = await RawRtmpClient.open(port);
    await client.handshake();
    expect(await client.publish("live", "KEY")).toBe("NetStream.Publish.Start");
    const session = await sessionNumber(seen, 0);
    const frame = Buffer.alloc(1024 * 1024, 0x27);
    const chunkSize = Buffer.from([0, 0x10, 0, 0]);

    client.send({ type: MESSAGE_TYPE.setChunkSize, payload: chunkSize, chunkStreamId: 2 });
    for (let i = 0; i < 70 && !client.socket.destroyed; i++) {
      client.send({ type: MESSAGE_TYPE.video, payload: frame, streamId: 1, timestamp: i * 33, chunkStreamId: 6 }, 1024 * 1024);
    }
    await session.closed;
    await client.closed;

    expect(session.closeReason()).toMatch(/^the flv consumer is too slow/);
    expect(session.flv.destroyed).toBe(true);
  });

  it("refuses to play", async () => {
    const { port, seen } = await start();
    const client = await RawRtmpClient.open(port);
    await client.handshake();
    client.command(0, "connect", 1, { app: "live" });
    await client.waitForCommand("_result");

    client.command(1, "play", 2, null, "KEY");
    const status = await client.waitForCommand("onStatus");
    await client.closed;

    expect(status[3]).toMatchObject({ level: "error", code: "NetStream.Play.Failed" });
    expect(seen.refused).toEqual([{ remoteAddress: "127.0.0.1", reason: "playback is not supported" }]);
  });
});

const LIBRTMP_PUBLISHER = `
import ctypes, sys
lib = ctypes.CDLL("librtmp.so.1")
lib.RTMP_Alloc.restype = ctypes.c_void_p
for name in ["RTMP_Init", "RTMP_EnableWrite", "RTMP_Close", "RTMP_Free"]:
    getattr(lib, name).argtypes = [ctypes.c_void_p]
lib.RTMP_SetupURL.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.RTMP_Connect.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
lib.RTMP_ConnectStream.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.RTMP_Write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
lib.RTMP_LogSetLevel.argtypes = [ctypes.c_int]
lib.RTMP_LogSetLevel(4)
r = lib.RTMP_Alloc()
lib.RTMP_Init(r)
url = ctypes.create_string_buffer(sys.argv[1].encode())
if not lib.RTMP_SetupURL(r, url): sys.exit(2)
lib.RTMP_EnableWrite(r)
if not lib.RTMP_Connect(r, None) or not lib.RTMP_ConnectStream(r, 0): sys.exit(3)
data = open(sys.argv[2], "rb").read()
for at in range(0, len(data), 65536):
    if lib.RTMP_Write(r, data[at:at + 65536], len(data[at:at + 65536])) <= 0: sys.exit(4)
lib.RTMP_Close(r)
lib.RTMP_Free(r)
`;

const librtmpMissing = spawnSync("python3", ["-c", "import ctypes; ctypes.CDLL('librtmp.so.1')"]).status !== 0;

describe("the RTMP ingest with librtmp (the library OBS builds on) publishing", () => {
  it.skipIf(librtmpMissing).each([
    ["the simple handshake, as OBS does", false],
    ["the signed Flash Player 9 handshake, which librtmp verifies", true],
  ])("takes a publish with %s", async (_, signed) => {
    const { url, seen } = await start();
    const source = join(dir, "source.flv");
    const script = join(dir, "publish.py");
    await writeFile(script, LIBRTMP_PUBLISHER);
    const encode = children.spawn("ffmpeg", [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30"],
      ...["-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "flv", source],
    ]);
    expect(await encode.exited).toBe(0);
    // librtmp signs its handshake only when it verifies a SWF: serve it one
    const swf = Buffer.alloc(1024, 1);
    swf.write("FWS", 0);
    swf.writeUInt32LE(swf.length, 4);
    const http = createHttpServer((_, response) => response.end(swf));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const swfUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/player.swf`;

    try {
      const publisher = children.spawn("python3", [script, `${url("KEY")}${signed ? ` swfUrl=${swfUrl} swfVfy=1` : ""}`, source], {
        ...process.env,
        HOME: dir, // librtmp caches SWF hashes in $HOME/.swfinfo
      });
      const session = await sessionNumber(seen, 0);
      const saved = pipeline(session.flv, createWriteStream(join(dir, "out.flv")));
      expect(await publisher.exited).toBe(0);
      await session.closed;
      await saved;

      const log = publisher.stderrText();
      expect(log).toContain(signed ? "Genuine Adobe Flash Media Server" : "FMS Version   : 0.0.0.0");
      expect(seen.requests).toEqual([{ app: "live", streamName: "KEY", remoteAddress: "127.0.0.1" }]);
      const probe = await ffprobe(join(dir, "out.flv"));
      expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
      expect(Number(probe.format.duration)).toBeGreaterThan(0.9);
    } finally {
      http.close();
    }
  });
});

describe("normal shutdown", () => {
  it("ends the sessions of live publishers when the ingest closes", async () => {
    const { port, seen } = await start();
    const client = await RawRtmpClient.open(port);
    await client.handshake();
    await client.publish("live", "KEY");
    const session = await sessionNumber(seen, 0);

    await closeIngest?.();
    closeIngest = undefined;
    await session.closed;
    await client.closed;

    expect(session.closeReason()).toBe("the ingest is closing");
    const refused = connect(port, "127.0.0.1");
    await expect(new Promise((resolve, reject) => refused.once("connect", resolve).once("error", reject))).rejects.toThrow(/ECONNREFUSED/);
  });
});
