import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import { z } from "zod";

export const VISIONSTREAM_SOURCE = "visionstream";

export const AccountCreatedDetail = z.object({
  accountId: z.string().min(1),
  name: z.string(),
});
export const AccountProvisioningRetriedDetail = z.object({
  accountId: z.string().min(1),
  attempt: z.number().int().positive(),
});
export const AccountProvisionedDetail = z.object({
  accountId: z.string().min(1),
  bucketName: z.string().min(1),
  distributionId: z.string().min(1),
  distributionArn: z.string().min(1).optional(),
  cdnBaseUrl: z.url(),
  publicKeyId: z.string().min(1),
});
export const AccountProvisioningFailedDetail = z.object({
  accountId: z.string().min(1),
  reason: z.string(),
});
export const AccountDeletedDetail = z.object({
  accountId: z.string().min(1),
});
/** A deleted account's channels are all DELETED: its switchers go next. */
export const AccountChannelsReleasedDetail = z.object({
  accountId: z.string().min(1),
});
/** A deleted account's switchers are gone (lineups, flows): its bucket's CDN and signing key go next. */
export const AccountSwitchersReleasedDetail = z.object({
  accountId: z.string().min(1),
});
export const AccountDeprovisionedDetail = z.object({
  accountId: z.string().min(1),
});

const SwitchMode = z.enum(["clean", "cut"]);
/** A switcher put an ingest on its live or preview bus. */
export const StreamSwitchedDetail = z.object({
  accountId: z.string().min(1),
  switcherId: z.string().min(1),
  bus: z.enum(["live", "preview"]),
  ingestId: z.string().min(1),
  previousIngestId: z.string().min(1).optional(),
  requestedMode: SwitchMode,
  mode: SwitchMode,
  reason: z.enum(["operator", "take", "schedule", "fallback"]),
  at: z.iso.datetime(),
  landedAfterMs: z.number().nonnegative().optional(),
  note: z.string().optional(),
});

/** Reasons a live session's recording has a hole; each engine reports the ones it can see. */
export const RecordingGapReason = z.enum(["no-input", "transcoder-behind", "engine-restart"]);
/**
 * A stretch of a live session that is not in its recording, reported by the engine that saw it: no input between two
 * frames, media still queued for the transcoder when a stop reached its drain bound, or media lost when the
 * transcoder was restarted. Times to the millisecond; lostMs is the media that is missing.
 */
export const RecordingGapDetectedDetail = z.object({
  accountId: z.string().min(1),
  channelId: z.string().min(1),
  sessionId: z.string().min(1),
  reason: RecordingGapReason,
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  lostMs: z.number().int().nonnegative(),
});
/** A channel has a start, stop or deletion to carry out: the next step is due (its state says which). */
export const ChannelStepRequestedDetail = z.object({
  accountId: z.string().min(1),
  channelId: z.string().min(1),
});
/** A switcher's architecture is to be applied to the engine (after creation or a config change). */
export const SwitcherApplyRequestedDetail = z.object({
  accountId: z.string().min(1),
  switcherId: z.string().min(1),
  version: z.number().int().positive(),
});

export const VisionStreamDetails = {
  AccountCreated: AccountCreatedDetail,
  AccountProvisioningRetried: AccountProvisioningRetriedDetail,
  AccountProvisioned: AccountProvisionedDetail,
  AccountProvisioningFailed: AccountProvisioningFailedDetail,
  AccountDeleted: AccountDeletedDetail,
  AccountChannelsReleased: AccountChannelsReleasedDetail,
  AccountSwitchersReleased: AccountSwitchersReleasedDetail,
  AccountDeprovisioned: AccountDeprovisionedDetail,
  StreamSwitched: StreamSwitchedDetail,
  RecordingGapDetected: RecordingGapDetectedDetail,
  ChannelStepRequested: ChannelStepRequestedDetail,
  SwitcherApplyRequested: SwitcherApplyRequestedDetail,
} as const;

export type VisionStreamDetailType = keyof typeof VisionStreamDetails;
export type VisionStreamDetail<T extends VisionStreamDetailType> = z.infer<(typeof VisionStreamDetails)[T]>;

/** What a publisher puts on the bus: EventBridge's PutEvents entry, before the bus adds the envelope. */
export type VisionStreamEntry<T extends VisionStreamDetailType = VisionStreamDetailType> = {
  [K in T]: { source: typeof VISIONSTREAM_SOURCE; "detail-type": K; detail: VisionStreamDetail<K> };
}[T];

export function visionStreamEntry<T extends VisionStreamDetailType>(
  detailType: T,
  detail: VisionStreamDetail<T>,
): VisionStreamEntry<T> {
  return {
    source: VISIONSTREAM_SOURCE,
    "detail-type": detailType,
    detail: VisionStreamDetails[detailType].parse(detail),
  } as VisionStreamEntry<T>;
}

export function visionStreamEventSchema<T extends VisionStreamDetailType>(detailType: T) {
  return EventBridgeSchema.extend({
    source: z.literal(VISIONSTREAM_SOURCE),
    "detail-type": z.literal(detailType),
    detail: VisionStreamDetails[detailType],
  });
}

export const AccountCreatedEvent = visionStreamEventSchema("AccountCreated");
export const AccountProvisioningRetriedEvent = visionStreamEventSchema("AccountProvisioningRetried");
export const AccountProvisionedEvent = visionStreamEventSchema("AccountProvisioned");
export const AccountProvisioningFailedEvent = visionStreamEventSchema("AccountProvisioningFailed");
export const AccountDeletedEvent = visionStreamEventSchema("AccountDeleted");
export const AccountChannelsReleasedEvent = visionStreamEventSchema("AccountChannelsReleased");
export const AccountSwitchersReleasedEvent = visionStreamEventSchema("AccountSwitchersReleased");
export const AccountDeprovisionedEvent = visionStreamEventSchema("AccountDeprovisioned");
export const RecordingGapDetectedEvent = visionStreamEventSchema("RecordingGapDetected");
export type RecordingGapDetectedEvent = z.infer<typeof RecordingGapDetectedEvent>;
export const ChannelStepRequestedEvent = visionStreamEventSchema("ChannelStepRequested");
export const SwitcherApplyRequestedEvent = visionStreamEventSchema("SwitcherApplyRequested");

/** The provisioning handler accepts either a fresh account or a retry. */
export const AccountProvisioningRequestedEvent = z.union([AccountCreatedEvent, AccountProvisioningRetriedEvent]);
export type AccountProvisioningRequestedEvent = z.infer<typeof AccountProvisioningRequestedEvent>;
export type AccountDeletedEvent = z.infer<typeof AccountDeletedEvent>;
