import { S3EventNotificationEventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/s3";
import { z } from "zod";
import type { EventPattern } from "../event-pattern.ts";
import { awsEvent, awsEventPattern } from "./envelope.ts";

const NotificationDetail = S3EventNotificationEventBridgeSchema.shape.detail;

export const S3ObjectCreatedDetail = NotificationDetail.extend({
  object: NotificationDetail.shape.object.extend({
    size: z.number().int().nonnegative(),
    etag: z.string(),
  }),
  // Powertools accepts only IPv4 here, but dual-stack endpoints bring IPv6 clients, and writes made by
  // AWS services can carry a host name (its S3 record schema already had to admit "s3.amazonaws.com").
  "source-ip-address": z.string().optional(),
  "event-version": z.string().optional(),
}).loose();

export const S3ObjectCreated = awsEvent("aws.s3", "Object Created", S3ObjectCreatedDetail);
export type S3ObjectCreated = z.infer<typeof S3ObjectCreated>;

export const S3ObjectCreatedPattern = awsEventPattern(S3ObjectCreated);

export const S3RecordingSegmentCreatedPattern = {
  ...S3ObjectCreatedPattern,
  detail: { object: { key: [{ prefix: "recordings/" }] } },
} as const satisfies EventPattern;
