import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import { z } from "zod";
import type { EventPattern } from "../event-pattern.ts";

export const MediaConnectFlowStatus = z.enum(["STANDBY", "ACTIVE", "UPDATING", "DELETING", "STARTING", "STOPPING", "ERROR"]);
export type MediaConnectFlowStatus = z.infer<typeof MediaConnectFlowStatus>;

/** Detail carries no ARN: the flow is `resources[0]`. */
export const MediaConnectFlowStatusChange = EventBridgeSchema.extend({
  source: z.literal("aws.mediaconnect"),
  "detail-type": z.literal("MediaConnect Flow Status Change"),
  detail: z.looseObject({
    currentStatus: MediaConnectFlowStatus,
    previousStatus: MediaConnectFlowStatus,
  }),
});
export type MediaConnectFlowStatusChange = z.infer<typeof MediaConnectFlowStatusChange>;

/** TR 101 290 indicators, reported only for transport-stream protocols. */
export const MediaConnectTr101 = z.looseObject({
  ts_sync_loss: z.boolean(),
  continuity_count_error: z.boolean(),
  transport_error: z.boolean(),
  pcr_error: z.boolean(),
});

// The guide lists connected, receiving, disconnected and idle in lower case while its samples print
// CONNECTED, so the state stays a string rather than an enum that could reject real events.
const SourceHealthIndicators = z.looseObject({
  state: z.string(),
  tr101: MediaConnectTr101.optional(),
});

/** `resources` holds the flow's ARN, then the source's. */
export const MediaConnectSourceHealth = EventBridgeSchema.extend({
  source: z.literal("aws.mediaconnect"),
  "detail-type": z.literal("MediaConnect Source Health"),
  detail: z.looseObject({
    unhealthy: z.boolean(),
    current: SourceHealthIndicators,
    previous: SourceHealthIndicators,
  }),
});
export type MediaConnectSourceHealth = z.infer<typeof MediaConnectSourceHealth>;

const FlowHealthIndicators = z.looseObject({
  failover_switch: z.boolean(),
  source_state: z.string(),
  tr101: MediaConnectTr101.optional(),
});

export const MediaConnectFlowHealth = EventBridgeSchema.extend({
  source: z.literal("aws.mediaconnect"),
  "detail-type": z.literal("MediaConnect Flow Health"),
  detail: z.looseObject({
    unhealthy: z.boolean(),
    current: FlowHealthIndicators,
    previous: FlowHealthIndicators,
  }),
});
export type MediaConnectFlowHealth = z.infer<typeof MediaConnectFlowHealth>;

export const MediaConnectAlert = EventBridgeSchema.extend({
  source: z.literal("aws.mediaconnect"),
  "detail-type": z.literal("MediaConnect Alert"),
  detail: z.looseObject({
    errored: z.boolean(),
    "error-code": z.string(),
    "error-message": z.string(),
  }),
});
export type MediaConnectAlert = z.infer<typeof MediaConnectAlert>;

export const MediaConnectFlowStatusChangePattern = {
  source: ["aws.mediaconnect"],
  "detail-type": ["MediaConnect Flow Status Change"],
} as const satisfies EventPattern;

export const MediaConnectSourceHealthPattern = {
  source: ["aws.mediaconnect"],
  "detail-type": ["MediaConnect Source Health"],
} as const satisfies EventPattern;

export const MediaConnectFlowHealthPattern = {
  source: ["aws.mediaconnect"],
  "detail-type": ["MediaConnect Flow Health"],
} as const satisfies EventPattern;

export const MediaConnectAlertPattern = {
  source: ["aws.mediaconnect"],
  "detail-type": ["MediaConnect Alert"],
} as const satisfies EventPattern;
