import { describe, expect, it } from "vitest";
import { matchesPattern } from "../match.ts";
import {
  MediaLiveChannelAlert,
  MediaLiveChannelAlertPattern,
  MediaLiveChannelRunningPattern,
  MediaLiveChannelStateChange,
  MediaLiveChannelStateChangePattern,
  MediaLiveChannelStoppedPattern,
} from "./medialive.ts";
import { sampleEvent } from "./samples/documented.ts";
import { mediaLiveChannelAlertSample, mediaLiveChannelStateChangeSample } from "./samples/medialive.ts";

function pipelineStopped() {
  const event = sampleEvent(mediaLiveChannelStateChangeSample);
  Object.assign(event.detail, { state: "STOPPED", pipeline: "0", message: "Stop detected on pipeline" });
  return event;
}

describe("MediaLiveChannelStateChange", () => {
  it("parses the documented sample", () => {
    const event = MediaLiveChannelStateChange.parse(sampleEvent(mediaLiveChannelStateChangeSample));

    expect(event.source).toBe("aws.medialive");
    expect(event["detail-type"]).toBe("MediaLive Channel State Change");
    expect(event.detail).toEqual({
      channel_arn: "arn:aws:medialive:us-west-2:111122223333:channel:123456",
      state: "DELETED",
      message: "Deleted channel",
      pipelines_running_count: 0,
    });
    expect(event.detail.pipeline).toBeUndefined();
  });

  it("parses a pipeline's STOPPED change", () => {
    const event = MediaLiveChannelStateChange.parse(pipelineStopped());

    expect(event.detail.state).toBe("STOPPED");
    expect(event.detail.pipeline).toBe("0");
  });

  it("rejects another detail-type, another source, an unknown state and a missing field", () => {
    const alert = sampleEvent(mediaLiveChannelAlertSample);
    const otherSource = sampleEvent(mediaLiveChannelStateChangeSample);
    otherSource.source = "aws.mediapackage";
    const unknownState = sampleEvent(mediaLiveChannelStateChangeSample);
    unknownState.detail.state = "PAUSED";
    const noArn = sampleEvent(mediaLiveChannelStateChangeSample);
    delete noArn.detail.channel_arn;
    const noCount = sampleEvent(mediaLiveChannelStateChangeSample);
    delete noCount.detail.pipelines_running_count;

    for (const event of [alert, otherSource, unknownState, noArn, noCount])
      expect(MediaLiveChannelStateChange.safeParse(event).success).toBe(false);
  });

  it("is routed by its patterns", () => {
    const deleted = sampleEvent(mediaLiveChannelStateChangeSample);
    const stopped = pipelineStopped();

    expect(matchesPattern(MediaLiveChannelStateChangePattern, deleted)).toBe(true);
    expect(matchesPattern(MediaLiveChannelStoppedPattern, stopped)).toBe(true);
    expect(matchesPattern(MediaLiveChannelStoppedPattern, deleted)).toBe(false);
    expect(matchesPattern(MediaLiveChannelRunningPattern, stopped)).toBe(false);
    expect(matchesPattern(MediaLiveChannelAlertPattern, deleted)).toBe(false);
  });
});

describe("MediaLiveChannelAlert", () => {
  it("parses the documented sample", () => {
    const event = MediaLiveChannelAlert.parse(sampleEvent(mediaLiveChannelAlertSample));

    expect(event["detail-type"]).toBe("MediaLive Channel Alert");
    expect(event.detail.alarm_state).toBe("CLEARED");
    expect(event.detail.alarm_id).toBe("7ad616bd389832yue90aab1324bffab5b834a");
    expect(event.detail.alert_type).toBe("Failed to Create Output File or Socket");
    expect(event.detail.pipeline).toBe("0");
    expect(event.detail.channel_arn).toBe("arn:aws:medialive:us-west-2:111122223333:channel:123456");
  });

  it("rejects another detail-type, an unknown alarm state and a missing field", () => {
    const stateChange = sampleEvent(mediaLiveChannelStateChangeSample);
    const unknownAlarmState = sampleEvent(mediaLiveChannelAlertSample);
    unknownAlarmState.detail.alarm_state = "ALARM";
    const noAlertType = sampleEvent(mediaLiveChannelAlertSample);
    delete noAlertType.detail.alert_type;

    for (const event of [stateChange, unknownAlarmState, noAlertType])
      expect(MediaLiveChannelAlert.safeParse(event).success).toBe(false);
  });

  it("is routed by its pattern", () => {
    expect(matchesPattern(MediaLiveChannelAlertPattern, sampleEvent(mediaLiveChannelAlertSample))).toBe(true);
    expect(matchesPattern(MediaLiveChannelStateChangePattern, sampleEvent(mediaLiveChannelAlertSample))).toBe(false);
  });
});
