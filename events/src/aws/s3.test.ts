import { S3EventNotificationEventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/s3";
import { describe, expect, it } from "vitest";
import { matchesPattern } from "../match.ts";
import { S3ObjectCreated, S3ObjectCreatedPattern, S3RecordingSegmentCreatedPattern } from "./s3.ts";
import { sampleEvent } from "./samples/documented.ts";
import { s3ObjectCreatedSample } from "./samples/s3.ts";

function withObject(changes: Record<string, unknown>) {
  const event = sampleEvent(s3ObjectCreatedSample);
  event.detail.object = { ...(event.detail.object as object), ...changes };
  return event;
}

describe("S3ObjectCreated", () => {
  it("parses the documented sample", () => {
    const event = S3ObjectCreated.parse(sampleEvent(s3ObjectCreatedSample));

    expect(event.source).toBe("aws.s3");
    expect(event["detail-type"]).toBe("Object Created");
    expect(event.detail.bucket.name).toBe("amzn-s3-demo-bucket1");
    expect(event.detail.object).toEqual({
      key: "example-key",
      size: 5,
      etag: "b1946ac92492d2347c6235b4d2611184",
      "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
      sequencer: "617f08299329d189",
    });
    expect(event.detail.reason).toBe("PutObject");
    expect(event.detail["source-ip-address"]).toBe("1.2.3.4");
    expect(event.detail["event-version"]).toBe("1.0");
  });

  it("accepts a source address that is not IPv4, which powertools' schema rejects", () => {
    const event = sampleEvent(s3ObjectCreatedSample);
    event.detail["source-ip-address"] = "2001:db8::1";

    expect(S3ObjectCreated.parse(event).detail["source-ip-address"]).toBe("2001:db8::1");
    expect(S3EventNotificationEventBridgeSchema.safeParse(event).success).toBe(false);
  });

  it("rejects another detail-type, another source and a created object without size or etag", () => {
    const deleted = sampleEvent(s3ObjectCreatedSample);
    deleted["detail-type"] = "Object Deleted";
    const otherSource = sampleEvent(s3ObjectCreatedSample);
    otherSource.source = "aws.s3-outposts";
    const noBucket = sampleEvent(s3ObjectCreatedSample);
    delete noBucket.detail.bucket;
    const noSize = withObject({ size: undefined });
    const noEtag = withObject({ etag: undefined });

    for (const event of [deleted, otherSource, noBucket, noSize, noEtag])
      expect(S3ObjectCreated.safeParse(event).success).toBe(false);
  });

  it("is routed by its patterns, recording segments by key prefix", () => {
    const segment = withObject({ key: "recordings/ch-1/s-1/720p/seg_00001.ts" });
    const live = withObject({ key: "live/ch-1/720p/seg_00001.ts" });

    expect(matchesPattern(S3ObjectCreatedPattern, sampleEvent(s3ObjectCreatedSample))).toBe(true);
    expect(matchesPattern(S3RecordingSegmentCreatedPattern, segment)).toBe(true);
    expect(S3ObjectCreated.safeParse(segment).success).toBe(true);
    expect(matchesPattern(S3RecordingSegmentCreatedPattern, live)).toBe(false);
    expect(matchesPattern(S3RecordingSegmentCreatedPattern, sampleEvent(s3ObjectCreatedSample))).toBe(false);
  });
});
