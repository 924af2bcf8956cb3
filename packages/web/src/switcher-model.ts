import type { Answer, RequestBody } from "./api.ts";
import type { components } from "./api-types.ts";

/** What the API answers about a switcher (GET /switchers/{id}), and the pure rules the panel shows it by. */
export type SwitcherView = components["schemas"]["Switcher"];
export type ScheduledSwitchView = SwitcherView["schedule"][number];
export type IngestView = SwitcherView["ingests"][number];
export type IngestHealth = IngestView["health"];
export type MonitorView = NonNullable<SwitcherView["monitors"]["live"]>;
export type HlsMonitorView = components["schemas"]["HlsMonitor"];
export type ThumbnailMonitorView = components["schemas"]["ThumbnailMonitor"];
export type SwitchEvent = Answer<"/switchers/{switcherId}/events", "get">["events"][number];
export type ScheduleEntryInput = RequestBody<"/switchers/{switcherId}/schedule", "put">[number];
export type Bus = ScheduledSwitchView["bus"];
export type SwitchMode = ScheduledSwitchView["mode"];

export interface FieldIssue {
  field: string;
  message: string;
}

/** What the operator is told when a call fails: the API's message, and the fields at fault on a 400. */
export interface Failure {
  message: string;
  issues: FieldIssue[];
}

export const BUSES: readonly Bus[] = ["live", "preview"];
export const MODES: readonly SwitchMode[] = ["clean", "cut"];

/** A keyframe older than this on a connected ingest means the picture is frozen or the encoder's GOP is too long. */
export const STALE_KEYFRAME_MS = 5_000;

export type HealthLevel = "ok" | "stale" | "down";

export function healthLevel(health: IngestHealth): HealthLevel {
  if (!health.connected) return "down";
  // MediaConnect times no keyframes: a connected source there is as healthy as the engine can tell.
  if (health.keyframesTimed === false) return "ok";
  if (health.lastKeyframeAgeMs === null || health.lastKeyframeAgeMs > STALE_KEYFRAME_MS) return "stale";
  return "ok";
}

/** MediaConnect's TR 101 290 indicators as the operator reads them. */
const WARNING_NAMES: Record<string, string> = {
  ts_sync_loss: "TS sync loss",
  continuity_count_error: "continuity count errors",
  transport_error: "transport errors",
  pcr_error: "PCR errors",
};

/** A connected source's TR 101 290 warnings in words, with since when; "" when it has none. They never cause a switch. */
export function describeWarnings(health: Pick<IngestHealth, "warnings" | "warningsSince">): string {
  if (health.warnings.length === 0) return "";
  const names = health.warnings.map((flag) => WARNING_NAMES[flag] ?? flag).join(", ");
  return health.warningsSince ? `${names} since ${formatClock(health.warningsSince)}` : names;
}

/** Why the switcher does not run its stored file yet, in words; "" once it does (APPLIED). */
export function describeApplyState(switcher: { applyState?: string | undefined; applyFailure?: string | undefined }): string {
  switch (switcher.applyState) {
    case "APPLYING":
      return "Applying the architecture file…";
    case "AWAITING_FLOWS":
      return `Waiting for the switcher's flows: ${switcher.applyFailure ?? "deploy its stack"}`;
    case "APPLY_FAILED":
      return `The architecture file could not be applied: ${switcher.applyFailure ?? "no reason given"}`;
    default:
      return "";
  }
}

export function formatBitrate(kbps: number): string {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${Math.round(kbps)} kb/s`;
}

export function formatKeyframeAge(ms: number | null): string {
  if (ms === null) return "no keyframe yet";
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s ago` : `${Math.round(ms / 1000)} s ago`;
}

/** The error body of the API (`{ error: { code, message, details: { issues? } } }`), or the HTTP status when there is none. */
export function failureOf(status: number, body: unknown): Failure {
  const error = (body as { error?: { message?: unknown; details?: { issues?: unknown } } } | null)?.error;
  const message = typeof error?.message === "string" ? error.message : `the API answered HTTP ${status}`;
  const issues = Array.isArray(error?.details?.issues)
    ? error.details.issues
        .filter((issue): issue is FieldIssue => typeof issue?.field === "string" && typeof issue?.message === "string")
        .map(({ field, message }) => ({ field, message }))
    : [];
  return { message, issues };
}

const pad = (value: number, length = 2) => String(value).padStart(length, "0");

/** An ISO instant as the value of a `datetime-local` input, in the browser's time zone, to the second. */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The value of a `datetime-local` input (the browser's time zone) as an ISO instant in UTC; undefined when it is not one. */
export function localInputToIso(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value.trim());
  if (!match) return undefined;
  const [year, month, day, hours, minutes, seconds = "0", millis = "0"] = match.slice(1);
  const date = new Date(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds), Number(millis.padEnd(3, "0")));
  // new Date rolls 2024-02-31 over to March: not a time the operator meant.
  if (date.getDate() !== Number(day) || date.getMonth() !== Number(month) - 1) return undefined;
  return date.toISOString();
}

/** One line of the schedule editor: `at` is the datetime-local value; `saved` is the entry as the API last answered it. */
export interface ScheduleRow {
  at: string;
  bus: Bus;
  ingestId: string;
  mode: SwitchMode;
  saved?: ScheduledSwitchView;
}

export function rowsOf(schedule: readonly ScheduledSwitchView[]): ScheduleRow[] {
  return [...schedule]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((entry) => ({ at: isoToLocalInput(entry.at), bus: entry.bus, ingestId: entry.ingestId, mode: entry.mode, saved: entry }));
}

export type EntryState = "unsaved" | "pending" | "ran" | "failed";

export function entryState(row: ScheduleRow): EntryState {
  if (!row.saved) return "unsaved";
  if (row.saved.failure !== undefined) return "failed";
  return row.saved.ranAt !== undefined ? "ran" : "pending";
}

/** A row that ran or failed is history: it is shown, never sent again. */
export function isDone(row: ScheduleRow): boolean {
  const state = entryState(row);
  return state === "ran" || state === "failed";
}

/** Issues name rows from 1, as the operator sees them. */
export function scheduleEntries(rows: readonly ScheduleRow[], ingestIds: readonly string[]): { entries: ScheduleEntryInput[]; issues: FieldIssue[] } {
  const entries: ScheduleEntryInput[] = [];
  const issues: FieldIssue[] = [];
  rows.forEach((row, index) => {
    if (isDone(row)) return;
    const field = (name: string) => `row ${index + 1} ${name}`;
    const at = localInputToIso(row.at);
    if (at === undefined) issues.push({ field: field("time"), message: row.at ? "is not a date and time" : "is required" });
    if (!ingestIds.includes(row.ingestId)) issues.push({ field: field("ingest"), message: `no ingest "${row.ingestId}" on this switcher` });
    if (!BUSES.includes(row.bus)) issues.push({ field: field("bus"), message: "must be live or preview" });
    if (!MODES.includes(row.mode)) issues.push({ field: field("mode"), message: "must be clean or cut" });
    if (at !== undefined) entries.push({ at, bus: row.bus, ingestId: row.ingestId, mode: row.mode });
  });
  return { entries: issues.length === 0 ? entries : [], issues };
}

/** A field of the PUT body as the API names it ("3.at", "[3].at") → the editor's words, when the index is a row sent. */
export function scheduleIssue(issue: FieldIssue, rows: readonly ScheduleRow[]): FieldIssue {
  const match = /^(?:body\.)?\[?(\d+)\]?(?:\.(\w+))?$/.exec(issue.field);
  if (!match) return issue;
  const sent = rows.map((row, index) => ({ row, index })).filter(({ row }) => !isDone(row));
  const position = sent[Number(match[1])];
  if (!position) return issue;
  const names: Record<string, string> = { at: "time", bus: "bus", ingestId: "ingest", mode: "mode" };
  const name = match[2] === undefined ? "" : ` ${names[match[2]] ?? match[2]}`;
  return { field: `row ${position.index + 1}${name}`, message: issue.message };
}

/** One event log line: "stage-a → stage-b", and what the engine did. */
export function describeEvent(event: SwitchEvent): { route: string; detail: string } {
  const route = event.previousIngestId ? `${event.previousIngestId} → ${event.ingestId}` : `→ ${event.ingestId}`;
  const mode = event.mode === event.requestedMode ? event.mode : `${event.mode} (${event.requestedMode} requested)`;
  const parts: string[] = [event.reason, mode];
  if (event.landedAfterMs !== undefined) parts.push(`landed after ${Math.round(event.landedAfterMs)} ms`);
  if (event.note) parts.push(event.note);
  return { route, detail: parts.join(" · ") };
}

export function formatClock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
