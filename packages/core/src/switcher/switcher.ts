import { z } from "zod";
import { Conflict } from "../errors.ts";
import { SwitcherId } from "../ids.ts";
import { Architecture } from "./architecture.ts";

export const Bus = z.enum(["live", "preview"]);
export type Bus = z.infer<typeof Bus>;

/** clean: at the next keyframe of the new ingest, timeline continued; cut: at the next packet, like MediaConnect. */
export const SwitchMode = z.enum(["clean", "cut"]);
export type SwitchMode = z.infer<typeof SwitchMode>;

export const IngestId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "an ingest id of the architecture file");

export const ScheduleEntry = z
  .object({
    at: z.iso.datetime({ offset: true }),
    bus: Bus,
    ingestId: IngestId,
    mode: SwitchMode.default("clean"),
  })
  .strict();
export type ScheduleEntry = z.infer<typeof ScheduleEntry>;

export const ScheduledSwitch = ScheduleEntry.extend({
  id: z.string(),
  /** When it ran, or why it could not. */
  ranAt: z.iso.datetime().optional(),
  failure: z.string().optional(),
});
export type ScheduledSwitch = z.infer<typeof ScheduledSwitch>;

export const SwitchReason = z.enum(["operator", "take", "schedule", "fallback"]);
export type SwitchReason = z.infer<typeof SwitchReason>;

/** One switch as it happened. */
export const SwitchRecord = z.object({
  at: z.iso.datetime(),
  bus: Bus,
  ingestId: z.string(),
  previousIngestId: z.string().optional(),
  requestedMode: SwitchMode,
  /** The mode the engine used: a clean switch with no keyframe in time falls back to cut. */
  mode: SwitchMode,
  reason: SwitchReason,
  /** From the request to the first packet of the new ingest on the output, where the engine can tell. */
  landedAfterMs: z.number().optional(),
  note: z.string().optional(),
});
export type SwitchRecord = z.infer<typeof SwitchRecord>;

/** What MediaConnect last reported of an ingest's source ("MediaConnect Source Health"); see source-health.ts. */
export const IngestSourceHealth = z.object({
  /** The time of the newest event applied: events arrive late and out of order, and an older one changes nothing. */
  at: z.iso.datetime(),
  /** The source's state in lower case: connected, receiving, disconnected or idle. */
  state: z.string(),
  /** TR 101 290 indicators raised while the source stays connected, and since when: shown, never a reason to switch. */
  warnings: z.object({ flags: z.array(z.string()).min(1), since: z.iso.datetime() }).optional(),
});
export type IngestSourceHealth = z.infer<typeof IngestSourceHealth>;

export const Switcher = z.object({
  id: SwitcherId,
  accountId: z.string(),
  architecture: Architecture,
  /** The ingest on air, and the one on preview. */
  live: z.string().optional(),
  preview: z.string().optional(),
  schedule: z.array(ScheduledSwitch),
  /** The most recent switches, newest first (bounded). */
  switches: z.array(SwitchRecord),
  /** The on-air ingest that was lost (the engine reported it unhealthy), until it is back or another goes on air. */
  liveIngestLost: z.object({ ingestId: z.string(), since: z.iso.datetime() }).optional(),
  /** Per ingest, what its source last reported. */
  sourceHealth: z.record(z.string(), IngestSourceHealth).optional(),
  /** Whether the engine runs the stored architecture yet: it is applied by a step after the request, from an event. */
  applyState: z.enum(["APPLYING", "APPLIED", "APPLY_FAILED", "AWAITING_FLOWS"]).optional(),
  /** Why the engine refused the architecture (APPLY_FAILED), or what it waits for (AWAITING_FLOWS). */
  applyFailure: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Optimistic concurrency: every write checks and bumps it. */
  version: z.number().int(),
});
export type Switcher = z.infer<typeof Switcher>;

export interface IngestHealth {
  ingestId: string;
  connected: boolean;
  bitrateKbps: number;
  /** Milliseconds since the last keyframe arrived; null before the first one, or where keyframes are not timed. */
  lastKeyframeAgeMs: number | null;
  /** false where the engine cannot time keyframes (MediaConnect reports none): lastKeyframeAgeMs is then always null. */
  keyframesTimed?: boolean;
}

export interface SwitcherSpec {
  switcherId: string;
  accountId: string;
  bucketName: string;
  architecture: Architecture;
  live?: string | undefined;
  preview?: string | undefined;
}

export interface SwitchOutcome {
  mode: SwitchMode;
  /** A later switch of the same bus was made instead of this one. */
  superseded?: boolean;
  landedAfterMs?: number;
  note?: string;
}

/** Where the panel watches a bus: an HLS playlist in the account's bucket (switchers/<id>/<bus>/index.m3u8). */
export const monitorPlaylistKey = (switcherId: string, bus: Bus) => `switchers/${switcherId}/${bus}/index.m3u8`;
/** Where the architecture file of a switcher is kept in the account's bucket. */
export const architectureKey = (switcherId: string) => `switchers/${switcherId}/architecture.json`;

/**
 * MediaConnect flows in AWS, the TypeScript TS relay locally. Ingest health changes come back as
 * "MediaConnect Source Health" events whose first resource is the ingest's flow (see flowName).
 */
export interface SwitcherEngine {
  /** Refuses at once what the engine could never run (a port another switcher holds); quick, changes nothing. */
  check(spec: SwitcherSpec): Promise<void>;
  /** Builds, or rebuilds after a config change, the switcher's ingests and outputs; idempotent. */
  apply(spec: SwitcherSpec): Promise<void>;
  /** Puts `ingestId` on `bus`; resolves once the switch is made (or requested, where the engine can't tell). */
  switch(switcherId: string, bus: Bus, ingestId: string, mode: SwitchMode): Promise<SwitchOutcome>;
  health(switcherId: string): Promise<IngestHealth[]>;
  remove(switcherId: string): Promise<void>;
  /**
   * A still of what a bus flow receives, where the engine has no HLS monitor (MediaConnect's source thumbnails in
   * AWS); undefined until the engine has one. Engines without it show their buses as HLS monitors.
   */
  thumbnail?(switcherId: string, bus: Bus): Promise<MonitorThumbnail | undefined>;
}

/** A JPEG of a bus as the engine last saw it, and when it was taken (ISO 8601). */
export interface MonitorThumbnail {
  jpeg: Uint8Array<ArrayBuffer>;
  at: string;
}

/** The engine has nothing to run the switcher on yet: its flows are deployed by a stack of their own (AWS). */
export class SwitcherNotDeployed extends Conflict {
  override name = "SwitcherNotDeployed";
}

/** Runs a switcher's lineup on time: EventBridge Scheduler in AWS, timers locally. */
export interface SwitchScheduler {
  /** Replaces every pending entry of the switcher by `entries` (those not run yet). */
  replace(accountId: string, switcherId: string, entries: readonly ScheduledSwitch[]): Promise<void>;
}

/** What the scheduler delivers to the scheduled-switch handler when an entry is due. */
export const ScheduledSwitchInput = z.object({ accountId: z.string().min(1), switcherId: SwitcherId, entryId: z.string().min(1) }).strict();
export type ScheduledSwitchInput = z.infer<typeof ScheduledSwitchInput>;

export interface SwitcherRepository {
  create(switcher: Switcher): Promise<void>;
  get(accountId: string, switcherId: string): Promise<Switcher | undefined>;
  list(accountId: string): Promise<Switcher[]>;
  /** Writes `next` only if the stored version is still `next.version - 1`; false when someone else wrote first. */
  put(next: Switcher): Promise<boolean>;
  remove(accountId: string, switcherId: string): Promise<void>;
  /** The switcher a flow belongs to (flows are named per switcher and ingest). */
  findById(switcherId: string): Promise<Switcher | undefined>;
}

/** A MediaConnect flow name, per switcher and ingest: vs-<switcherId>-<ingestId> (MediaConnect allows letters, digits, - and _). */
export const flowName = (switcherId: string, ingestId: string) => `vs-${switcherId}-${ingestId}`;
/** The live or preview flow of a switcher. */
export const busFlowName = (switcherId: string, bus: Bus) => `vs-${switcherId}-bus-${bus}`;

/** arn:aws:mediaconnect:<region>:<account>:flow:<id>:<name> → the switcher and ingest of an ingest flow. */
export function ingestOfFlowArn(arn: string): { switcherId: string; ingestId: string } | undefined {
  const match = /^arn:aws[a-z-]*:mediaconnect:[^:]*:[^:]*:flow:[^:]+:vs-(sw-[a-z0-9]{16})-([a-z0-9][a-z0-9-]*)$/.exec(arn);
  if (!match || match[2]!.startsWith("bus-")) return undefined;
  return { switcherId: match[1]!, ingestId: match[2]! };
}

/** The switcher of any of its flows (ingest or bus), from the flow's ARN. */
export function switcherOfFlowArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:mediaconnect:[^:]*:[^:]*:flow:[^:]+:vs-(sw-[a-z0-9]{16})-[a-z0-9][a-z0-9-]*$/.exec(arn)?.[1];
}

/** The switcher of one of its per-region stacks (named <prefix>-<switcherId>-<region> by stacks/switcher.ts). */
export function switcherOfStackName(stackName: string): string | undefined {
  return /-(sw-[a-z0-9]{16})-[a-z]{2}(-[a-z]+)+-\d$/.exec(stackName)?.[1];
}
