import { FakePort } from "../testing.ts";
import type { Bus, IngestHealth, ScheduledSwitch, SwitcherEngine, SwitcherSpec, SwitchMode, SwitchOutcome, SwitchScheduler } from "./switcher.ts";

/** Switches as asked (or as `outcome` says) and reports the health it is given; `during` runs inside an apply, to race it. */
export class FakeSwitcherEngine extends FakePort<"check" | "apply" | "switch" | "health" | "remove"> implements SwitcherEngine {
  outcome?: SwitchOutcome;
  healthy: IngestHealth[] = [];
  during?: () => Promise<void>;

  async check(spec: SwitcherSpec): Promise<void> {
    this.called("check", spec);
  }

  async apply(spec: SwitcherSpec): Promise<void> {
    this.called("apply", spec);
    await this.during?.();
  }

  async switch(switcherId: string, bus: Bus, ingestId: string, mode: SwitchMode): Promise<SwitchOutcome> {
    this.called("switch", switcherId, bus, ingestId, mode);
    return this.outcome ?? { mode };
  }

  async health(switcherId: string): Promise<IngestHealth[]> {
    this.called("health", switcherId);
    return this.healthy;
  }

  async remove(switcherId: string): Promise<void> {
    this.called("remove", switcherId);
  }
}

export class FakeScheduler extends FakePort<"replace"> implements SwitchScheduler {
  async replace(accountId: string, switcherId: string, entries: readonly ScheduledSwitch[]): Promise<void> {
    this.called("replace", accountId, switcherId, entries);
  }
}
