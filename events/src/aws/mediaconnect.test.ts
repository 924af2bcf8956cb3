import { describe, expect, it } from "vitest";
import { matchesPattern } from "../match.ts";
import {
  MediaConnectAlert,
  MediaConnectAlertPattern,
  MediaConnectFlowHealth,
  MediaConnectFlowHealthPattern,
  MediaConnectFlowStatusChange,
  MediaConnectFlowStatusChangePattern,
  MediaConnectSourceHealth,
  MediaConnectSourceHealthPattern,
  sourceStateOf,
} from "./mediaconnect.ts";
import { sampleEvent } from "./samples/documented.ts";
import {
  mediaConnectAlertSample,
  mediaConnectFlowHealthSample,
  mediaConnectFlowStatusChangeSample,
  mediaConnectSourceHealthSample,
} from "./samples/mediaconnect.ts";

const flowArn = "arn:aws:mediaconnect:us-east-1:012345678901:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleFlow";

describe("MediaConnectFlowStatusChange", () => {
  it("parses the documented sample", () => {
    const event = MediaConnectFlowStatusChange.parse(sampleEvent(mediaConnectFlowStatusChangeSample));

    expect(event["detail-type"]).toBe("MediaConnect Flow Status Change");
    expect(event.detail).toEqual({ currentStatus: "STARTING", previousStatus: "STANDBY" });
    expect(event.resources).toEqual([flowArn]);
  });

  it("rejects another detail-type, an unknown status and a missing status", () => {
    const health = sampleEvent(mediaConnectFlowHealthSample);
    const unknownStatus = sampleEvent(mediaConnectFlowStatusChangeSample);
    unknownStatus.detail.currentStatus = "RUNNING";
    const noPrevious = sampleEvent(mediaConnectFlowStatusChangeSample);
    delete noPrevious.detail.previousStatus;

    for (const event of [health, unknownStatus, noPrevious])
      expect(MediaConnectFlowStatusChange.safeParse(event).success).toBe(false);
  });
});

describe("MediaConnectSourceHealth", () => {
  it("parses the documented sample", () => {
    const event = MediaConnectSourceHealth.parse(sampleEvent(mediaConnectSourceHealthSample));

    expect(event.detail.unhealthy).toBe(true);
    expect(event.detail.current.state).toBe("CONNECTED");
    expect(event.detail.current.tr101).toEqual({
      ts_sync_loss: false,
      continuity_count_error: true,
      transport_error: true,
      pcr_error: true,
    });
    expect(event.detail.previous.tr101?.continuity_count_error).toBe(false);
    expect(event.resources).toEqual([
      flowArn,
      "arn:aws:mediaconnect:us-east-1:012345678901:source:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleSource",
    ]);
  });

  it("accepts a source without TR 101 290 indicators", () => {
    const event = sampleEvent(mediaConnectSourceHealthSample);
    event.detail.current = { state: "DISCONNECTED" };

    expect(MediaConnectSourceHealth.parse(event).detail.current.tr101).toBeUndefined();
  });

  it("reads the source's state from state or source_state, in lower case", () => {
    const named = sampleEvent(mediaConnectSourceHealthSample);
    named.detail.current = { source_state: "DISCONNECTED" };

    expect(sourceStateOf(MediaConnectSourceHealth.parse(sampleEvent(mediaConnectSourceHealthSample)).detail.current)).toBe("connected");
    expect(sourceStateOf(MediaConnectSourceHealth.parse(named).detail.current)).toBe("disconnected");
  });

  it("rejects another detail-type and missing indicators", () => {
    const noState = sampleEvent(mediaConnectSourceHealthSample);
    noState.detail.current = { tr101: { ts_sync_loss: false, continuity_count_error: false, transport_error: false, pcr_error: false } };
    expect(MediaConnectSourceHealth.safeParse(noState).success).toBe(false);
    const flowHealth = sampleEvent(mediaConnectFlowHealthSample);
    flowHealth["detail-type"] = "MediaConnect Output Health";
    const noCurrent = sampleEvent(mediaConnectSourceHealthSample);
    delete noCurrent.detail.current;
    const noUnhealthy = sampleEvent(mediaConnectSourceHealthSample);
    delete noUnhealthy.detail.unhealthy;

    for (const event of [sampleEvent(mediaConnectFlowHealthSample), flowHealth, noCurrent, noUnhealthy])
      expect(MediaConnectSourceHealth.safeParse(event).success).toBe(false);
  });
});

describe("MediaConnectFlowHealth", () => {
  it("parses the documented sample", () => {
    const event = MediaConnectFlowHealth.parse(sampleEvent(mediaConnectFlowHealthSample));

    expect(event.detail.unhealthy).toBe(true);
    expect(event.detail.current).toMatchObject({ failover_switch: false, source_state: "CONNECTED" });
    expect(event.detail.current.tr101?.pcr_error).toBe(true);
    expect(event.resources).toEqual([flowArn]);
  });

  it("rejects another source and a missing failover switch", () => {
    const otherSource = sampleEvent(mediaConnectFlowHealthSample);
    otherSource.source = "aws.medialive";
    const noFailover = sampleEvent(mediaConnectFlowHealthSample);
    noFailover.detail.current = { source_state: "CONNECTED" };

    for (const event of [otherSource, noFailover]) expect(MediaConnectFlowHealth.safeParse(event).success).toBe(false);
  });
});

describe("MediaConnectAlert", () => {
  it("parses the documented sample", () => {
    const event = MediaConnectAlert.parse(sampleEvent(mediaConnectAlertSample));

    expect(event.detail.errored).toBe(true);
    expect(event.detail["error-code"]).toBe("AccessDeniedException");
    expect(event.detail["error-message"]).toMatch(/^Permission denied accessing encryption key/);
  });

  it("rejects another detail-type and a missing error code", () => {
    const noCode = sampleEvent(mediaConnectAlertSample);
    delete noCode.detail["error-code"];

    for (const event of [sampleEvent(mediaConnectFlowStatusChangeSample), noCode])
      expect(MediaConnectAlert.safeParse(event).success).toBe(false);
  });
});

describe("MediaConnect patterns", () => {
  it("route each documented sample to its own pattern only", () => {
    const routes = [
      [MediaConnectFlowStatusChangePattern, mediaConnectFlowStatusChangeSample],
      [MediaConnectSourceHealthPattern, mediaConnectSourceHealthSample],
      [MediaConnectFlowHealthPattern, mediaConnectFlowHealthSample],
      [MediaConnectAlertPattern, mediaConnectAlertSample],
    ] as const;

    for (const [pattern, sample] of routes)
      for (const [, other] of routes)
        expect(matchesPattern(pattern, sampleEvent(other))).toBe(other === sample);
  });
});
