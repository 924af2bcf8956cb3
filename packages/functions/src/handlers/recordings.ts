import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import middy from "@middy/core";
import type { Recordings } from "@visionstream/core";
import { MediaConvertJobStateChange, MediaLiveChannelStateChange, RecordingGapDetectedEvent, S3ObjectCreated } from "@visionstream/events";
import { logger } from "../logger.ts";
import { type IdempotencySettings, oncePerEvent } from "./idempotency.ts";

/** S3 "Object Created" under recordings/ → the segment indexed against its recording. */
export function recordingSegmentCreatedHandler(recordings: Recordings, idempotency: IdempotencySettings) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(oncePerEvent(idempotency, "recordingSegmentCreated"))
    .use(parser({ schema: S3ObjectCreated }))
    .handler(async (event) => {
      const recording = await recordings.onSegmentCreated(event);
      logger.debug("segment indexed", { key: event.detail.object.key, recordingId: recording?.id });
    });
}

/** "MediaLive Channel State Change" STOPPED → the session's recording assembled into one MP4. */
export function recordingSessionEndedHandler(recordings: Recordings, idempotency: IdempotencySettings) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(oncePerEvent(idempotency, "recordingSessionEnded"))
    .use(parser({ schema: MediaLiveChannelStateChange }))
    .handler(async (event) => {
      const recording = await recordings.onChannelStopped(event);
      logger.info("session ended", { channelArn: event.detail.channel_arn, recordingId: recording?.id, status: recording?.status });
    });
}

/** "MediaConvert Job State Change" COMPLETE / ERROR / CANCELED → the recording READY or FAILED. */
export function recordingJobChangedHandler(recordings: Recordings, idempotency: IdempotencySettings) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(oncePerEvent(idempotency, "recordingJobChanged"))
    .use(parser({ schema: MediaConvertJobStateChange }))
    .handler(async (event) => {
      const recording = await recordings.onJobStateChange(event);
      logger.info("assembly job changed", { jobId: event.detail.jobId, status: event.detail.status, recordingId: recording?.id, recording: recording?.status });
    });
}

/** RecordingGapDetected → the stretch the engine measured as missing listed on the session's recording. */
export function recordingGapDetectedHandler(recordings: Recordings, idempotency: IdempotencySettings) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(oncePerEvent(idempotency, "recordingGapDetected"))
    .use(parser({ schema: RecordingGapDetectedEvent }))
    .handler(async (event) => {
      const recording = await recordings.onGapDetected(event);
      logger.info("recording gap listed", { recordingId: recording?.id, reason: event.detail.reason, from: event.detail.from, to: event.detail.to, lostMs: event.detail.lostMs });
    });
}
