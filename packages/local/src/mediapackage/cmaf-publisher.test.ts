import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cmafPublisher, isWholeInit } from "./cmaf-publisher.ts";

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
    await writeFile(join(source, "cmaf", "manifest.mpd"), '<MPD><AdaptationSet><Representation id="0"/></AdaptationSet></MPD>');
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
