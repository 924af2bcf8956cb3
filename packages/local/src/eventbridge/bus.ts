import { randomUUID } from "node:crypto";
import type { EventPublisher } from "@visionstream/core";
import { type EventPattern, matchesPattern, type VisionStreamEntry } from "@visionstream/events";
import { logger } from "../logger.ts";

/** An event as EventBridge delivers it to a target. */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export type BusHandler = (event: BusEvent) => Promise<unknown>;

interface Subscription {
  name: string;
  pattern: EventPattern;
  handler: BusHandler;
}

export const LOCAL_AWS_ACCOUNT = "000000000000";
export const LOCAL_REGION = "local";

/**
 * Exponential backoff from 250 ms, capped at 30 s a wait, for about two minutes: a delivery outlasts a dependency
 * (dynalite) that is gone for a while, and an idempotency record left "in progress" by a delivery that failed halfway
 * (it expires with the handler's 1-minute timeout). Each delivery waits on its own, so others go on meanwhile.
 */
export const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000];

/** The in-process EventBridge: routes with the same patterns, delivers asynchronously and at least once, retries failures. */
export class LocalBus implements EventPublisher {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiting = new Set<() => void>();
  private closed = false;

  constructor(private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS) {}

  subscribe(name: string, pattern: EventPattern, handler: BusHandler): void {
    this.subscriptions.push({ name, pattern, handler });
  }

  async publish(...entries: VisionStreamEntry[]): Promise<void> {
    for (const entry of entries) this.put({ ...entry, resources: [] });
  }

  /** Puts an event on the bus; fields missing from the envelope are filled in as EventBridge does. */
  put(entry: Pick<BusEvent, "source" | "detail-type" | "detail"> & Partial<BusEvent>): BusEvent {
    const event: BusEvent = {
      version: "0",
      id: randomUUID(),
      account: LOCAL_AWS_ACCOUNT,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: LOCAL_REGION,
      resources: [],
      ...entry,
    };
    const targets = this.subscriptions.filter((subscription) => matchesPattern(subscription.pattern, event));
    logger.info("event routed", {
      eventId: event.id,
      source: event.source,
      detailType: event["detail-type"],
      targets: targets.map((target) => target.name),
    });
    for (const target of targets) this.track(this.deliver(target, event));
    return event;
  }

  /** Resolves once every delivery under way, and those they cause, has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Deliveries waiting to be retried make one last attempt now rather than hold the shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting) wake();
    await this.idle();
  }

  private backOff(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delayMs);
      this.waiting.add(wake);
    });
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(target: Subscription, event: BusEvent): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 0; ; attempt++) {
      try {
        await target.handler(event);
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined || this.closed) {
          logger.error("event delivery failed for good", { eventId: event.id, target: target.name, error: error as Error });
          return;
        }
        logger.warn("event delivery failed, retrying", { eventId: event.id, target: target.name, attempt: attempt + 1, error: error as Error });
        await this.backOff(delay);
      }
    }
  }
}
