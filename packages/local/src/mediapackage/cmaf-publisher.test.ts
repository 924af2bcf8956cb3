import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { frameHashes } from "../../testing/medialive.ts";
import { cmafPublisher, isWholeInit } from "./cmaf-publisher.ts";

const run = promisify(execFile);

const box = (type: string, payload = Buffer.alloc(8)) => {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, payload]);
};

describe("an init segment the dash muxer is still writing", () => {
  it("is whole only once its boxes tile the file and the moov is there", () => {
    const ftyp = box("ftyp");
    const moov = box("moov", box("mvhd", Buffer.alloc(100)));
    expect(isWholeInit(Buffer.concat([ftyp, moov]))).toBe(true);
    expect(isWholeInit(Buffer.alloc(0))).toBe(false);
    expect(isWholeInit(ftyp)).toBe(false);
    expect(isWholeInit(Buffer.concat([ftyp, moov]).subarray(0, ftyp.length + 20))).toBe(false);
  });
});

describe("CMAF publisher on what it cannot encrypt", () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "visionstream-cmaf-"));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("publishes nothing of it, clear or not, and reports it once, not on every pass", async () => {
    // prepare
    const source = join(root, "source");
    const live = join(root, "live");
    await mkdir(join(source, "cmaf"), { recursive: true });
    // whole as boxes go, but no track in its moov
    await writeFile(join(source, "cmaf", "init-stream0.m4s"), Buffer.concat([box("ftyp"), box("moov", box("free", randomBytes(64)))]));
    await writeFile(join(source, "cmaf", "init-stream1.m4s"), box("ftyp")); // still being written: waited for, no error
    await writeFile(join(source, "cmaf", "chunk-stream1-00001.m4s"), randomBytes(5000));
    await writeFile(join(source, "cmaf", "chunk-stream0-00001.m4s"), randomBytes(5000));
    await writeFile(join(source, "cmaf", "encoder.mpd"), '<MPD><AdaptationSet><Representation id="0"/></AdaptationSet></MPD>');
    const errors: unknown[] = [];
    const publisher = cmafPublisher({
      sourceDir: source, liveDir: live, key: { kid: "0123456789abcdef0123456789abcdef", key: randomBytes(16) },
      onError: (error) => void errors.push(error),
    });

    // act
    for (let pass = 0; pass < 3; pass++) await publisher.pass();
    await publisher.close();

    // assess
    expect(await readdir(join(live, "cmaf")).catch(() => [])).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

/** One transcoder run's clear CMAF, as the dash muxer writes it for a low-latency channel: one fragment per frame. */
async function dashRun(dir: string, lavfi: string) {
  await mkdir(dir, { recursive: true });
  await run("ffmpeg", [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", lavfi,
    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
    "-f", "dash", "-seg_duration", "1", "-streaming", "1", "-ldash", "1", "-window_size", "0", "-hls_playlist", "1",
    "-init_seg_name", "init-stream$RepresentationID$.$ext$", "-media_seg_name", "chunk-stream$RepresentationID$-$Number%05d$.$ext$",
    "-adaptation_sets", "id=0,streams=v", join(dir, "encoder.mpd"),
  ]);
  const file = (name: string) => readFile(join(dir, name));
  return {
    init: await file("init-stream0.m4s"),
    chunks: [await file("chunk-stream0-00001.m4s"), await file("chunk-stream0-00002.m4s")],
    mpd: await file("encoder.mpd"),
    playlist: await file("media_0.m3u8"),
  };
}

/** The first whole top-level boxes of a segment, about half of it: what ffmpeg has written of it so far. */
function firstHalf(segment: Buffer): Buffer {
  let at = 0;
  while (at < segment.length / 2) at += segment.readUInt32BE(at);
  return segment.subarray(0, at);
}


describe("CMAF publisher when a new transcoder replaces the source folder", () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "visionstream-cmaf-"));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("publishes the new run's segments under the old names, encrypted against the new run's init, and nothing of the old run", async () => {
    // prepare: two runs with different pictures and sizes (so different inits), and a publisher on the first
    const [first, second] = await Promise.all([
      dashRun(join(root, "first"), "testsrc2=size=160x90:rate=25:duration=2"),
      dashRun(join(root, "second"), "smptebars=size=192x108:rate=25:duration=2"),
    ]);
    expect(first.init.equals(second.init)).toBe(false);
    const source = join(root, "source");
    const live = join(root, "live");
    const cmaf = join(source, "cmaf");
    const key = { kid: "0123456789abcdef0123456789abcdef", key: randomBytes(16) };
    const errors: unknown[] = [];
    const publisher = cmafPublisher({ sourceDir: source, liveDir: live, key, onError: (error) => void errors.push(error) });
    const published = (name: string) => readFile(join(live, "cmaf", name));
    // the first run: segment 1 whole, segment 2 half written
    await mkdir(cmaf, { recursive: true });
    await writeFile(join(cmaf, "init-stream0.m4s"), first.init);
    await writeFile(join(cmaf, "chunk-stream0-00001.m4s"), first.chunks[0]!);
    await writeFile(join(cmaf, "chunk-stream0-00002.m4s.tmp"), firstHalf(first.chunks[1]!));
    await writeFile(join(cmaf, "encoder.mpd"), first.mpd);
    await writeFile(join(cmaf, "media_0.m3u8"), first.playlist);
    await publisher.pass();
    await publisher.pass();
    expect((await readdir(join(live, "cmaf"))).sort()).toContain("chunk-stream0-00002.m4s.tmp");
    const firstMpd = (await published("manifest.mpd")).toString();
    expect(firstMpd).toContain('width="160"');

    // act: ffmpeg dies, the channel run deletes the folder, the new ffmpeg starts its init, then writes the same names
    await rm(cmaf, { recursive: true, force: true });
    await publisher.pass();
    await mkdir(cmaf);
    await writeFile(join(cmaf, "init-stream0.m4s"), second.init.subarray(0, 40)); // opened, not written yet
    await writeFile(join(cmaf, "encoder.mpd"), second.mpd);
    await publisher.pass();
    const mpdBeforeInit = (await published("manifest.mpd")).toString();
    await writeFile(join(cmaf, "init-stream0.m4s"), second.init);
    await writeFile(join(cmaf, "chunk-stream0-00001.m4s.tmp"), firstHalf(second.chunks[0]!));
    await publisher.pass();
    await appendFile(join(cmaf, "chunk-stream0-00001.m4s.tmp"), second.chunks[0]!.subarray(firstHalf(second.chunks[0]!).length));
    await rename(join(cmaf, "chunk-stream0-00001.m4s.tmp"), join(cmaf, "chunk-stream0-00001.m4s"));
    await writeFile(join(cmaf, "chunk-stream0-00002.m4s"), second.chunks[1]!);
    await writeFile(join(cmaf, "media_0.m3u8"), second.playlist);
    await publisher.pass();
    await publisher.pass();
    await publisher.close();

    // assess
    expect(errors).toEqual([]);
    expect(mpdBeforeInit).toBe(firstMpd); // not the new MPD before the new init is whole
    expect((await readdir(join(live, "cmaf"))).sort()).toEqual([
      "chunk-stream0-00001.m4s", "chunk-stream0-00002.m4s", "init-stream0.m4s", "manifest.mpd", "media_0.m3u8",
    ]);
    expect((await published("manifest.mpd")).toString()).toContain('width="192"');
    const decryption = ["-decryption_key", key.key.toString("hex")];
    const init = await published("init-stream0.m4s");
    for (const [index, name] of ["chunk-stream0-00001.m4s", "chunk-stream0-00002.m4s"].entries()) {
      const clear = await frameHashes(Buffer.concat([second.init, second.chunks[index]!]));
      expect(clear).toHaveLength(25);
      expect(await frameHashes(Buffer.concat([init, await published(name)]), decryption)).toEqual(clear);
    }
  }, 60_000);
});
