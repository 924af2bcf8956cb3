import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publishDashManifest, withAdaptationSetSwitching } from "./dash-manifest.ts";

const MPD = [
  '<MPD type="dynamic"><Period id="0">',
  '<AdaptationSet id="0" contentType="video" segmentAlignment="true"><Representation id="0" width="1920" height="1080"/><Representation id="1"/></AdaptationSet>',
  '<AdaptationSet id="1" contentType="video" segmentAlignment="true"><Representation id="2" width="640" height="480"/><Representation id="3"/></AdaptationSet>',
  '<AdaptationSet id="2" contentType="audio"><Representation id="4"/></AdaptationSet>',
  "</Period></MPD>",
].join("");

describe("the viewers' DASH manifest", () => {
  it("declares the 16:9 and 4:3 video sets switchable with each other, so a player can go from 1080p down to 240p", () => {
    const published = withAdaptationSetSwitching(MPD);

    expect(published).toContain('<AdaptationSet id="0" contentType="video" segmentAlignment="true"><SupplementalProperty schemeIdUri="urn:mpeg:dash:adaptation-set-switching:2016" value="1"/>');
    expect(published).toContain('<AdaptationSet id="1" contentType="video" segmentAlignment="true"><SupplementalProperty schemeIdUri="urn:mpeg:dash:adaptation-set-switching:2016" value="0"/>');
    expect(published).toContain('<AdaptationSet id="2" contentType="audio"><Representation id="4"/>');
    expect(withAdaptationSetSwitching(published)).toBe(published);
    const oneSet = MPD.replace(/<AdaptationSet id="1".*?<\/AdaptationSet>/, "");
    expect(withAdaptationSetSwitching(oneSet)).toBe(oneSet);
  });

  it("follows the encoder's manifest and publishes the viewers' one beside it, once more when closed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "visionstream-dash-manifest-"));
    try {
      const publisher = publishDashManifest(dir, { pollIntervalMs: 50 });
      await writeFile(join(dir, "encoder.mpd"), MPD);
      await expect.poll(() => readFile(join(dir, "manifest.mpd"), "utf8").catch(() => ""), { timeout: 5_000 }).toContain("adaptation-set-switching");
      await writeFile(join(dir, "encoder.mpd"), MPD.replace('type="dynamic"', 'type="static"'));
      await publisher.close();
      expect(await readFile(join(dir, "manifest.mpd"), "utf8")).toContain('type="static"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
