import type { Recordings } from "@visionstream/core";
import { MediaConvertJobStateChange, MediaLiveChannelStateChange, RecordingGapDetectedEvent, S3ObjectCreated } from "@visionstream/events";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";
import { type IdempotencySettings, oncePerEvent } from "./idempotency.ts";

/** S3 "Object Created" under recordings/ → the segment indexed against its recording. */
export const recordingSegmentCreatedHandler = (recordings: Recordings, idempotency: IdempotencySettings) =>
  eventHandler(S3ObjectCreated, oncePerEvent(idempotency, "recordingSegmentCreated"), async (event) => {
    const recording = await recordings.onSegmentCreated(event);
    logger.debug("segment indexed", { key: event.detail.object.key, recordingId: recording?.id });
  });

/** "MediaLive Channel State Change" STOPPED → the session's recording assembled into one MP4. */
export const recordingSessionEndedHandler = (recordings: Recordings, idempotency: IdempotencySettings) =>
  eventHandler(MediaLiveChannelStateChange, oncePerEvent(idempotency, "recordingSessionEnded"), async (event) => {
    const recording = await recordings.onChannelStopped(event);
    logger.info("session ended", { channelArn: event.detail.channel_arn, recordingId: recording?.id, status: recording?.status });
  });

/** "MediaConvert Job State Change" COMPLETE / ERROR / CANCELED → the recording READY or FAILED. */
export const recordingJobChangedHandler = (recordings: Recordings, idempotency: IdempotencySettings) =>
  eventHandler(MediaConvertJobStateChange, oncePerEvent(idempotency, "recordingJobChanged"), async (event) => {
    const recording = await recordings.onJobStateChange(event);
    const { jobId, status } = event.detail;
    logger.info("assembly job changed", { jobId, status, recordingId: recording?.id, recording: recording?.status });
  });

/** RecordingGapDetected → the stretch the engine measured as missing listed on the session's recording. */
export const recordingGapDetectedHandler = (recordings: Recordings, idempotency: IdempotencySettings) =>
  eventHandler(RecordingGapDetectedEvent, oncePerEvent(idempotency, "recordingGapDetected"), async (event) => {
    const recording = await recordings.onGapDetected(event);
    const { reason, from, to, lostMs } = event.detail;
    logger.info("recording gap listed", { recordingId: recording?.id, reason, from, to, lostMs });
  });
