import { z } from "zod";
import type { EventPattern } from "../event-pattern.ts";
import { awsEvent, awsEventPattern } from "./envelope.ts";

/**
 * The user guide's channel states and sample (DELETED), the API's ChannelState values, and the
 * CREATED and STOPPED states that the events carry although neither list names them.
 */
export const MediaLiveChannelState = z.enum([
  "CREATING",
  "CREATED",
  "CREATE_FAILED",
  "IDLE",
  "STARTING",
  "RUNNING",
  "RECOVERING",
  "STOPPING",
  "STOPPED",
  "UPDATING",
  "UPDATE_FAILED",
  "DELETING",
  "DELETED",
]);
export type MediaLiveChannelState = z.infer<typeof MediaLiveChannelState>;

export const MediaLiveChannelStateChangeDetail = z.looseObject({
  channel_arn: z.string(),
  state: MediaLiveChannelState,
  message: z.string(),
  pipelines_running_count: z.number().int().nonnegative(),
  /** Present when the change is one pipeline's ("0" or "1"); a standard channel reports each pipeline. */
  pipeline: z.string().optional(),
});

export const MediaLiveChannelStateChange = awsEvent("aws.medialive", "MediaLive Channel State Change", MediaLiveChannelStateChangeDetail);
export type MediaLiveChannelStateChange = z.infer<typeof MediaLiveChannelStateChange>;

export const MediaLiveChannelAlertDetail = z.looseObject({
  alarm_state: z.enum(["SET", "CLEARED"]),
  alarm_id: z.string(),
  alert_type: z.string(),
  channel_arn: z.string(),
  message: z.string(),
  pipeline: z.string(),
});

export const MediaLiveChannelAlert = awsEvent("aws.medialive", "MediaLive Channel Alert", MediaLiveChannelAlertDetail);
export type MediaLiveChannelAlert = z.infer<typeof MediaLiveChannelAlert>;

export const MediaLiveChannelStateChangePattern = awsEventPattern(MediaLiveChannelStateChange);

export const MediaLiveChannelRunningPattern = {
  ...MediaLiveChannelStateChangePattern,
  detail: { state: ["RUNNING"] },
} as const satisfies EventPattern;

export const MediaLiveChannelStoppedPattern = {
  ...MediaLiveChannelStateChangePattern,
  detail: { state: ["STOPPED"] },
} as const satisfies EventPattern;

export const MediaLiveChannelAlertPattern = awsEventPattern(MediaLiveChannelAlert);
