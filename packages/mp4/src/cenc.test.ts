import { execFile, spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { chromium } from "playwright-core";
import { FUZZ_SEED } from "../../../scripts/testing/fuzz-corpus.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Box, children, childrenOf, payloadOf } from "./boxes.ts";
import { CLEARKEY_SYSTEM_ID, type CencKey, encryptInit, encryptSegment, FragmentEncryptor, readTracks, TruncatedSegment } from "./index.ts";

const KEY: CencKey = { kid: Buffer.from("0123456789abcdef0123456789abcdef", "hex"), key: Buffer.from("00112233445566778899aabbccddeeff", "hex") };
const FIRST_IV = Buffer.from("f0f1f2f3f4f5f6f7", "hex");
const LATENCIES = ["normal", "low"] as const;
const STREAMS = [
  { stream: 0, kind: "video" },
  { stream: 1, kind: "audio" },
] as const;

let work: string;
const file = (latency: string, name: string) => readFileSync(join(work, latency, name));
const initOf = (latency: string, stream: number) => file(latency, `init-stream${stream}.m4s`);
const segmentOf = (latency: string, stream: number) => file(latency, `chunk-stream${stream}-00001.m4s`);

/**
 * ffmpeg 5.1's dash muxer as the packaging ladder runs it: normal segments (styp sidx moof mdat) or low-latency
 * chunked ones (styp, then prft moof mdat per frame).
 */
async function dash(latency: (typeof LATENCIES)[number]) {
  const chunked = latency === "low" ? ["-streaming", "1", "-ldash", "1", "-write_prft", "1", "-target_latency", "3"] : [];
  await promisify(execFile)("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine", "-t", "4"],
    ...["-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-flags", "+global_header", "-c:a", "aac", "-f", "dash", "-seg_duration", "2"],
    ...[...chunked, "-use_template", "1", "-use_timeline", "0", join(work, latency, "manifest.mpd")],
  ]);
}

/** One second of HEVC (hvc1, 2-byte NAL unit headers) from the same muxer. */
async function hevc() {
  await promisify(execFile)("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "1", "-c:v", "libx265"],
    ...["-x265-params", "log-level=error", "-g", "30", "-tag:v", "hvc1", "-flags", "+global_header", "-f", "dash", "-seg_duration", "1"],
    ...["-use_template", "1", "-use_timeline", "0", join(work, "hevc", "manifest.mpd")],
  ]);
}

/**
 * ffmpeg reading an MP4 from its stdin. A pipe, not a file: ffmpeg 5.1 reads a file's first fragments ahead while
 * it opens it and then applies the last one's senc to the first one's samples (fixed in later ffmpeg).
 */
function ffmpeg(args: string[], input: Buffer): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("ffmpeg", ["-hide_banner", "-nostdin", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.stdin.on("error", () => {}); // ffmpeg may stop reading a stream it cannot decode
    child.on("error", reject);
    child.on("close", () => resolve({ stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The decoded frames' MD5s (ffmpeg's framemd5 lines, without the header). */
async function frameMd5s(mp4: Buffer, key?: Buffer) {
  const { stdout, stderr } = await ffmpeg(["-v", "error", ...(key ? ["-decryption_key", key.toString("hex")] : []), "-i", "-", "-f", "framemd5", "-"], mp4);
  return { frames: stdout.split("\n").filter((line) => line && !line.startsWith("#")), errors: stderr.trim() };
}

function boxesOf(bytes: Buffer, box: Box, skip = 0) {
  return childrenOf(bytes, box, skip);
}

function path(bytes: Buffer, types: string[], from = children(bytes)): Box {
  const [type, ...rest] = types;
  const found = from.find((box) => box.type === type);
  if (!found) throw new Error(`no ${type}`);
  if (rest.length === 0) return found;
  const skip = found.type === "stsd" ? 8 : found.type === "encv" ? 78 : found.type === "enca" ? 28 : 0;
  return path(bytes, rest, boxesOf(bytes, found, skip));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mp4-cenc-"));
  for (const dir of [...LATENCIES, "hevc"]) mkdirSync(join(work, dir));
  await Promise.all([...LATENCIES.map(dash), hevc()]);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("readTracks", () => {
  it("reads the track, its handler and the NAL length size of ffmpeg's init segments", () => {
    // prepare
    const video = initOf("normal", 0);
    const audio = initOf("normal", 1);

    // act
    const [videoTrack] = readTracks(video);
    const [audioTrack] = readTracks(audio);

    // assess
    expect(videoTrack).toMatchObject({ trackId: 1, handler: "vide", codec: "avc1", nalSyntax: "avc", nalLengthSize: 4, protection: "nal-units" });
    expect(audioTrack).toMatchObject({ trackId: 1, handler: "soun", codec: "mp4a", protection: "whole-sample" });
  });
});

describe("encryptInit", () => {
  it.each(STREAMS)("turns the $kind sample entry into a protected one with sinf, and adds a ClearKey pssh", ({ stream, kind }) => {
    // prepare
    const init = initOf("normal", stream);
    const [original, protectedType] = kind === "video" ? ["avc1", "encv"] : ["mp4a", "enca"];

    // act
    const encrypted = encryptInit(init, KEY);

    // assess: every size is consistent (children() checks each box against its parent) and the boxes are standard
    const entry = path(encrypted, ["moov", "trak", "mdia", "minf", "stbl", "stsd", protectedType]);
    const sinfPath = ["moov", "trak", "mdia", "minf", "stbl", "stsd", protectedType, "sinf"];
    expect(payloadOf(encrypted, path(encrypted, [...sinfPath, "frma"])).toString("latin1")).toBe(original);
    expect(payloadOf(encrypted, path(encrypted, [...sinfPath, "schm"])).toString("hex")).toBe(`00000000${Buffer.from("cenc").toString("hex")}00010000`);
    const tenc = payloadOf(encrypted, path(encrypted, [...sinfPath, "schi", "tenc"]));
    expect(tenc.subarray(0, 8).toString("hex")).toBe("0000000000000108"); // version 0, isProtected 1, 8-byte IVs
    expect(tenc.subarray(8)).toEqual(KEY.kid);
    const pssh = payloadOf(encrypted, path(encrypted, ["moov", "pssh"]));
    expect(pssh.subarray(0, 4).toString("hex")).toBe("01000000");
    expect(pssh.subarray(4, 20)).toEqual(CLEARKEY_SYSTEM_ID);
    expect(pssh.readUInt32BE(20)).toBe(1);
    expect(pssh.subarray(24, 40)).toEqual(KEY.kid);
    expect(pssh.readUInt32BE(40)).toBe(0);
    expect(encrypted.length).toBe(init.length + 80 + 52);
    expect(entry.size).toBe(path(init, ["moov", "trak", "mdia", "minf", "stbl", "stsd", original]).size + 80);
  });
});

describe.each(LATENCIES)("a %s latency segment", (latency) => {
  describe.each(STREAMS)("of $kind", ({ stream }) => {
    it("decodes with the key to the very frames of the clear segment, and not without it", async () => {
      // prepare
      const init = initOf(latency, stream);
      const segment = segmentOf(latency, stream);
      const clear = await frameMd5s(Buffer.concat([init, segment]));

      // act
      const encrypted = Buffer.concat([encryptInit(init, KEY), encryptSegment(init, KEY, segment)]);
      const withKey = await frameMd5s(encrypted, KEY.key);
      const withoutKey = await frameMd5s(encrypted);
      const wrongKey = await frameMd5s(encrypted, Buffer.alloc(16, 7));

      // assess
      expect(clear.errors).toBe("");
      expect(clear.frames.length).toBeGreaterThan(40);
      expect(withKey.errors).toBe("");
      expect(withKey.frames).toEqual(clear.frames);
      for (const attempt of [withoutKey, wrongKey]) {
        expect(attempt.errors).not.toBe("");
        expect(attempt.frames).not.toEqual(clear.frames);
      }
    });

    it("gives the same bytes pushed in any chunks as encrypted at once, each moof with its mdat as soon as it is complete", () => {
      // prepare
      const init = initOf(latency, stream);
      const segment = segmentOf(latency, stream);
      const whole = encryptSegment(init, KEY, segment, { firstIv: FIRST_IV });
      const fragmentEnds = children(segment)
        .filter((box) => box.type === "mdat")
        .map((box) => box.start + box.size);
      const cuts = fc.uniqueArray(fc.integer({ min: 1, max: segment.length - 1 }), { maxLength: 40 }).map((list) => list.sort((a, b) => a - b));

      // act + assess
      fc.assert(
        fc.property(cuts, (points) => {
          const encryptor = new FragmentEncryptor(init, KEY, { firstIv: FIRST_IV });
          const out: Buffer[] = [];
          let from = 0;
          for (const to of [...points, segment.length]) {
            out.push(encryptor.push(segment.subarray(from, to)));
            const done = fragmentEnds.filter((end) => end <= to).length;
            const ready = children(Buffer.concat(out)).filter((box) => box.type === "mdat").length; // whole boxes only
            // a sidx holds its fragments back until the last one it indexes is complete
            if (latency === "low") expect(ready).toBe(done);
            from = to;
          }
          out.push(encryptor.end());
          expect(Buffer.concat(out).equals(whole)).toBe(true);
        }),
        { seed: FUZZ_SEED, numRuns: 60 },
      );
    });

    it("points saio at senc's first IV, trun at the samples in mdat, and keeps sidx's sizes right", () => {
      // prepare
      const init = initOf(latency, stream);
      const segment = segmentOf(latency, stream);

      // act
      const encrypted = encryptSegment(init, KEY, segment, { firstIv: FIRST_IV });

      // assess
      const top = children(encrypted);
      const moofs = top.filter((box) => box.type === "moof");
      expect(moofs.length).toBe(children(segment).filter((box) => box.type === "moof").length);
      const ivs = new Set<string>();
      let samples = 0;
      for (const moof of moofs) {
        const traf = boxesOf(encrypted, moof).find((box) => box.type === "traf")!;
        const inTraf = boxesOf(encrypted, traf);
        const saio = payloadOf(encrypted, inTraf.find((box) => box.type === "saio")!);
        const senc = inTraf.find((box) => box.type === "senc")!;
        const trun = payloadOf(encrypted, inTraf.find((box) => box.type === "trun")!);
        const mdat = top[top.indexOf(moof) + 1]!;
        expect(mdat.type).toBe("mdat");
        expect(saio.readUInt32BE(4)).toBe(1);
        expect(moof.start + saio.readUInt32BE(8)).toBe(senc.start + 16);
        expect(moof.start + trun.readInt32BE(8)).toBe(mdat.start + 8);
        const sencPayload = payloadOf(encrypted, senc);
        const withSubsamples = (sencPayload.readUInt32BE(0) & 0xffffff) === 2;
        expect(withSubsamples).toBe(stream === 0); // subsamples for video only
        let at = 8;
        for (let i = 0; i < sencPayload.readUInt32BE(4); i++) {
          ivs.add(sencPayload.toString("hex", at, at + 8));
          samples += 1;
          at += 8 + (withSubsamples ? 2 + sencPayload.readUInt16BE(at + 8) * 6 : 0);
        }
        expect(at).toBe(sencPayload.length);
      }
      expect(ivs.size).toBe(samples); // an IV per sample, never twice
      const sidx = top.find((box) => box.type === "sidx");
      if (latency === "normal") {
        const payload = payloadOf(encrypted, sidx!);
        const referenced = payload.readUInt32BE(payload.readUInt8(0) === 1 ? 32 : 24) & 0x7fffffff;
        expect(referenced).toBe(encrypted.length - (sidx!.start + sidx!.size));
      } else {
        expect(sidx).toBeUndefined();
      }
    });

    it("throws TruncatedSegment on end() when the segment stops inside a fragment", () => {
      // prepare
      const init = initOf(latency, stream);
      const segment = segmentOf(latency, stream);
      const lastMdat = children(segment).findLast((box) => box.type === "mdat")!;
      const lastMoof = children(segment).findLast((box) => box.type === "moof")!;

      for (const cut of [lastMdat.start + Math.floor(lastMdat.size / 2), lastMoof.start + lastMoof.size, lastMoof.start + 3]) {
        // act
        const encryptor = new FragmentEncryptor(init, KEY);
        encryptor.push(segment.subarray(0, cut));

        // assess
        expect(() => encryptor.end()).toThrow(TruncatedSegment);
      }
    });
  });
});

/** A page that plays an encrypted video and audio segment through MSE, with the ClearKey CDM licensed from `key`. */
const PLAYER_PAGE = `<!doctype html><video muted></video><script>
const base64url = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((byte) => parseInt(byte, 16)))).replace(/[+]/g, "-").replace(/[/]/g, "_").replace(/=+$/, "");
window.play = async (keyHex) => {
  const requests = [];
  const video = document.querySelector("video");
  const access = await navigator.requestMediaKeySystemAccess("org.w3.clearkey", [{ initDataTypes: ["cenc"],
    videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.64001e"' }], audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }] }]);
  const keys = await access.createMediaKeys();
  await video.setMediaKeys(keys);
  let opened = false; // one session: both tracks have the one KID
  video.addEventListener("encrypted", async (event) => {
    if (opened) return;
    opened = true;
    const session = keys.createSession();
    session.addEventListener("message", async ({ message }) => {
      const request = JSON.parse(new TextDecoder().decode(message));
      requests.push(request);
      const license = { keys: [{ kty: "oct", kid: request.kids[0], k: base64url(keyHex) }], type: "temporary" };
      await session.update(new TextEncoder().encode(JSON.stringify(license)));
    });
    await session.generateRequest(event.initDataType, event.initData);
  });
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
  const buffers = ['video/mp4; codecs="avc1.64001e"', 'audio/mp4; codecs="mp4a.40.2"'].map((type) => source.addSourceBuffer(type));
  try {
    await Promise.all(buffers.map(async (buffer, stream) => {
      for (const part of ["init", "segment"]) {
        buffer.appendBuffer(await (await fetch("/" + part + stream)).arrayBuffer());
        await new Promise((resolve, reject) => { buffer.onupdateend = resolve; buffer.onerror = reject; });
      }
    }));
    source.endOfStream();
    video.play().catch(() => {}); // not awaited: without a usable key it may never start
  } catch {} // an append refused after a decode error: the outcome below tells
  const started = performance.now();
  while (video.currentTime < 1.5 && !video.error && performance.now() - started < 10000) await new Promise((resolve) => setTimeout(resolve, 50));
  return { requests, currentTime: video.currentTime, error: video.error?.code ?? null, frames: video.getVideoPlaybackQuality().totalVideoFrames };
};
</script>`;

describe.each(LATENCIES)("Chromium playing a %s latency segment", (latency) => {
  it("opens a ClearKey session for the KID of the pssh, plays with the key and fails with another", async () => {
    // prepare
    const files = new Map<string, Buffer>();
    for (const { stream } of STREAMS) {
      files.set(`/init${stream}`, encryptInit(initOf(latency, stream), KEY));
      files.set(`/segment${stream}`, encryptSegment(initOf(latency, stream), KEY, segmentOf(latency, stream)));
    }
    const server = createServer((request, response) => {
      const body = files.get(request.url ?? "");
      response.writeHead(200, { "content-type": body ? "video/mp4" : "text/html" }).end(body ?? PLAYER_PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
    });

    try {
      // act: a page of its own for each key (a media element keeps its CDM)
      const play = async (key: Buffer) => {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/`);
        const outcome = await page.evaluate((hex) => (window as unknown as { play(hex: string): Promise<PlayOutcome> }).play(hex), key.toString("hex"));
        await page.close();
        return outcome;
      };
      const right = await play(KEY.key);
      const wrong = await play(Buffer.alloc(16, 0xee));

      // assess
      expect(right.requests).toEqual([{ kids: [KEY.kid.toString("base64url")], type: "temporary" }]);
      expect(right.error).toBeNull();
      expect(right.currentTime).toBeGreaterThanOrEqual(1.5);
      expect(right.frames).toBeGreaterThan(40);
      expect(wrong.error).not.toBeNull(); // MEDIA_ERR_DECODE
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);
});

interface PlayOutcome {
  requests: unknown[];
  currentTime: number;
  error: number | null;
  frames: number;
}

describe("an HEVC segment", () => {
  it("decodes with the key to the very frames of the clear segment", async () => {
    // prepare
    const init = initOf("hevc", 0);
    const segment = segmentOf("hevc", 0);
    const clear = await frameMd5s(Buffer.concat([init, segment]));

    // act
    const encrypted = Buffer.concat([encryptInit(init, KEY), encryptSegment(init, KEY, segment)]);
    const withKey = await frameMd5s(encrypted, KEY.key);
    const withoutKey = await frameMd5s(encrypted);

    // assess
    expect(readTracks(init)[0]).toMatchObject({ codec: "hvc1", nalSyntax: "hevc", nalLengthSize: 4 });
    expect(clear.frames.length).toBe(30);
    expect(withKey.errors).toBe("");
    expect(withKey.frames).toEqual(clear.frames);
    expect(withoutKey.frames).not.toEqual(clear.frames);
  });
});

describe("speed", () => {
  it("encrypts a segment at well over the rate a live ladder writes it", () => {
    // prepare
    const init = initOf("normal", 0);
    const segment = segmentOf("normal", 0);
    for (let i = 0; i < 10; i++) encryptSegment(init, KEY, segment);

    // act
    const rounds = 50;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) encryptSegment(init, KEY, segment);
    const seconds = (performance.now() - started) / 1000;

    // assess: a 1080p rendition is ~0.6 MB/s; this machine is shared, so the bar is low
    const megabytesPerSecond = (segment.length * rounds) / 1e6 / seconds;
    expect(megabytesPerSecond).toBeGreaterThan(20);
  });
});
