import { describe, expect, it } from "vitest";
import { parseSegmentKey } from "./recording.ts";

const channelId = "ch-0123456789abcdef";
const sessionId = "2024-05-01T10-00-00Z";

describe("parseSegmentKey", () => {
  it("reads the local engine's layout, one folder per rendition", () => {
    const segment = parseSegmentKey(`recordings/${channelId}/${sessionId}/1080p/seg_00042.ts`);

    expect(segment).toStrictEqual({ channelId, sessionId, rendition: "1080p", sequence: 42 });
  });

  it("reads MediaLive's layout, the rendition in the file name of pipeline 0's folder", () => {
    const segment = parseSegmentKey(`recordings/${channelId}/${sessionId}/pipeline-0/index_720p_000123.ts`);

    expect(segment).toStrictEqual({ channelId, sessionId, rendition: "720p", sequence: 123 });
  });

  it.each([
    [`recordings/${channelId}/${sessionId}/pipeline-1/index_1080p_000123.ts`, "the second pipeline's copy"],
    [`recordings/${channelId}/${sessionId}/pipeline-0/index_1080p.m3u8`, "MediaLive's playlist"],
    [`recordings/${channelId}/${sessionId}/1080p/index.m3u8`, "a local playlist"],
    [`recordings/${channelId}/${sessionId}/index_1080p_000123.ts`, "a segment outside any folder"],
    [`recordings/ch-x/${sessionId}/1080p/seg_00001.ts`, "an unknown channel id"],
    [`vod/${channelId}/${sessionId}/1080p/seg_00001.ts`, "another prefix"],
  ])("ignores %s (%s)", (key) => {
    expect(parseSegmentKey(key)).toBeUndefined();
  });
});
