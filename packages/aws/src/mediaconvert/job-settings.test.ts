import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { recordingPrefix, vodKey } from "@visionstream/core/recordings/recording";
import { describe, expect, it } from "vitest";
import {
  RECORDED_PIPELINE,
  recordingDestinationUrl,
  recordingNameModifier,
} from "../medialive/recording-layout.ts";
import { recordingPlaylistKey } from "./job-settings.ts";

describe("recordingPlaylistKey", () => {
  it("names the playlist MediaLive writes for each rendition of the recorded pipeline", () => {
    const bucketName = "visionstream-test-acc-0123456789abcdef";
    const channelId = "ch-0123456789abcdef";
    const sessionId = "2024-05-01T10-00-00Z";
    const destination = recordingDestinationUrl({ bucketName, channelId, sessionId, pipeline: RECORDED_PIPELINE });

    for (const rendition of DEFAULT_LADDER.renditions) {
      // MediaLive's child manifest: destination (folder + base file name) + name modifier + ".m3u8".
      const written = `${destination}${recordingNameModifier(rendition.name)}.m3u8`;

      const key = recordingPlaylistKey(`${recordingPrefix(channelId, sessionId)}${rendition.name}/`);

      expect(written).toBe(`s3ssl://${bucketName}/${key}`);
    }
    expect(recordingPlaylistKey(`${recordingPrefix(channelId, sessionId)}1080p/`)).toBe(
      "recordings/ch-0123456789abcdef/2024-05-01T10-00-00Z/pipeline-0/index_1080p.m3u8",
    );
  });

  it.each(["recordings/ch-0123456789abcdef/s1/1080p", "recordings/ch-0123456789abcdef/1080p/", "vod/x/y/1080p/"])(
    "refuses %s, which is no rendition of a session",
    (sourcePrefix) => {
      expect(() => recordingPlaylistKey(sourcePrefix)).toThrow(/is not recordings\/<channelId>/);
    },
  );
});

describe("vodKey", () => {
  it("is the base name of the job's destination plus the .mp4 MediaConvert appends", () => {
    expect(vodKey("rec-0123456789abcdef")).toBe("vod/rec-0123456789abcdef.mp4");
  });
});
