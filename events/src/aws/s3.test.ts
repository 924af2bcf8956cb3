import { S3EventNotificationEventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/s3";
import { describe, expect, it } from "vitest";
import { matchesPattern } from "../match.ts";
import { S3ObjectCreated, S3ObjectCreatedPattern, s3RecordingSegmentCreatedPattern } from "./s3.ts";
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

  it("is routed by its patterns, recording segments by their stage's buckets and segment keys", () => {
    const pattern = s3RecordingSegmentCreatedPattern("visionstream-prod");
    const inBucket = (bucket: string, key: string) => {
      const event = withObject({ key });
      event.detail.bucket = { name: bucket };
      return event;
    };
    const segment = inBucket("visionstream-prod-acc-0123456789abcdef", "recordings/ch-1/s-1/720p/seg_00001.ts");

    expect(matchesPattern(S3ObjectCreatedPattern, sampleEvent(s3ObjectCreatedSample))).toBe(true);
    expect(matchesPattern(pattern, segment)).toBe(true);
    expect(S3ObjectCreated.safeParse(segment).success).toBe(true);
    expect(pattern.detail).toEqual({
      bucket: { name: [{ prefix: "visionstream-prod-acc-" }] },
      object: { key: [{ wildcard: "recordings/*.ts" }] },
    });
    for (const other of [
      inBucket("visionstream-prod-acc-0123456789abcdef", "live/ch-1/720p/seg_00001.ts"),
      inBucket("visionstream-prod-acc-0123456789abcdef", "recordings/ch-1/s-1/720p/index.m3u8"),
      inBucket("visionstream-prod-acc-0123456789abcdef", "recordings/ch-1/s-1/index.m3u8"),
      inBucket("visionstream-staging-acc-0123456789abcdef", "recordings/ch-1/s-1/720p/seg_00001.ts"),
      inBucket("visionstream-production-acc-0123456789abcdef", "recordings/ch-1/s-1/720p/seg_00001.ts"),
      inBucket("visionstream-prod-eu-acc-0123456789abcdef", "recordings/ch-1/s-1/720p/seg_00001.ts"),
      inBucket("someone-elses-bucket", "recordings/ch-1/s-1/720p/seg_00001.ts"),
      sampleEvent(s3ObjectCreatedSample),
    ]) {
      expect(matchesPattern(pattern, other)).toBe(false);
    }
  });
});
