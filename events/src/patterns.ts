import { switcherStackDeployedPattern } from "./aws/cloudformation.ts";
import { MediaConnectFlowStatusChangePattern, MediaConnectSourceHealthPattern } from "./aws/mediaconnect.ts";
import { MediaConvertJobFinishedPattern } from "./aws/mediaconvert.ts";
import { MediaLiveChannelAlertPattern, MediaLiveChannelStateChangePattern, MediaLiveChannelStoppedPattern } from "./aws/medialive.ts";
import { RECORDING_SEGMENT_KEY, S3ObjectCreatedPattern, s3RecordingSegmentCreatedPattern } from "./aws/s3.ts";
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
  // An account's deletion, one reaction after another (each publishes what the next listens to; the sweeper starts
  // the chain again while the account is DELETING): its channels, its switchers, then its CDN, bucket access and key.
  releaseAccountChannels: visionstream("AccountDeleted"),
  releaseAccountSwitchers: visionstream("AccountChannelsReleased"),
  deprovisionAccount: visionstream("AccountSwitchersReleased"),
  channelStateChanged: MediaLiveChannelStateChangePattern,
  channelAlert: MediaLiveChannelAlertPattern,
  // Any bucket's: stageRules narrows it to one stage's account buckets.
  recordingSegmentCreated: { ...S3ObjectCreatedPattern, detail: { object: { key: [{ wildcard: RECORDING_SEGMENT_KEY }] } } },
  recordingSessionEnded: MediaLiveChannelStoppedPattern,
  recordingJobChanged: MediaConvertJobFinishedPattern,
  recordingGapDetected: visionstream("RecordingGapDetected"),
  switcherSourceHealth: MediaConnectSourceHealthPattern,
  channelStep: visionstream("ChannelStepRequested"),
  switcherApply: visionstream("SwitcherApplyRequested"),
  // Any stage's: stageRules narrows it to one stage's switcher stacks.
  switcherStackDeployed: switcherStackDeployedPattern(),
  /** A flow back in STANDBY (created, or stopped by someone): its switcher starts it again; the handler ignores other flows. */
  switcherFlowStandby: { ...MediaConnectFlowStatusChangePattern, detail: { currentStatus: ["STANDBY"] } },
} as const satisfies Record<string, EventPattern>;

export type RuleName = keyof typeof Rules;

/** The rules of one stage, as stacks/ deploys them and the local bus routes: segments of that stage's buckets only. */
export const stageRules = (resourcePrefix: string) =>
  ({
    ...Rules,
    recordingSegmentCreated: s3RecordingSegmentCreatedPattern(resourcePrefix),
    switcherStackDeployed: switcherStackDeployedPattern(resourcePrefix),
  }) satisfies Record<RuleName, EventPattern>;
