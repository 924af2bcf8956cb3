import { z } from "zod";
import { awsEvent, awsEventPattern } from "./envelope.ts";

export const MediaConnectFlowStatus = z.enum(["STANDBY", "ACTIVE", "UPDATING", "DELETING", "STARTING", "STOPPING", "ERROR"]);
export type MediaConnectFlowStatus = z.infer<typeof MediaConnectFlowStatus>;

/** Detail carries no ARN: the flow is `resources[0]`. */
export const MediaConnectFlowStatusChange = awsEvent("aws.mediaconnect", "MediaConnect Flow Status Change", z.looseObject({
  currentStatus: MediaConnectFlowStatus,
  previousStatus: MediaConnectFlowStatus,
}));
export type MediaConnectFlowStatusChange = z.infer<typeof MediaConnectFlowStatusChange>;

/** TR 101 290 indicators, reported only for transport-stream protocols. */
export const MediaConnectTr101 = z.looseObject({
  ts_sync_loss: z.boolean(),
  continuity_count_error: z.boolean(),
  transport_error: z.boolean(),
  pcr_error: z.boolean(),
});

const healthDetail = <Indicators extends z.ZodType>(indicators: Indicators) =>
  z.looseObject({ unhealthy: z.boolean(), current: indicators, previous: indicators });

// The guide lists connected, receiving, disconnected and idle in lower case while its samples print
// CONNECTED, so the state stays a string rather than an enum that could reject real events.
const SourceHealthIndicators = z.looseObject({
  state: z.string(),
  tr101: MediaConnectTr101.optional(),
});

/** `resources` holds the flow's ARN, then the source's. */
export const MediaConnectSourceHealth = awsEvent("aws.mediaconnect", "MediaConnect Source Health", healthDetail(SourceHealthIndicators));
export type MediaConnectSourceHealth = z.infer<typeof MediaConnectSourceHealth>;

const FlowHealthIndicators = z.looseObject({
  failover_switch: z.boolean(),
  source_state: z.string(),
  tr101: MediaConnectTr101.optional(),
});

export const MediaConnectFlowHealth = awsEvent("aws.mediaconnect", "MediaConnect Flow Health", healthDetail(FlowHealthIndicators));
export type MediaConnectFlowHealth = z.infer<typeof MediaConnectFlowHealth>;

export const MediaConnectAlert = awsEvent("aws.mediaconnect", "MediaConnect Alert", z.looseObject({
  errored: z.boolean(),
  "error-code": z.string(),
  "error-message": z.string(),
}));
export type MediaConnectAlert = z.infer<typeof MediaConnectAlert>;

export const MediaConnectFlowStatusChangePattern = awsEventPattern(MediaConnectFlowStatusChange);
export const MediaConnectSourceHealthPattern = awsEventPattern(MediaConnectSourceHealth);
export const MediaConnectFlowHealthPattern = awsEventPattern(MediaConnectFlowHealth);
export const MediaConnectAlertPattern = awsEventPattern(MediaConnectAlert);
