import type { ChannelState } from "@visionstream/core";
import { type VisionStreamDetail, visionStreamEntry } from "@visionstream/events";
import { LOCAL_AWS_ACCOUNT, LOCAL_REGION, type LocalBus } from "../eventbridge/bus.ts";

export const channelArn = (engineChannelId: string) => `arn:aws:medialive:${LOCAL_REGION}:${LOCAL_AWS_ACCOUNT}:channel:${engineChannelId}`;

/** The events MediaLive and S3 send, in their exact shape, sent by the local engine. */
export function engineEvents(bus: LocalBus) {
  return {
    stateChange(engineChannelId: string, state: ChannelState, pipelinesRunning: number, message: string) {
      const arn = channelArn(engineChannelId);
      bus.put({
        source: "aws.medialive",
        "detail-type": "MediaLive Channel State Change",
        resources: [arn],
        detail: { channel_arn: arn, state, message, pipelines_running_count: pipelinesRunning },
      });
    },

    alert(engineChannelId: string, alarm: { set: boolean; type: string; message: string; pipeline: number }) {
      const arn = channelArn(engineChannelId);
      bus.put({
        source: "aws.medialive",
        "detail-type": "MediaLive Channel Alert",
        resources: [arn],
        detail: {
          alarm_state: alarm.set ? "SET" : "CLEARED",
          alarm_id: `${engineChannelId}-${alarm.type.replace(/\W+/g, "-").toLowerCase()}-${alarm.pipeline}`,
          alert_type: alarm.type,
          channel_arn: arn,
          message: alarm.message,
          pipeline: String(alarm.pipeline),
        },
      });
    },

    /** A stretch of the session the engine measured as missing from its recording (no AWS service sends this one). */
    recordingGap(detail: VisionStreamDetail<"RecordingGapDetected">) {
      bus.put({ ...visionStreamEntry("RecordingGapDetected", detail), resources: [] });
    },

    /** at: when the object was written, for an announcement made later than that. */
    objectCreated(bucketName: string, object: { key: string; size: number; etag: string; sequencer: string }, at?: Date) {
      bus.put({
        ...(at ? { time: at.toISOString().replace(/\.\d{3}Z$/, "Z") } : {}),
        source: "aws.s3",
        "detail-type": "Object Created",
        resources: [`arn:aws:s3:::${bucketName}`],
        detail: {
          version: "0",
          bucket: { name: bucketName },
          object,
          "request-id": object.sequencer,
          requester: LOCAL_AWS_ACCOUNT,
          "source-ip-address": "127.0.0.1",
          reason: "PutObject",
        },
      });
    },
  };
}
