import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DynamoAccountRepository, DynamoSwitcherRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { afterAll, beforeAll } from "vitest";
import { activeAccount, FakeObjectStore, FakePort, FakeSigner, RecordingPublisher, testClock } from "../testing.ts";
import { Switchers } from "./switchers.ts";
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

/** The switcher use cases on dynalite with fake engines, shared by the switcher test files (one table per file). */
export function switchersOnDynalite(table: string) {
  let tables: TestTables;
  let accountRepository: DynamoAccountRepository;
  let switcherRepository: DynamoSwitcherRepository;
  let festival: Record<string, any>;

  async function switchers() {
    const account = activeAccount();
    await accountRepository.create(account, `hash-${account.id}`);
    const engine = new FakeSwitcherEngine();
    const scheduler = new FakeScheduler();
    const publisher = new RecordingPublisher();
    const signer = new FakeSigner();
    const store = new FakeObjectStore();
    const clock = testClock();
    const use = Switchers({ switchers: switcherRepository, accounts: accountRepository, engine, scheduler, publisher, signer, store, now: clock.now });
    const inMinutes = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000).toISOString();
    return { account, accounts: accountRepository, engine, scheduler, publisher, signer, store, clock, use, inMinutes };
  }

  beforeAll(async () => {
    tables = await startTestTables({ table: table, idempotencyTable: `${table}-idempotency` });
    const client = documentClient(tables.client);
    accountRepository = new DynamoAccountRepository(client, table);
    switcherRepository = new DynamoSwitcherRepository(client, table);
    festival = JSON.parse(await readFile(resolve(import.meta.dirname, "../../../../examples/switcher.local.json"), "utf8"));
  });

  afterAll(() => tables.close());

  /** examples/switcher.local.json: stage-a, stage-b and stage-c on 9001-9003, falling back to stage-b. */
  return { switchers, festival: () => structuredClone(festival) };
}
