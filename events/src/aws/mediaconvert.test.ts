import { describe, expect, it } from "vitest";
import { matchesPattern } from "../match.ts";
import {
  MediaConvertJobFinishedPattern,
  MediaConvertJobStateChange,
  MediaConvertJobStateChangePattern,
} from "./mediaconvert.ts";
import { sampleEvent } from "./samples/documented.ts";
import {
  mediaConvertCanceledSample,
  mediaConvertCompleteSample,
  mediaConvertDocumentedSamples,
  mediaConvertErrorSample,
  mediaConvertFileGroupCompleteSample,
  mediaConvertHlsGroupCompleteSample,
  mediaConvertProgressingSample,
} from "./samples/mediaconvert.ts";

function completed(event: MediaConvertJobStateChange) {
  if (event.detail.status !== "COMPLETE") throw new Error(`expected COMPLETE, got ${event.detail.status}`);
  return event.detail;
}

describe("MediaConvertJobStateChange", () => {
  it.each(mediaConvertDocumentedSamples.map((sample) => [sample.page, sample] as const))(
    "parses the documented sample of %s",
    (_page, sample) => {
      const event = MediaConvertJobStateChange.parse(sampleEvent(sample));

      expect(event.source).toBe("aws.mediaconvert");
      expect(event["detail-type"]).toBe("MediaConvert Job State Change");
    },
  );

  it("reads the outputs of a COMPLETE job", () => {
    const event = MediaConvertJobStateChange.parse(sampleEvent(mediaConvertCompleteSample));
    const detail = completed(event);

    expect(detail.jobId).toBe("1671476818694-phptj0");
    expect(detail.queue).toBe("arn:aws:mediaconvert:us-west-2:111122223333:queues/Default");
    expect(detail.accountId).toBe("111122223333");
    expect(detail.timestamp).toBe(1671476832124);
    expect(detail.userMetadata).toEqual({});
    expect(detail.outputGroupDetails).toHaveLength(1);
    expect(detail.outputGroupDetails[0]?.type).toBe("FILE_GROUP");
    expect(detail.outputGroupDetails[0]?.outputDetails[0]).toMatchObject({
      outputFilePaths: ["s3://amzn-s3-demo-bucket/file/file.mp4"],
      durationInMs: 30041,
      videoDetails: { widthInPx: 1920, heightInPx: 1080 },
    });
  });

  it("reads the average bitrate of a file group and the playlists of an HLS group", () => {
    const fileGroup = completed(MediaConvertJobStateChange.parse(sampleEvent(mediaConvertFileGroupCompleteSample)));
    const hlsGroup = completed(MediaConvertJobStateChange.parse(sampleEvent(mediaConvertHlsGroupCompleteSample)));

    expect(fileGroup.outputGroupDetails[0]?.outputDetails[0]?.videoDetails?.averageBitrate).toBe(200000);
    expect(hlsGroup.outputGroupDetails[0]?.playlistFilePaths).toEqual(["s3://amzn-s3-demo-bucket/hls/main.m3u8"]);
    expect(hlsGroup.outputGroupDetails[0]?.outputDetails.map((output) => output.videoDetails?.heightInPx)).toEqual([240, 720]);
  });

  it("keeps the file group page's example, which is not JSON as printed", () => {
    expect(() => JSON.parse(mediaConvertFileGroupCompleteSample.text)).toThrow(SyntaxError);
    expect(() => JSON.parse(mediaConvertCompleteSample.text)).toThrow(SyntaxError);
  });

  it("reads the error of an ERROR job", () => {
    const { detail } = MediaConvertJobStateChange.parse(sampleEvent(mediaConvertErrorSample));

    expect(detail.status).toBe("ERROR");
    if (detail.status !== "ERROR") return;
    expect(detail.errorCode).toBe(1040);
    expect(detail.errorMessage).toBe("Example error message");
    expect(detail.jobId).toBe("1515368087458-qnoxtd");
  });

  it("reads user metadata as strings", () => {
    const event = sampleEvent(mediaConvertCompleteSample);
    event.detail.userMetadata = { recordingId: "rec-1", accountId: "acc-1" };

    expect(MediaConvertJobStateChange.parse(event).detail.userMetadata).toEqual({ recordingId: "rec-1", accountId: "acc-1" });
  });

  it("rejects what the documentation does not describe", () => {
    const otherDetailType = sampleEvent(mediaConvertCompleteSample);
    otherDetailType["detail-type"] = "MediaConvert Job Status Change";
    const otherSource = sampleEvent(mediaConvertCompleteSample);
    otherSource.source = "aws.medialive";
    const submitted = sampleEvent(mediaConvertProgressingSample);
    submitted.detail.status = "SUBMITTED";
    const completeWithoutOutputs = sampleEvent(mediaConvertCompleteSample);
    delete completeWithoutOutputs.detail.outputGroupDetails;
    const errorWithoutCode = sampleEvent(mediaConvertErrorSample);
    delete errorWithoutCode.detail.errorCode;
    const noJobId = sampleEvent(mediaConvertProgressingSample);
    delete noJobId.detail.jobId;
    const numericMetadata = sampleEvent(mediaConvertProgressingSample);
    numericMetadata.detail.userMetadata = { attempt: 2 };

    for (const event of [otherDetailType, otherSource, submitted, completeWithoutOutputs, errorWithoutCode, noJobId, numericMetadata])
      expect(MediaConvertJobStateChange.safeParse(event).success).toBe(false);
  });

  it("is routed by its patterns, finished jobs being COMPLETE, ERROR or CANCELED", () => {
    for (const sample of mediaConvertDocumentedSamples)
      expect(matchesPattern(MediaConvertJobStateChangePattern, sampleEvent(sample))).toBe(true);

    expect(matchesPattern(MediaConvertJobFinishedPattern, sampleEvent(mediaConvertCompleteSample))).toBe(true);
    expect(matchesPattern(MediaConvertJobFinishedPattern, sampleEvent(mediaConvertErrorSample))).toBe(true);
    expect(matchesPattern(MediaConvertJobFinishedPattern, sampleEvent(mediaConvertProgressingSample))).toBe(false);
    expect(matchesPattern(MediaConvertJobFinishedPattern, sampleEvent(mediaConvertCanceledSample))).toBe(true);
  });
});
