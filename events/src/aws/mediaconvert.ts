import { z } from "zod";
import type { EventPattern } from "../event-pattern.ts";
import { awsEvent, awsEventPattern } from "./envelope.ts";

/** The documented statuses; MediaConvert emits no SUBMITTED event. */
export const MediaConvertJobStatus = z.enum(["INPUT_INFORMATION", "PROGRESSING", "STATUS_UPDATE", "COMPLETE", "CANCELED", "ERROR", "NEW_WARNING", "QUEUE_HOP"]);
export type MediaConvertJobStatus = z.infer<typeof MediaConvertJobStatus>;

export const MediaConvertVideoDetails = z.looseObject({
  widthInPx: z.number().int(),
  heightInPx: z.number().int(),
  averageBitrate: z.number().optional(),
});

export const MediaConvertOutputDetail = z.looseObject({
  outputFilePaths: z.array(z.string()),
  durationInMs: z.number(),
  // Absent for audio-only outputs.
  videoDetails: MediaConvertVideoDetails.optional(),
});

export const MediaConvertOutputGroupDetail = z.looseObject({
  // FILE_GROUP, HLS_GROUP, DASH_ISO_GROUP, CMAF_GROUP or MS_SMOOTH_GROUP today; a string so that a new
  // group type cannot make a finished job's event unreadable.
  type: z.string(),
  outputDetails: z.array(MediaConvertOutputDetail),
  playlistFilePaths: z.array(z.string()).optional(),
});

const JobDetail = z.looseObject({
  timestamp: z.number(),
  accountId: z.string(),
  queue: z.string(),
  jobId: z.string(),
  userMetadata: z.record(z.string(), z.string()),
});

export const MediaConvertJobStateChangeDetail = z.discriminatedUnion("status", [
  JobDetail.extend({
    status: z.literal("COMPLETE"),
    outputGroupDetails: z.array(MediaConvertOutputGroupDetail),
  }),
  JobDetail.extend({
    status: z.literal("ERROR"),
    errorCode: z.number().int(),
    errorMessage: z.string().optional(),
  }),
  JobDetail.extend({
    status: MediaConvertJobStatus.exclude(["COMPLETE", "ERROR"]),
  }),
]);

export const MediaConvertJobStateChange = awsEvent("aws.mediaconvert", "MediaConvert Job State Change", MediaConvertJobStateChangeDetail);
export type MediaConvertJobStateChange = z.infer<typeof MediaConvertJobStateChange>;

export const MediaConvertJobStateChangePattern = awsEventPattern(MediaConvertJobStateChange);

export const MediaConvertJobFinishedPattern = {
  ...MediaConvertJobStateChangePattern,
  // A canceled job ends too: without it a recording would wait for ever.
  detail: { status: ["COMPLETE", "ERROR", "CANCELED"] },
} as const satisfies EventPattern;
