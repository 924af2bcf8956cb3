// The channel use cases on dynalite with a fake engine, shared by the channel test files (one table per file).
import { DynamoAccountRepository, DynamoChannelRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { visionStreamEntry } from "@visionstream/events";
import { afterAll, beforeAll } from "vitest";
import type { Account } from "../accounts/account.ts";
import { activeAccount, channelStateChange, FakeLiveEngine, FakeSigner, RecordingPublisher, testClock } from "../testing.ts";
import { Channels, type CreateChannelInput } from "./channels.ts";

export const RTMP: CreateChannelInput = { name: "Main stage", inputType: "RTMP_PUSH", allowCidrs: ["203.0.113.0/24"] };
export const IDLE_STOP_AFTER_MS = 10 * 60_000;

/** The event a recorded command publishes for its next step. */
export const stepRequested = (accountId: string, channelId: string) => visionStreamEntry("ChannelStepRequested", { accountId, channelId });

export function channelsOnDynalite(table: string) {
  let tables: TestTables;
  let accounts: DynamoAccountRepository;
  let repository: DynamoChannelRepository;

  beforeAll(async () => {
    tables = await startTestTables({ table, idempotencyTable: `${table}-idempotency` });
    const client = documentClient(tables.client);
    accounts = new DynamoAccountRepository(client, table);
    repository = new DynamoChannelRepository(client, table);
  });

  afterAll(() => tables.close());

  /** A fresh ACTIVE account with the use cases over it; `running` and `stopped` make channels as the engine would leave them. */
  return async function channels(accountChanges: Partial<Account> = {}) {
    const account = activeAccount(accountChanges);
    await accounts.create(account, `hash-${account.id}`);
    const engine = new FakeLiveEngine();
    const signer = new FakeSigner();
    const publisher = new RecordingPublisher();
    const clock = testClock();
    const use = Channels({ channels: repository, accounts, engine, signer, publisher, idleStopAfterMs: IDLE_STOP_AFTER_MS, now: clock.now });
    /** Started, its step run, and reported RUNNING by the engine. */
    const running = async () => {
      const channel = await use.start(account.id, (await use.create(account.id, RTMP)).id);
      await use.step(account.id, channel.id);
      clock.advance(1_000);
      return (await use.onStateChange(channelStateChange(channel.engineChannelId!, "RUNNING", clock.eventTime())))!;
    };
    /** A run that ended: stopped, its step run, and reported STOPPED. */
    const stopped = async () => {
      const channel = await running();
      await use.stop(account.id, channel.id);
      await use.step(account.id, channel.id);
      clock.advance(1_000);
      return (await use.onStateChange(channelStateChange(channel.engineChannelId!, "STOPPED", clock.eventTime())))!;
    };
    return { account, accounts, repository, engine, signer, publisher, clock, use, running, stopped };
  };
}
