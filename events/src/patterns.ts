import { MediaConnectSourceHealthPattern } from "./aws/mediaconnect.ts";
import { MediaConvertJobFinishedPattern } from "./aws/mediaconvert.ts";
import { MediaLiveChannelAlertPattern, MediaLiveChannelStateChangePattern, MediaLiveChannelStoppedPattern } from "./aws/medialive.ts";
import { S3RecordingSegmentCreatedPattern } from "./aws/s3.ts";
import { VISIONSTREAM_SOURCE, type VisionStreamDetailType } from "./visionstream.ts";

export type { EventPattern } from "./event-pattern.ts";
import type { EventPattern } from "./event-pattern.ts";

const visionstream = (...detailTypes: VisionStreamDetailType[]): EventPattern => ({
  source: [VISIONSTREAM_SOURCE],
  "detail-type": detailTypes,
});

/** Every rule of the platform: one per reacting handler. stacks/ builds EventBridge rules from these; the local bus routes with them. */
export const Rules = {
  provisionAccount: visionstream("AccountCreated", "AccountProvisioningRetried"),
  deprovisionAccount: visionstream("AccountDeleted"),
  channelStateChanged: MediaLiveChannelStateChangePattern,
  channelAlert: MediaLiveChannelAlertPattern,
  recordingSegmentCreated: S3RecordingSegmentCreatedPattern,
  recordingSessionEnded: MediaLiveChannelStoppedPattern,
  recordingJobChanged: MediaConvertJobFinishedPattern,
  recordingGapDetected: visionstream("RecordingGapDetected"),
  switcherSourceHealth: MediaConnectSourceHealthPattern,
} as const satisfies Record<string, EventPattern>;

export type RuleName = keyof typeof Rules;
