import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { access, appendFile, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCdn, type TestCdnAccount } from "../../testing/cdn.ts";
import { eventually } from "../../testing/runtime.ts";
import { SEGMENT_WAIT_MS } from "./growing-segment.ts";

let cdn: Awaited<ReturnType<typeof startTestCdn>>;
let account: TestCdnAccount;
let query: string;
let dir: string;
const channelId = "ch-growing";

beforeAll(async () => {
  cdn = await startTestCdn();
  account = await cdn.account("acct-growing");
  query = (await account.grant(channelId)).query;
  dir = join(account.bucketDir, "live", channelId, "cmaf");
  await mkdir(dir, { recursive: true });
});
afterAll(async () => cdn?.close());

const url = (name: string) => `${account.cdnBaseUrl}/live/${channelId}/cmaf/${name}?${query}`;

/** Writes `parts` to `<name>.tmp` one by one, `everyMs` apart, then renames it to `<name>`, as ffmpeg does. */
async function writeGrowing(name: string, parts: Buffer[], everyMs: number) {
  const temporary = join(dir, `${name}.tmp`);
  await writeFile(temporary, parts[0]!);
  for (const part of parts.slice(1)) {
    await sleep(everyMs);
    await appendFile(temporary, part);
  }
  await sleep(everyMs);
  await rename(temporary, join(dir, name));
  return performance.now();
}

/** Reads a response's body, noting when its first bytes came. */
async function readTimed(response: Response) {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let firstAt: number | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    firstAt ??= performance.now();
    chunks.push(value);
  }
  return { bytes: Buffer.concat(chunks), firstAt: firstAt! };
}

/** This process's descriptors open on `path` (the CDN runs in this process). */
async function descriptorsOn(path: string) {
  let count = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (target.startsWith(path)) count++;
  }
  return count;
}

describe("a segment that is still being written", () => {
  it("streams as it grows, before the writer finishes, chunked, and ends byte-identical once renamed", async () => {
    const parts = Array.from({ length: 6 }, () => randomBytes(50_000));
    const writing = writeGrowing("chunk-stream0-00001.m4s", parts, 150);
    await sleep(20);

    const response = await fetch(url("chunk-stream0-00001.m4s"));
    const { bytes, firstAt } = await readTimed(response);
    const finishedAt = await writing;

    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBeNull();
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("content-type")).toBe("video/iso.segment");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(finishedAt - firstAt).toBeGreaterThan(500);
    expect(bytes.equals(Buffer.concat(parts))).toBe(true);
    // the complete segment afterwards: a normal, whole answer
    const after = await fetch(url("chunk-stream0-00001.m4s"));
    expect(after.headers.get("content-length")).toBe(String(bytes.length));
    expect(Buffer.from(await after.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("waits for a segment asked for just before it begins, and answers a range with the whole segment", async () => {
    const parts = Array.from({ length: 3 }, () => randomBytes(20_000));

    const asked = fetch(url("chunk-stream1-00002.m4s"), { headers: { range: "bytes=100-199" } });
    await sleep(800);
    const writing = writeGrowing("chunk-stream1-00002.m4s", parts, 100);
    const response = await asked;
    const { bytes } = await readTimed(response);
    await writing;

    expect(response.status).toBe(200);
    expect(bytes.equals(Buffer.concat(parts))).toBe(true);
  });

  it("serves a segment completed during the wait as a normal object", async () => {
    const content = randomBytes(10_000);

    const asked = fetch(url("chunk-stream2-00003.m4s"));
    await sleep(500);
    await writeFile(join(dir, "chunk-stream2-00003.m4s"), content);
    const response = await asked;

    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("10000");
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
  });

  it("answers 404 after the wait when no segment begins, and at once for a playlist", async () => {
    const segmentAskedAt = performance.now();
    const segment = await fetch(url("chunk-stream0-09999.m4s"));
    const segmentMs = performance.now() - segmentAskedAt;
    const playlistAskedAt = performance.now();
    const playlist = await fetch(url("missing.mpd"));
    const playlistMs = performance.now() - playlistAskedAt;

    expect(segment.status).toBe(404);
    expect(await segment.text()).toContain("<Code>NoSuchKey</Code>");
    expect(segmentMs).toBeGreaterThanOrEqual(SEGMENT_WAIT_MS - 50);
    expect(segmentMs).toBeLessThan(SEGMENT_WAIT_MS + 1_000);
    expect(playlist.status).toBe(404);
    expect(playlistMs).toBeLessThan(500);
  });

  it("answers 404 at once for a segment behind the newest of its stream, and in a folder that does not exist", async () => {
    await writeFile(join(dir, "chunk-stream5-00007.m4s"), randomBytes(100));

    for (const missing of [url("chunk-stream5-00003.m4s"), `${account.cdnBaseUrl}/live/${channelId}/nowhere/seg_00001.ts?${query}`]) {
      const askedAt = performance.now();
      const response = await fetch(missing);
      expect(response.status).toBe(404);
      expect(performance.now() - askedAt).toBeLessThan(500);
    }
  });

  it("releases its file handle when the viewer disconnects mid-stream", async () => {
    const temporary = join(dir, "chunk-stream3-00004.m4s.tmp");
    await writeFile(temporary, randomBytes(100_000));
    const viewer = new AbortController();

    const response = await fetch(url("chunk-stream3-00004.m4s"), { signal: viewer.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    const openWhileStreaming = await descriptorsOn(temporary);
    viewer.abort();

    expect(first.value!.length).toBeGreaterThan(0);
    expect(openWhileStreaming).toBe(1);
    await eventually(async () => ((await descriptorsOn(temporary)) === 0 ? true : undefined), { timeoutMs: 5_000 });
    await rm(temporary);
  });

  it("cuts the response when the writer removes an unfinished segment", async () => {
    const temporary = join(dir, "chunk-stream3-00005.m4s.tmp");
    await writeFile(temporary, randomBytes(30_000));

    const response = await fetch(url("chunk-stream3-00005.m4s"));
    const reading = readTimed(response);
    await sleep(300);
    await rm(temporary);

    await expect(reading).rejects.toThrow();
    await eventually(async () => ((await descriptorsOn(temporary)) === 0 ? true : undefined), { timeoutMs: 5_000 });
  });

  it("answers HEAD for a growing segment without a length", async () => {
    const temporary = join(dir, "seg_00006.ts.tmp");
    await writeFile(temporary, randomBytes(1_000));

    const response = await fetch(url("seg_00006.ts"), { method: "HEAD" });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("video/mp2t");
    expect(response.headers.get("content-length")).toBeNull();
    await rm(temporary);
  });
});

/** The top-level box types of an MP4 byte string. */
function boxTypes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 0; offset + 8 <= bytes.length; offset += bytes.readUInt32BE(offset)) {
    types.push(bytes.toString("latin1", offset + 4, offset + 8));
    if (bytes.readUInt32BE(offset) < 8) break;
  }
  return types;
}

describe("ffmpeg's low-latency DASH muxer behind the CDN", () => {
  it("delivers a chunked CMAF segment while ffmpeg writes it, identical to the file it leaves", async () => {
    const output = join(account.bucketDir, "live", channelId, "ldash");
    await mkdir(output, { recursive: true });
    const ffmpeg = spawn("ffmpeg", [
      "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "4",
      "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "25",
      "-f", "dash", "-streaming", "1", "-ldash", "1", "-seg_duration", "1", "-use_template", "1", "-use_timeline", "0",
      "-format_options", "movflags=cmaf", join(output, "manifest.mpd"),
    ], { stdio: "ignore" });
    const exited = once(ffmpeg, "exit");
    const segment = join(output, "chunk-stream0-00002.m4s");

    try {
      // asked before ffmpeg has begun it, as dash.js in low latency does
      const response = await fetch(`${account.cdnBaseUrl}/live/${channelId}/ldash/chunk-stream0-00002.m4s?${query}`);
      const reader = response.body!.getReader();
      const first = await reader.read();
      const completeAtFirstBytes = await access(segment).then(() => true, () => false);
      const chunks = [first.value!];
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
      const received = Buffer.concat(chunks);

      expect(response.status).toBe(200);
      expect(response.headers.get("content-length")).toBeNull();
      expect(completeAtFirstBytes).toBe(false);
      expect(received.equals(await readFile(segment))).toBe(true);
      expect(boxTypes(received).filter((type) => type === "moof").length).toBeGreaterThan(10);
    } finally {
      ffmpeg.kill("SIGKILL");
      await exited;
    }
  });
});
