import { randomUUID } from "node:crypto";
import { visionStreamEntry } from "@visionstream/events";
import type { AccountRepository } from "../accounts/account.ts";
import { AccountNeeds } from "../accounts/account-needs.ts";
import type { PlaybackSigner } from "../channels/playback.ts";
import { Conflict, InvalidInput, NotFound } from "../errors.ts";
import type { EventPublisher, StepResult } from "../ports.ts";
import type { ObjectStore } from "../recordings/recording.ts";
import { newId } from "../ids.ts";
import { type Architecture, parseArchitecture } from "./architecture.ts";
import { busesFor, specOf } from "./switcher-spec.ts";
import { switcherViews, type SwitcherView } from "./switcher-view.ts";
import { busThumbnails } from "./switcher-thumbnails.ts";
import { sourceHealthReaction } from "./source-health.ts";
import {
  architectureKey,
  type Bus,
  type ScheduledSwitch,
  type ScheduledSwitchInput,
  type ScheduleEntry,
  type Switcher,
  type SwitcherEngine,
  type SwitcherRepository,
  type SwitchMode,
  type SwitchReason,
  type SwitchRecord,
  type SwitchScheduler,
  SwitcherNotDeployed,
} from "./switcher.ts";

export type { SwitcherView };

/** An invalid architecture file: every fault with its path. */
export class InvalidArchitecture extends Error {
  override name = "InvalidArchitecture";
  constructor(readonly faults: { path: string; message: string }[]) {
    super(`the architecture file has ${faults.length} fault${faults.length === 1 ? "" : "s"}`);
  }
}

export interface SwitchersDeps {
  switchers: SwitcherRepository;
  accounts: Pick<AccountRepository, "get" | "list">;
  engine: SwitcherEngine;
  scheduler: SwitchScheduler;
  publisher: EventPublisher;
  signer: PlaybackSigner;
  store: Pick<ObjectStore, "put">;
  monitorTtlMs?: number;
  now?: () => Date;
}


/** The generated picture a switcher can fall back to, when its architecture file says so. */
export const SLATE = "slate";
const RECENT_SWITCHES = 100;
const MAX_SCHEDULE = 200;
const WRITE_ATTEMPTS = 8;
/** Rounds of one apply step: an apply overtaken by a change applies the newer file once more itself (applyRound). */
const APPLY_ROUNDS = 2;


export function Switchers(deps: SwitchersDeps) {
  const now = deps.now ?? (() => new Date());
  const monitorTtlMs = deps.monitorTtlMs ?? 3600_000;

  const parsed = (input: unknown): Architecture => {
    const result = parseArchitecture(input);
    if (!result.ok) throw new InvalidArchitecture(result.faults);
    return result.architecture;
  };

  const provisionedAccount = AccountNeeds(deps.accounts).provisioned;

  async function load(accountId: string, switcherId: string): Promise<Switcher> {
    const switcher = await deps.switchers.get(accountId, switcherId);
    if (!switcher) throw new NotFound("switcher", switcherId);
    return switcher;
  }

  /** Read, change, write with the version check; retried when another writer got there first. */
  async function change(accountId: string, switcherId: string, apply: (switcher: Switcher) => Switcher | Promise<Switcher>): Promise<Switcher> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await load(accountId, switcherId);
      const next = { ...(await apply(current)), version: current.version + 1, updatedAt: now().toISOString() };
      if (await deps.switchers.put(next)) return next;
    }
    throw new Conflict(`switcher ${switcherId} is changing too fast; try again`);
  }

  /**
   * One round of an apply step (applyStored). An apply whose file changed while the engine ran it may have ended last in
   * the engine (and written its file last), after an apply of the newer file that ended first and marked the switcher
   * APPLIED: it applies the newer file itself, in a round of its own, whatever the switcher's state says. A file that
   * changes again meanwhile is left to another step, asked for with the switcher APPLYING (a step skips one APPLIED).
   */
  async function applyRound(accountId: string, switcherId: string, round: number): Promise<Switcher | undefined> {
    const switcher = await deps.switchers.get(accountId, switcherId);
    if (!switcher) {
      // Deleted since the round before built it: what was built goes too.
      if (round > 0) await deps.engine.remove(switcherId);
      return undefined;
    }
    if (round === 0 && switcher.applyState === "APPLIED") return switcher;
    const account = await provisionedAccount(accountId);
    await deps.store.put(account.bucketName, architectureKey(switcherId), JSON.stringify(switcher.architecture, null, 2), "application/json");
    let failure: string | undefined;
    let state: Switcher["applyState"] = "APPLIED";
    try {
      await deps.engine.apply(specOf(switcher, account.bucketName));
    } catch (error) {
      if (!(error instanceof InvalidInput || error instanceof Conflict || error instanceof NotFound)) throw error;
      failure = error.message;
      state = error instanceof SwitcherNotDeployed ? "AWAITING_FLOWS" : "APPLY_FAILED";
    }
    const applied = JSON.stringify(switcher.architecture);
    const latest = await deps.switchers.get(accountId, switcherId);
    // Deleted while the engine built it: what was built goes too.
    if (!latest) {
      await deps.engine.remove(switcherId);
      return undefined;
    }
    if (JSON.stringify(latest.architecture) !== applied) {
      if (round + 1 < APPLY_ROUNDS) return applyRound(accountId, switcherId, round + 1);
      const again = latest.applyState === "APPLIED" ? await changeUnlessDeleted(accountId, switcherId, (current) => ({ ...current, applyState: "APPLYING", applyFailure: undefined })) : latest;
      if (again) await requestApply(again);
      return again;
    }
    return changeUnlessDeleted(accountId, switcherId, (current) =>
      // An apply of the same file that finished meanwhile (a duplicate event) and ran it wins over this one's failure.
      JSON.stringify(current.architecture) !== applied || (failure && current.applyState === "APPLIED") ? current : { ...current, applyState: state, applyFailure: failure },
    );
  }

  /** change(), for a switcher whose engine this step built: deleted meanwhile, what was built goes too. */
  async function changeUnlessDeleted(accountId: string, switcherId: string, apply: (switcher: Switcher) => Switcher): Promise<Switcher | undefined> {
    try {
      return await change(accountId, switcherId, apply);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      await deps.engine.remove(switcherId);
      return undefined;
    }
  }

  const ingestOf = (switcher: Switcher, ingestId: string, field = "ingestId") => {
    if (ingestId === SLATE && switcher.architecture.fallback?.to === SLATE) return;
    const ingest = switcher.architecture.ingests.find((candidate) => candidate.id === ingestId);
    if (!ingest) throw new InvalidInput(field, `no ingest "${ingestId}" in switcher ${switcher.id}; it has ${switcher.architecture.ingests.map((i) => i.id).join(", ")}`);
    return ingest;
  };

  async function record(switcher: Switcher, entry: SwitchRecord) {
    await deps.publisher.publish(
      visionStreamEntry("StreamSwitched", {
        accountId: switcher.accountId,
        switcherId: switcher.id,
        bus: entry.bus,
        ingestId: entry.ingestId,
        requestedMode: entry.requestedMode,
        mode: entry.mode,
        reason: entry.reason,
        at: entry.at,
        ...(entry.previousIngestId ? { previousIngestId: entry.previousIngestId } : {}),
        ...(entry.landedAfterMs !== undefined ? { landedAfterMs: entry.landedAfterMs } : {}),
        ...(entry.note ? { note: entry.note } : {}),
      }),
    );
  }

  /** Makes the switch in the engine, then stores and announces it. */
  async function switchBus(switcher: Switcher, bus: Bus, ingestId: string, mode: SwitchMode, reason: SwitchReason, note?: string) {
    ingestOf(switcher, ingestId);
    const at = now().toISOString();
    const outcome = await deps.engine.switch(switcher.id, bus, ingestId, mode);
    const notes = [note, outcome.note].filter(Boolean).join("; ");
    const entry: SwitchRecord = {
      at,
      bus,
      ingestId,
      requestedMode: mode,
      mode: outcome.mode,
      reason,
      ...(switcher[bus] ? { previousIngestId: switcher[bus] } : {}),
      ...(outcome.landedAfterMs !== undefined ? { landedAfterMs: Math.round(outcome.landedAfterMs) } : {}),
      ...(notes ? { note: notes } : {}),
    };
    if (outcome.superseded) return { switcher: await load(switcher.accountId, switcher.id), switch: entry };
    const stored = await change(switcher.accountId, switcher.id, (current) => ({
      ...current,
      [bus]: ingestId,
      ...(bus === "live" && reason !== "fallback" ? { liveIngestLost: undefined } : {}),
      switches: [entry, ...current.switches].slice(0, RECENT_SWITCHES),
    }));
    await record(stored, entry);
    return { switcher: stored, switch: entry };
  }

  const view = switcherViews({ ...deps, monitorTtlMs, now });

  async function requestApply(switcher: Switcher) {
    await deps.publisher.publish(visionStreamEntry("SwitcherApplyRequested", { accountId: switcher.accountId, switcherId: switcher.id, version: switcher.version }));
  }

  return {
    /** A bus's latest still, where the engine shows buses as stills (AWS). */
    thumbnail: busThumbnails(deps),
    async create(accountId: string, input: unknown): Promise<SwitcherView> {
      const architecture = parsed(input);
      const account = await provisionedAccount(accountId);
      if (architecture.id && (await deps.switchers.findById(architecture.id))) {
        throw new Conflict(`id: switcher ${architecture.id} exists already; give another id or none`, { field: "id" });
      }
      const time = now().toISOString();
      const switcher: Switcher = {
        id: architecture.id ?? newId("switcher"),
        accountId,
        architecture,
        ...busesFor(architecture),
        schedule: [],
        switches: [],
        applyState: "APPLYING",
        createdAt: time,
        updatedAt: time,
        version: 1,
      };
      await deps.engine.check(specOf(switcher, account.bucketName));
      await deps.switchers.create(switcher);
      await requestApply(switcher);
      return view(switcher);
    },

    async get(accountId: string, switcherId: string): Promise<SwitcherView> {
      return view(await load(accountId, switcherId));
    },

    async list(accountId: string): Promise<Switcher[]> {
      return deps.switchers.list(accountId);
    },

    async updateConfig(accountId: string, switcherId: string, input: unknown): Promise<SwitcherView> {
      const architecture = parsed(input);
      if (architecture.id && architecture.id !== switcherId) throw new InvalidInput("id", `the file is switcher ${architecture.id}'s, not ${switcherId}'s`);
      const account = await provisionedAccount(accountId);
      const current = await load(accountId, switcherId);
      await deps.engine.check(specOf({ ...current, architecture, ...busesFor(architecture, current) }, account.bucketName));
      const stored = await change(accountId, switcherId, (latest) => {
        const ids = new Set(architecture.ingests.map((ingest) => ingest.id));
        return {
          ...latest,
          architecture,
          applyState: "APPLYING",
          applyFailure: undefined,
          ...busesFor(architecture, latest),
          schedule: latest.schedule.map((entry) => (entry.ranAt || ids.has(entry.ingestId) ? entry : { ...entry, ranAt: now().toISOString(), failure: `ingest ${entry.ingestId} was removed from the config` })),
        };
      });
      await deps.scheduler.replace(accountId, switcherId, stored.schedule.filter((entry) => !entry.ranAt));
      await requestApply(stored);
      return view(stored);
    },

    /**
     * Reaction to SwitcherApplyRequested: the stored architecture (the latest, whichever request asked) goes to the
     * account's bucket as its file, and the engine is made to run it. Refusals mark the switcher APPLY_FAILED with the
     * reason; other errors are retried by the bus.
     */
    applyStored: (accountId: string, switcherId: string) => applyRound(accountId, switcherId, 0),
    /**
     * Scheduled: switchers still APPLYING after `graceMs` (their apply's deliveries all failed, or its function was
     * stopped at its timeout) get their apply asked for again.
     */
    async resumeApplying({ graceMs = 60_000, awaitingMs = 10 * 60_000 }: { graceMs?: number; awaitingMs?: number } = {}): Promise<string[]> {
      const resumed: string[] = [];
      const limit = now().getTime() - graceMs;
      const awaitingLimit = now().getTime() - awaitingMs;
      let cursor: string | undefined;
      do {
        const page = await deps.accounts.list({ limit: 100, ...(cursor ? { cursor } : {}) });
        for (const account of page.accounts) {
          if (account.status !== "ACTIVE") continue;
          for (const switcher of await deps.switchers.list(account.id)) {
            const since = Date.parse(switcher.updatedAt);
            const stalled = switcher.applyState === "APPLYING" && since <= limit;
            // Normally the stack's deployment event asks; this catches a deployment whose event was missed.
            const awaiting = switcher.applyState === "AWAITING_FLOWS" && since <= awaitingLimit;
            if (!stalled && !awaiting) continue;
            if (awaiting) await change(account.id, switcher.id, (current) => ({ ...current, applyState: "APPLYING" }));
            await requestApply(switcher);
            resumed.push(switcher.id);
          }
        }
        cursor = page.cursor;
      } while (cursor);
      return resumed;
    },

    /**
     * The switcher's flows came into being or changed (its stack was deployed, a flow went back to STANDBY): the
     * engine applies the stored state again, starting what is not running and pointing the buses. Idempotent.
     */
    async onFlowsChanged(switcherId: string): Promise<Switcher | undefined> {
      const found = await deps.switchers.findById(switcherId);
      if (!found) return undefined;
      const asked = await change(found.accountId, switcherId, (current) => ({ ...current, applyState: "APPLYING", applyFailure: undefined }));
      await requestApply(asked);
      return asked;
    },

    /** After a restart: every switcher of the accounts runs again, with its buses and its pending lineup. */
    async resume(accountIds: readonly string[]): Promise<{ switcherId: string; reason: string }[]> {
      const failures: { switcherId: string; reason: string }[] = [];
      for (const accountId of accountIds) {
        const account = await deps.accounts.get(accountId);
        if (!account?.bucketName) continue;
        for (const switcher of await deps.switchers.list(accountId)) {
          try {
            await deps.engine.apply(specOf(switcher, account.bucketName));
            await deps.scheduler.replace(accountId, switcher.id, switcher.schedule.filter((entry) => !entry.ranAt));
          } catch (error) {
            failures.push({ switcherId: switcher.id, reason: (error as Error).message });
          }
        }
      }
      return failures;
    },

    async remove(accountId: string, switcherId: string): Promise<void> {
      await load(accountId, switcherId);
      await deps.scheduler.replace(accountId, switcherId, []);
      await deps.engine.remove(switcherId);
      await deps.switchers.remove(accountId, switcherId);
    },

    /** The account is being deleted: every switcher goes, its lineup and its flows with it. Safe to run again. */
    async releaseAll(accountId: string): Promise<StepResult> {
      for (const switcher of await deps.switchers.list(accountId)) {
        await deps.scheduler.replace(accountId, switcher.id, []);
        await deps.engine.remove(switcher.id);
        await deps.switchers.remove(accountId, switcher.id);
      }
      return "done";
    },

    async setPreview(accountId: string, switcherId: string, ingestId: string) {
      const result = await switchBus(await load(accountId, switcherId), "preview", ingestId, "cut", "operator");
      return { switcher: await view(result.switcher), switch: result.switch };
    },

    async setLive(accountId: string, switcherId: string, ingestId: string, mode: SwitchMode) {
      const result = await switchBus(await load(accountId, switcherId), "live", ingestId, mode, "operator");
      return { switcher: await view(result.switcher), switch: result.switch };
    },

    /** Preview goes on air; what was on air goes to preview. */
    async take(accountId: string, switcherId: string, mode: SwitchMode) {
      const switcher = await load(accountId, switcherId);
      if (!switcher.preview) throw new Conflict("nothing is on preview to take");
      const wasLive = switcher.live;
      const onAir = await switchBus(switcher, "live", switcher.preview, mode, "take");
      if (!wasLive || wasLive === switcher.preview) return { switcher: await view(onAir.switcher), switches: [onAir.switch] };
      const toPreview = await switchBus(onAir.switcher, "preview", wasLive, "cut", "take");
      return { switcher: await view(toPreview.switcher), switches: [onAir.switch, toPreview.switch] };
    },

    async setSchedule(accountId: string, switcherId: string, entries: ScheduleEntry[]): Promise<ScheduledSwitch[]> {
      if (entries.length > MAX_SCHEDULE) throw new InvalidInput("(body)", `a lineup holds at most ${MAX_SCHEDULE} entries`);
      const switcher = await load(accountId, switcherId);
      const earliest = now().getTime() - 5_000;
      entries.forEach((entry, index) => {
        ingestOf(switcher, entry.ingestId, `[${index}].ingestId`);
        if (new Date(entry.at).getTime() < earliest) throw new InvalidInput(`[${index}].at`, `${entry.at} is in the past`);
      });
      const schedule = entries
        .map((entry) => ({ ...entry, at: new Date(entry.at).toISOString(), id: randomUUID() }))
        .sort((a, b) => a.at.localeCompare(b.at));
      const stored = await change(accountId, switcherId, (current) => ({ ...current, schedule }));
      await deps.scheduler.replace(accountId, switcherId, stored.schedule);
      return stored.schedule;
    },

    async events(accountId: string, switcherId: string): Promise<SwitchRecord[]> {
      return (await load(accountId, switcherId)).switches;
    },

    /** A lineup entry is due: switch, once (a second delivery finds it ran). */
    async runScheduled(input: ScheduledSwitchInput): Promise<void> {
      const switcher = await deps.switchers.get(input.accountId, input.switcherId);
      const entry = switcher?.schedule.find((candidate) => candidate.id === input.entryId);
      if (!switcher || !entry || entry.ranAt) return;
      let claimedHere = false;
      const claimed = await change(switcher.accountId, switcher.id, (current) => {
        claimedHere = false;
        const due = current.schedule.find((candidate) => candidate.id === entry.id);
        if (!due || due.ranAt) return current;
        claimedHere = true;
        return { ...current, schedule: current.schedule.map((candidate) => (candidate === due ? { ...candidate, ranAt: now().toISOString() } : candidate)) };
      });
      if (!claimedHere) return;
      try {
        await switchBus(claimed, entry.bus, entry.ingestId, entry.mode, "schedule");
      } catch (error) {
        await change(switcher.accountId, switcher.id, (current) => ({
          ...current,
          schedule: current.schedule.map((candidate) => (candidate.id === entry.id ? { ...candidate, failure: (error as Error).message } : candidate)),
        }));
        throw error;
      }
    },

    /** An ingest's source health, from any region: a disconnected live ingest puts the fallback on air (source-health.ts). */
    onSourceHealth: sourceHealthReaction({
      switchers: deps.switchers,
      change,
      fallBack: (switcher, ingestId, note) => switchBus(switcher, "live", ingestId, "clean", "fallback", note),
    }),
  };
}

export type Switchers = ReturnType<typeof Switchers>;
