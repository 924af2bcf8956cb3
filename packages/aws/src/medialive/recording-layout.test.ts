import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { parseSegmentKey } from "@visionstream/core/recordings/recording";
import { describe, expect, it } from "vitest";
import { encoderSettings } from "./encoder-settings.ts";
import {
  parseRecordingDestination,
  recordingDestinationUrl,
  recordingNameModifier,
} from "./recording-layout.ts";
import { recordingSession, withRecordingSession } from "./requests.ts";

const bucketName = "visionstream-test-acc-0123456789abcdef";
const channelId = "ch-0123456789abcdef";
const sessionId = "2024-05-01T10-00-00Z";

/** The key of the n-th segment MediaLive writes: destination + name modifier + "_" + six-digit counter + ".ts". */
function segmentWritten(pipeline: number, modifier: string, counter: number): string {
  const url = recordingDestinationUrl({ bucketName, channelId, sessionId, pipeline });
  return `${url}${modifier}_${String(counter).padStart(6, "0")}.ts`.replace(`s3ssl://${bucketName}/`, "");
}

describe("recordingDestinationUrl", () => {
  it("is a folder per pipeline plus a base file name, with no trailing slash", () => {
    expect(recordingDestinationUrl({ bucketName, channelId, sessionId: "s1", pipeline: 0 })).toBe(
      `s3ssl://${bucketName}/recordings/${channelId}/s1/pipeline-0/index`,
    );
    expect(recordingDestinationUrl({ bucketName, channelId, sessionId: "s1", pipeline: 1 })).toBe(
      `s3ssl://${bucketName}/recordings/${channelId}/s1/pipeline-1/index`,
    );
  });

  it("reads back into its parts, and nothing else does", () => {
    const destination = { bucketName, channelId, sessionId, pipeline: 1 };

    expect(parseRecordingDestination(recordingDestinationUrl(destination))).toStrictEqual(destination);
    expect(parseRecordingDestination(`s3ssl://${bucketName}/recordings/${channelId}/${sessionId}/`)).toBeUndefined();
    expect(parseRecordingDestination(`s3ssl://${bucketName}/media/x/pipeline-0/index`)).toBeUndefined();
  });
});

describe("the keys MediaLive writes", () => {
  const recording = encoderSettings(DEFAULT_LADDER).OutputGroups?.[0];
  const modifiers = (recording?.Outputs ?? []).map((output) => output.OutputSettings?.HlsOutputSettings?.NameModifier ?? "");

  it("give every output of the group a distinct name modifier", () => {
    expect(new Set(modifiers).size).toBe(DEFAULT_LADDER.renditions.length);
  });

  it("parse into the segment index's rendition and sequence for the recorded pipeline", () => {
    for (const [index, rendition] of DEFAULT_LADDER.renditions.entries()) {
      const key = segmentWritten(0, modifiers[index]!, 42);

      expect(parseSegmentKey(key)).toStrictEqual({ channelId, sessionId, rendition: rendition.name, sequence: 42 });
    }
  });

  it("leave the second pipeline's copy out of the index", () => {
    expect(parseSegmentKey(segmentWritten(1, recordingNameModifier("1080p"), 42))).toBeUndefined();
  });
});

describe("withRecordingSession", () => {
  const destinations = [
    {
      Id: "recording",
      Settings: [0, 1].map((pipeline) => ({
        Url: recordingDestinationUrl({ bucketName, channelId, sessionId: "unstarted", pipeline }),
      })),
    },
    { Id: "live", MediaPackageSettings: [{ ChannelGroup: "visionstream-test", ChannelName: `visionstream-test-${channelId}` }] },
  ];

  it("moves each pipeline's destination to the session, keeping the pipelines apart", () => {
    const moved = withRecordingSession("3333333", destinations, "s-42");

    expect(moved).toStrictEqual([
      {
        Id: "recording",
        Settings: [
          { Url: `s3ssl://${bucketName}/recordings/${channelId}/s-42/pipeline-0/index` },
          { Url: `s3ssl://${bucketName}/recordings/${channelId}/s-42/pipeline-1/index` },
        ],
      },
      destinations[1],
    ]);
    expect(recordingSession("3333333", moved)).toBe("s-42");
    expect(recordingSession("3333333", destinations)).toBe("unstarted");
  });

  it("says which channel has no recording destination to move", () => {
    expect(() => withRecordingSession("3333333", [destinations[1]!], "s-42")).toThrow(
      /MediaLive channel 3333333 has no recording destination/,
    );
  });
});
