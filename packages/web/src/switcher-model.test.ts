import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeEvent,
  describeApplyState,
  describeWarnings,
  entryState,
  failureOf,
  formatBitrate,
  formatKeyframeAge,
  healthLevel,
  isoToLocalInput,
  localInputToIso,
  rowsOf,
  type ScheduleRow,
  scheduleEntries,
  scheduleIssue,
} from "./switcher-model.ts";

const zone = process.env.TZ;
beforeAll(() => {
  // Summer time in Paris is UTC+2: a zone away from UTC shows the conversion happens.
  process.env.TZ = "Europe/Paris";
});
afterAll(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe("datetime-local values", () => {
  it("are read in the browser's time zone and sent as ISO instants in UTC", () => {
    expect(localInputToIso("2025-07-01T20:30")).toBe("2025-07-01T18:30:00.000Z");
    expect(localInputToIso("2025-07-01T20:30:15")).toBe("2025-07-01T18:30:15.000Z");
    expect(localInputToIso("2025-01-10T00:15:00.5")).toBe("2025-01-09T23:15:00.500Z");
  });

  it("round-trip to the second", () => {
    expect(isoToLocalInput("2025-07-01T18:30:15.000Z")).toBe("2025-07-01T20:30:15");
    expect(localInputToIso(isoToLocalInput("2025-12-31T23:59:59Z"))).toBe("2025-12-31T23:59:59.000Z");
  });

  it("refuse what is not a date and time", () => {
    for (const value of ["", "tomorrow", "2025-02-30T10:00", "2025-07-01", "2025-07-01 20:30"]) expect(localInputToIso(value), value).toBeUndefined();
    expect(isoToLocalInput("nonsense")).toBe("");
  });
});

describe("the schedule editor's rows", () => {
  const ingests = ["stage-a", "stage-b"];
  const saved = [
    { id: "e2", at: "2025-07-01T19:00:00Z", bus: "live" as const, ingestId: "stage-b", mode: "cut" as const },
    { id: "e1", at: "2025-07-01T18:00:00Z", bus: "live" as const, ingestId: "stage-a", mode: "clean" as const, ranAt: "2025-07-01T18:00:00.120Z" },
    { id: "e0", at: "2025-07-01T17:00:00Z", bus: "preview" as const, ingestId: "stage-c", mode: "clean" as const, failure: "no ingest stage-c" },
  ];

  it("come from the saved entries in time order, with their ran or failed state", () => {
    const rows = rowsOf(saved);
    expect(rows.map((row) => [row.at, entryState(row)])).toEqual([
      ["2025-07-01T19:00:00", "failed"],
      ["2025-07-01T20:00:00", "ran"],
      ["2025-07-01T21:00:00", "pending"],
    ]);
    expect(entryState({ at: "", bus: "live", ingestId: "stage-a", mode: "clean" })).toBe("unsaved");
  });

  it("send the rows not run yet, in UTC, and never those that ran or failed", () => {
    const rows: ScheduleRow[] = [...rowsOf(saved), { at: "2025-07-01T22:15", bus: "preview", ingestId: "stage-a", mode: "clean" }];
    expect(scheduleEntries(rows, ingests)).toEqual({
      entries: [
        { at: "2025-07-01T19:00:00.000Z", bus: "live", ingestId: "stage-b", mode: "cut" },
        { at: "2025-07-01T20:15:00.000Z", bus: "preview", ingestId: "stage-a", mode: "clean" },
      ],
      issues: [],
    });
  });

  it("name the rows at fault from 1, and send nothing while one is", () => {
    const rows: ScheduleRow[] = [
      { at: "2025-07-01T22:15", bus: "live", ingestId: "stage-a", mode: "clean" },
      { at: "", bus: "live", ingestId: "nowhere", mode: "cut" },
    ];
    expect(scheduleEntries(rows, ingests)).toEqual({
      entries: [],
      issues: [
        { field: "row 2 time", message: "is required" },
        { field: "row 2 ingest", message: 'no ingest "nowhere" on this switcher' },
      ],
    });
  });

  it("translate the API's field names back to the rows sent", () => {
    const rows: ScheduleRow[] = [...rowsOf(saved.slice(1)), { at: "2025-07-01T22:15", bus: "live", ingestId: "stage-a", mode: "clean" }];
    // Rows 1 and 2 are done; the body sent holds row 3 as its entry 0.
    expect(scheduleIssue({ field: "0.at", message: "must be in the future" }, rows)).toEqual({ field: "row 3 time", message: "must be in the future" });
    expect(scheduleIssue({ field: "[0].ingestId", message: "unknown" }, rows)).toEqual({ field: "row 3 ingest", message: "unknown" });
    expect(scheduleIssue({ field: "(body)", message: "too many" }, rows)).toEqual({ field: "(body)", message: "too many" });
  });
});

describe("what the panel shows", () => {
  it("tells a healthy ingest from a frozen or absent one", () => {
    expect(healthLevel({ connected: true, bitrateKbps: 3000, lastKeyframeAgeMs: 800, warnings: [] })).toBe("ok");
    expect(healthLevel({ connected: true, bitrateKbps: 3000, lastKeyframeAgeMs: null, warnings: [] })).toBe("stale");
    expect(healthLevel({ connected: true, bitrateKbps: 3000, lastKeyframeAgeMs: 12_000, warnings: [] })).toBe("stale");
    expect(healthLevel({ connected: false, bitrateKbps: 0, lastKeyframeAgeMs: 800, warnings: [] })).toBe("down");
    // MediaConnect (AWS) times no keyframes: connected is all it can tell.
    expect(healthLevel({ connected: true, bitrateKbps: 3000, lastKeyframeAgeMs: null, keyframesTimed: false, warnings: [] })).toBe("ok");
    expect(healthLevel({ connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null, keyframesTimed: false, warnings: [] })).toBe("down");
  });

  it("names a connected source's TR 101 290 warnings, with since when, and nothing without any", () => {
    expect(describeWarnings({ warnings: ["continuity_count_error", "pcr_error"], warningsSince: "2025-07-01T18:00:03Z" })).toBe("continuity count errors, PCR errors since 20:00:03");
    expect(describeWarnings({ warnings: ["ts_sync_loss", "new_indicator"] })).toBe("TS sync loss, new_indicator");
    expect(describeWarnings({ warnings: [] })).toBe("");
  });

  it("says why the switcher does not run its file yet, and nothing once it does", () => {
    expect(describeApplyState({ applyState: "APPLIED" })).toBe("");
    expect(describeApplyState({})).toBe("");
    expect(describeApplyState({ applyState: "APPLYING" })).toBe("Applying the architecture file…");
    expect(describeApplyState({ applyState: "AWAITING_FLOWS", applyFailure: "flows not found yet: deploy the switcher stack" })).toBe(
      "Waiting for the switcher's flows: flows not found yet: deploy the switcher stack",
    );
    expect(describeApplyState({ applyState: "APPLY_FAILED", applyFailure: "ingests[2].port: in use" })).toBe("The architecture file could not be applied: ingests[2].port: in use");
  });

  it("formats bitrates and keyframe ages", () => {
    expect(formatBitrate(850.4)).toBe("850 kb/s");
    expect(formatBitrate(4250)).toBe("4.3 Mb/s");
    expect(formatKeyframeAge(null)).toBe("no keyframe yet");
    expect(formatKeyframeAge(420)).toBe("0.4 s ago");
    expect(formatKeyframeAge(42_400)).toBe("42 s ago");
  });

  it("describes a switch, and a clean switch that fell back to a cut", () => {
    expect(
      describeEvent({ at: "2025-07-01T18:00:00Z", bus: "live", ingestId: "stage-b", previousIngestId: "stage-a", requestedMode: "clean", mode: "cut", reason: "take", landedAfterMs: 1510.6, note: "no keyframe in 3 s" }),
    ).toEqual({ route: "stage-a → stage-b", detail: "take · cut (clean requested) · landed after 1511 ms · no keyframe in 3 s" });
    expect(describeEvent({ at: "2025-07-01T18:00:00Z", bus: "preview", ingestId: "stage-a", requestedMode: "cut", mode: "cut", reason: "operator" })).toEqual({
      route: "→ stage-a",
      detail: "operator · cut",
    });
  });

  it("reads the API's error body, with the fields at fault", () => {
    const body = { error: { code: "VALIDATION_FAILED", message: "invalid request: ingestId: unknown", details: { issues: [{ field: "ingestId", in: "body", message: "unknown" }] } } };
    expect(failureOf(400, body)).toEqual({ message: "invalid request: ingestId: unknown", issues: [{ field: "ingestId", message: "unknown" }] });
    expect(failureOf(502, undefined)).toEqual({ message: "the API answered HTTP 502", issues: [] });
    expect(failureOf(409, { error: { code: "CONFLICT", message: "a switch is in progress", details: {} } })).toEqual({ message: "a switch is in progress", issues: [] });
  });
});
