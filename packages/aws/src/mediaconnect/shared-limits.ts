import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { type Key, Table } from "../dynamodb/table.ts";
import type { BusSwitches, SwitcherBus } from "./bus-switches.ts";
import { type BudgetUse, MediaConnectThrottled, MONITOR_RESERVE, MonitoringDeferred, type RequestBudget } from "./requests.ts";

/** Below the API function's 20 s: a request that cannot get a place by then answers 503 rather than time out. */
const TAKE_DEADLINE_MS = 15_000;
const LOST_TAKE_BACKOFF_MS = 50;
/** A switch waits this long at most behind another container's send of the same bus, then answers 503. */
const WAIT_FOR_BUS_MS = 15_000;

/** The one table, where every Lambda container of the stage finds the same limits. */
export interface SharedLimitsTable {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** The table's stage belongs to one account, so a key per region is MediaConnect's scope (account and region). */
const budgetKey = (region: string): Key => ({ pk: `LIMIT#MEDIACONNECT#${region}`, sk: "LIMIT" });
const busKey = ({ switcherId, bus }: SwitcherBus): Key => ({ pk: `SWITCHER#${switcherId}`, sk: `BUS#${bus}` });

const slotTime = z.number().optional();
const BusState = z.object({ pendingIngestId: z.string(), pendingToken: z.string(), leaseUntil: z.number().optional() });

export interface DynamoRequestBudgetOptions extends SharedLimitsTable {
  limit: number;
  windowMs?: number;
  /**
   * Added to the window: a request leaves some milliseconds after the time written in its slot (the write's round
   * trip, the SDK). A take whose write came back later than this is not used, so every request leaves within the
   * margin of its slot's time, and two requests of one slot are at least the window apart.
   */
  marginMs?: number;
  random?: () => number;
}

/**
 * At most `limit` requests to a region in any window, counted over all containers: one item per region with `limit`
 * slots, each holding when it was last taken. A slot is taken by a conditional write that expects the time it was
 * seen with (compare-and-set), and only once it is older than the window and the margin, so two takes of one slot
 * are always that far apart.
 */
export class DynamoRequestBudget implements RequestBudget {
  private readonly table: Table;
  private readonly limit: number;
  private readonly marginMs: number;
  private readonly spacingMs: number;
  private readonly random: () => number;

  constructor({ client, tableName, limit, windowMs = 1_000, marginMs = 100, random = Math.random }: DynamoRequestBudgetOptions) {
    this.table = new Table(client, tableName);
    this.limit = limit;
    this.marginMs = marginMs;
    this.spacingMs = windowMs + marginMs;
    this.random = random;
  }

  async take(region: string, { monitor = false, deadlineAt = Date.now() + TAKE_DEADLINE_MS }: BudgetUse = {}): Promise<void> {
    const key = budgetKey(region);
    const giveUp = () => (monitor ? new MonitoringDeferred(region) : new MediaConnectThrottled(`a request in ${region}`, 0));
    for (;;) {
      const item = await this.table.read(key, { ConsistentRead: true });
      const now = Date.now();
      if (now > deadlineAt) throw giveUp();
      const free: number[] = [];
      let soonest = Number.POSITIVE_INFINITY;
      for (let slot = 0; slot < this.limit; slot++) {
        const at = slotTime.parse(item?.[`s${slot}`]);
        if (at === undefined || at <= now - this.spacingMs) free.push(slot);
        else soonest = Math.min(soonest, at + this.spacingMs);
      }
      if (free.length <= (monitor ? MONITOR_RESERVE : 0)) {
        // Monitoring waits for more than the reserve to be free; the soonest slot is a good time to look again.
        if (soonest > deadlineAt) throw giveUp();
        await sleep(Math.max(1, Math.min(soonest, now + this.spacingMs) - now));
        continue;
      }
      // A slot at random: takers that read the same item rarely aim at the same slot.
      const slot = free[Math.floor(this.random() * free.length)]!;
      const seen = slotTime.parse(item?.[`s${slot}`]);
      const taken = await this.table.updateIf(key, {
        UpdateExpression: "SET #slot = :now",
        ConditionExpression: seen === undefined ? "attribute_not_exists(#slot)" : "#slot = :seen",
        ExpressionAttributeNames: { "#slot": `s${slot}` },
        ExpressionAttributeValues: { ":now": now, ...(seen !== undefined && { ":seen": seen }) },
      });
      if (taken && Date.now() - now <= this.marginMs) return;
      // Another container won the slot (or this write was too slow to use it): look again a little later, not at once.
      await sleep(this.random() * LOST_TAKE_BACKOFF_MS);
    }
  }
}

export interface DynamoBusSwitchesOptions extends SharedLimitsTable {
  debounceMs: number;
  /** How long a send may hold its bus: a container that dies while sending blocks the bus no longer than this. */
  leaseMs?: number;
  /** How often a switch waiting behind another container's send looks again. */
  pollMs?: number;
}

/**
 * The debounce and the order of a bus's switches over all containers, in one item per bus. A switch writes itself
 * as the bus's pending one (the first of a burst also writes when the burst began), waits out the debounce, then
 * claims the send with a condition: it is still the pending switch and no other send holds an unexpired lease. A
 * switch that finds a later one pending leaves the send to it; one that finds a lease waits for its release.
 */
export class DynamoBusSwitches implements BusSwitches {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly table: Table;
  private readonly debounceMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor({ client, tableName, debounceMs, leaseMs = 30_000, pollMs = 50 }: DynamoBusSwitchesOptions) {
    this.client = client;
    this.tableName = tableName;
    this.table = new Table(client, tableName);
    this.debounceMs = debounceMs;
    this.leaseMs = leaseMs;
    this.pollMs = pollMs;
  }

  async switch(target: SwitcherBus, ingestId: string, send: (ingestId: string) => Promise<void>): Promise<{ sent: string }> {
    const key = busKey(target);
    const token = randomUUID();
    const firstAskedAt = await this.ask(key, ingestId, token);
    await sleep(Math.max(0, firstAskedAt + this.debounceMs - Date.now()));
    const deadlineAt = Date.now() + WAIT_FOR_BUS_MS;
    for (;;) {
      if (await this.claim(key, token)) {
        try {
          await send(ingestId);
        } finally {
          // Were this release lost, the lease would still expire.
          await this.release(key, token).catch(() => undefined);
        }
        return { sent: ingestId };
      }
      const state = BusState.parse(await this.table.read(key, { ConsistentRead: true }));
      if (state.pendingToken !== token) return { sent: state.pendingIngestId };
      const leaseLeft = (state.leaseUntil ?? 0) - Date.now();
      if (Date.now() > deadlineAt) throw new MediaConnectThrottled(`the switch of ${target.switcherId}'s ${target.bus} bus (another send holds it)`, 0);
      if (leaseLeft > 0) await sleep(Math.min(this.pollMs, leaseLeft));
    }
  }

  /** The switcher is gone: its buses' items go too. */
  async forget(switcherId: string): Promise<void> {
    for (const bus of ["live", "preview"] as const) await this.table.delete(busKey({ switcherId, bus }));
  }

  /** When the burst this switch belongs to began. */
  private async ask(key: Key, ingestId: string, token: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: "SET #ingest = :ingest, #token = :token, #first = if_not_exists(#first, :now)",
        ExpressionAttributeNames: { "#ingest": "pendingIngestId", "#token": "pendingToken", "#first": "firstAskedAt" },
        ExpressionAttributeValues: { ":ingest": ingestId, ":token": token, ":now": Date.now() },
        ReturnValues: "ALL_NEW",
      }),
    );
    return z.number().parse(Attributes?.firstAskedAt);
  }

  /** Takes the send; a switch asked from now on begins a new burst. */
  private claim(key: Key, token: string): Promise<boolean> {
    const now = Date.now();
    return this.table.updateIf(key, {
      UpdateExpression: "SET #leaseToken = :token, #leaseUntil = :until REMOVE #first",
      ConditionExpression: "#token = :token AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now)",
      ExpressionAttributeNames: { "#token": "pendingToken", "#leaseToken": "leaseToken", "#leaseUntil": "leaseUntil", "#first": "firstAskedAt" },
      ExpressionAttributeValues: { ":token": token, ":now": now, ":until": now + this.leaseMs },
    });
  }

  /** A lease that expired and was claimed by another send is left to it. */
  private async release(key: Key, token: string): Promise<void> {
    await this.table.updateIf(key, {
      UpdateExpression: "REMOVE #leaseToken, #leaseUntil",
      ConditionExpression: "#leaseToken = :token",
      ExpressionAttributeNames: { "#leaseToken": "leaseToken", "#leaseUntil": "leaseUntil" },
      ExpressionAttributeValues: { ":token": token },
    });
  }
}
