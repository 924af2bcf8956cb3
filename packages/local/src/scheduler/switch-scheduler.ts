import type { ScheduledSwitch, ScheduledSwitchInput, SwitchScheduler } from "@visionstream/core";
import { logger } from "../logger.ts";

/** setTimeout holds at most about 24.8 days; later entries are re-armed until they are due. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** EventBridge Scheduler on one machine: a timer per lineup entry, delivering the same input to the same handler. */
export class LocalSwitchScheduler implements SwitchScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly deliver: (input: ScheduledSwitchInput) => Promise<unknown>,
    private readonly now: () => number = Date.now,
  ) {}

  async replace(accountId: string, switcherId: string, entries: readonly ScheduledSwitch[]): Promise<void> {
    for (const timer of this.timers.get(switcherId) ?? []) clearTimeout(timer);
    const timers: NodeJS.Timeout[] = [];
    this.timers.set(switcherId, timers);
    const arm = (entry: ScheduledSwitch) => {
      const wait = Math.max(0, new Date(entry.at).getTime() - this.now());
      const timer = setTimeout(() => {
        timers.splice(timers.indexOf(timer), 1);
        if (wait > LONGEST_TIMER_MS) return arm(entry);
        this.deliver({ accountId, switcherId, entryId: entry.id }).catch((error) =>
          logger.error("scheduled switch failed", { switcherId, entryId: entry.id, error: (error as Error).message }),
        );
      }, Math.min(wait, LONGEST_TIMER_MS));
      timers.push(timer);
    };
    for (const entry of entries) if (!entry.ranAt) arm(entry);
  }

  close() {
    for (const timers of this.timers.values()) for (const timer of timers) clearTimeout(timer);
    this.timers.clear();
  }
}
