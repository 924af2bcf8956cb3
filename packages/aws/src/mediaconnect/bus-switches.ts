import type { Bus } from "@visionstream/core/switcher/switcher";

export interface SwitcherBus {
  switcherId: string;
  bus: Bus;
}

/**
 * The debounce and the order of a bus's switches: of the switches asked within `debounceMs` of the first, only the
 * last is sent, and a bus sends one at a time, so it ends on the last switch asked.
 */
export interface BusSwitches {
  /** Resolves with the ingest sent for this switch: its own, or that of a later switch that superseded it. */
  switch(target: SwitcherBus, ingestId: string, send: (ingestId: string) => Promise<void>): Promise<{ sent: string }>;
  /** Drops what is kept of a removed switcher's buses. */
  forget(switcherId: string): Promise<void>;
}

interface Pending {
  ingestId: string;
  send: (ingestId: string) => Promise<void>;
  waiters: { resolve: (outcome: { sent: string }) => void; reject: (error: unknown) => void }[];
}

/** Kept in this container: enough for one process (local runtime, tests); Lambda shares them through DynamoDB. */
export class ContainerBusSwitches implements BusSwitches {
  private readonly pending = new Map<string, Pending>();
  /** Per bus, the last send: a later one waits for it. */
  private readonly sending = new Map<string, Promise<unknown>>();

  constructor(private readonly debounceMs: number) {}

  /** Nothing outlives a bus's last send here. */
  async forget(): Promise<void> {}

  switch({ switcherId, bus }: SwitcherBus, ingestId: string, send: (ingestId: string) => Promise<void>): Promise<{ sent: string }> {
    const key = `${switcherId}/${bus}`;
    return new Promise((resolve, reject) => {
      let pending = this.pending.get(key);
      if (!pending) {
        pending = { ingestId, send, waiters: [] };
        this.pending.set(key, pending);
        setTimeout(() => void this.flush(key), this.debounceMs);
      }
      pending.ingestId = ingestId;
      pending.send = send;
      pending.waiters.push({ resolve, reject });
    });
  }

  private async flush(key: string): Promise<void> {
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    const sent = pending.ingestId;
    const previous = this.sending.get(key) ?? Promise.resolve();
    const sending = previous.catch(() => undefined).then(() => pending.send(sent));
    this.sending.set(key, sending);
    try {
      await sending;
      for (const waiter of pending.waiters) waiter.resolve({ sent });
    } catch (error) {
      for (const waiter of pending.waiters) waiter.reject(error);
    } finally {
      if (this.sending.get(key) === sending) this.sending.delete(key);
    }
  }
}
