import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCdn, type TestCdnAccount } from "../../testing/cdn.ts";

let cdn: Awaited<ReturnType<typeof startTestCdn>>;
let account: TestCdnAccount;
let query: string;
let work: string;
const channelId = "ch-formats";

beforeAll(async () => {
  cdn = await startTestCdn();
  account = await cdn.account("acct-formats");
  query = (await account.grant(channelId)).query;
  work = await mkdtemp(join(tmpdir(), "visionstream-cdn-formats-"));
});
afterAll(async () => {
  await cdn?.close();
  await rm(work, { recursive: true, force: true });
});

describe("GET /time", () => {
  it("answers the time as ISO 8601 with milliseconds, unsigned, uncached, to any origin", async () => {
    const before = Date.now();
    const response = await fetch(`${cdn.url}/time`, { headers: { origin: "http://example.test" } });
    const text = await response.text();
    const after = Date.now();

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("access-control-allow-origin")).toBe("http://example.test");
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(text)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(text)).toBeLessThanOrEqual(after);
  });
});

describe("Smooth Streaming and DASH objects", () => {
  it("serves ffmpeg's smoothstreaming output at the URLs players ask for, with their content types", async () => {
    const output = join(work, "mss");
    await promisify(execFile)("ffmpeg", [
      "-hide_banner", "-loglevel", "error",
      "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine",
      "-t", "4", "-c:v", "libx264", "-g", "25", "-b:v", "300k", "-flags", "+global_header", "-c:a", "aac",
      "-min_frag_duration", "1000000", "-f", "smoothstreaming", output,
    ]);
    const live = join(account.bucketDir, "live", channelId);
    await mkdir(live, { recursive: true });
    await cp(output, join(live, "mss"), { recursive: true });
    const levels = (await readdir(output)).filter((name) => name.startsWith("QualityLevels("));
    const fragments = (await Promise.all(levels.map(async (level) => (await readdir(join(output, level))).map((name) => `${level}/${name}`)))).flat();
    const videoFragment = fragments.find((path) => path.includes("/Fragments(video="))!;
    const audioFragment = fragments.find((path) => path.includes("/Fragments(audio="))!;
    const base = `${account.cdnBaseUrl}/live/${channelId}/mss`;

    const manifest = await fetch(`${base}/Manifest?${query}`);
    const plain = await fetch(`${base}/${videoFragment}?${query}`);
    const encoded = await fetch(`${base}/${videoFragment.replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/=/g, "%3D")}?${query}`);
    const audio = await fetch(`${base}/${audioFragment}?${query}`);

    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("content-type")).toBe("application/vnd.ms-sstr+xml");
    expect(manifest.headers.get("cache-control")).toBe("max-age=1");
    expect(await manifest.text()).toContain('Url="QualityLevels({bitrate})/Fragments(video={start time})"');
    for (const fragment of [plain, encoded, audio]) {
      expect(fragment.status).toBe(200);
      expect(fragment.headers.get("content-type")).toBe("video/mp4");
      const bytes = Buffer.from(await fragment.arrayBuffer());
      expect(bytes.subarray(4, 8).toString("latin1")).toBe("moof");
    }
  });

  it("serves a DASH manifest as application/dash+xml, kept a second at most", async () => {
    const file = join(account.bucketDir, "live", channelId, "cmaf", "manifest.mpd");
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"/>');

    const response = await fetch(`${account.cdnBaseUrl}/live/${channelId}/cmaf/manifest.mpd?${query}`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/dash+xml");
    expect(response.headers.get("cache-control")).toBe("max-age=1");
  });
});
