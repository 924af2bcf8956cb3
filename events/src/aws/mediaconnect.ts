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
// CONNECTED, so the state stays a string rather than an enum that could reject real events. One version of the page
// names the field source_state, as Flow Health does (https://docs.aws.amazon.com/ja_jp/mediaconnect/latest/ug/monitoring-cloudwatch-events-source-health.html):
// either is read, through sourceStateOf.
const SourceHealthIndicators = z
  .looseObject({
    state: z.string().optional(),
    source_state: z.string().optional(),
    tr101: MediaConnectTr101.optional(),
  })
  .refine((indicators) => indicators.state !== undefined || indicators.source_state !== undefined, "a source state (state or source_state)");

/** The source's state in lower case (connected, receiving, disconnected, idle), whichever field carries it. */
export const sourceStateOf = (indicators: z.infer<typeof SourceHealthIndicators>) => (indicators.state ?? indicators.source_state ?? "").toLowerCase();

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
