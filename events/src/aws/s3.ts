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

/** A segment MediaLive wrote under recordings/ (never its playlists, which it rewrites after every segment). */
export const RECORDING_SEGMENT_KEY = "recordings/*.ts";

/**
 * Recording segments written into an account bucket of one stage. Its buckets are named `<resourcePrefix>-<accountId>`
 * and account ids start with `acc-`, so other stages' buckets (stage names never hold `-acc-` nor end in `-acc`: see
 * stacks/stage-name.ts) and every other bucket of the AWS account stay out.
 */
export const s3RecordingSegmentCreatedPattern = (resourcePrefix: string) =>
  ({
    ...S3ObjectCreatedPattern,
    detail: {
      bucket: { name: [{ prefix: `${resourcePrefix}-acc-` }] },
      object: { key: [{ wildcard: RECORDING_SEGMENT_KEY }] },
    },
  }) as const satisfies EventPattern;
