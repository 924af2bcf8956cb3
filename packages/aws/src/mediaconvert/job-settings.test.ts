import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { recordingPrefix, vodKey } from "@visionstream/core/recordings/recording";
import { describe, expect, it } from "vitest";
import { recordingDestinationUrl, recordingNameModifier } from "../medialive/encoder-settings.ts";
import { recordingPlaylistKey } from "./job-settings.ts";

describe("recordingPlaylistKey", () => {
  it("names the playlist MediaLive writes for each rendition of the recording", () => {
    const bucketName = "visionstream-test-acc-0123456789abcdef";
    const channelId = "ch-0123456789abcdef";
    const sessionId = "2024-05-01T10-00-00Z";

    for (const rendition of DEFAULT_LADDER.renditions) {
      const written = `${recordingDestinationUrl(bucketName, channelId, sessionId)}${recordingNameModifier(rendition)}.m3u8`;

      const key = recordingPlaylistKey(`${recordingPrefix(channelId, sessionId)}${rendition.name}/`);

      expect(written).toBe(`s3ssl://${bucketName}/${key}`);
    }
  });

  it("refuses a source prefix that is not a folder", () => {
    expect(() => recordingPlaylistKey("recordings/ch-0123456789abcdef/s1/1080p")).toThrow(/must end in "\/"/);
  });
});

describe("vodKey", () => {
  it("is the base name of the job's destination plus the .mp4 MediaConvert appends", () => {
    expect(vodKey("rec-0123456789abcdef")).toBe("vod/rec-0123456789abcdef.mp4");
  });
});
