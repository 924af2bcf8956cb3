import { TooManyRequestsException, type MediaConnectClient } from "@aws-sdk/client-mediaconnect";
import { Busy } from "@visionstream/core/errors";

/** MediaConnect kept answering 429 after every retry, or its request budget had no place in time (attempts 0). */
export class MediaConnectThrottled extends Busy {
  override name = "MediaConnectThrottled";
  constructor(
    readonly operation: string,
    readonly attempts: number,
  ) {
    super(
      attempts > 0
        ? `MediaConnect ${operation} was throttled (429) ${attempts} times in a row; try again in a few seconds`
        : `MediaConnect's request budget (5 a second per region, shared by every switcher of the account) had no place for ${operation} in time; try again in a few seconds`,
    );
  }
}

/**
 * MediaConnect's request rate: 5 requests per second for each account in a Region, not a quota that can be raised
 * (https://docs.aws.amazon.com/mediaconnect/latest/ug/quotas.html, "Limits for API requests").
 */
export const MEDIACONNECT_REQUESTS_PER_SECOND = 5;

/**
 * How a request takes its place. Monitoring (the panel's health and thumbnails) takes one only while more than
 * MONITOR_RESERVE places are free, so that switches, starts and stops always find one; it waits until `deadlineAt`
 * at most, then gives up (MonitoringDeferred) and the panel shows what it last had.
 */
export interface BudgetUse {
  monitor?: boolean;
  deadlineAt?: number;
}

/** Places in each window that monitoring leaves to switching. */
export const MONITOR_RESERVE = 2;

/** The panel's reads gave way to switching: the budget had no place for them in time. */
export class MonitoringDeferred extends Error {
  override name = "MonitoringDeferred";
  constructor(readonly region: string) {
    super(`MediaConnect's request budget in ${region} is kept for switching: the panel's figures wait`);
  }
}

/** Where the right to send one MediaConnect request in a region is taken: in this container, or shared by all (shared-limits.ts). */
export interface RequestBudget {
  /** Resolves when one more request may be sent to the region without passing the rate. */
  take(region: string, use?: BudgetUse): Promise<void>;
}

/** The same budget, for monitoring: each take waits `waitMs` at most, and leaves the reserve to switching. */
export const monitoringBudget = (budget: RequestBudget, waitMs: number): RequestBudget => ({
  take: (region) => budget.take(region, { monitor: true, deadlineAt: Date.now() + waitMs }),
});

export interface MediaConnectRequestsOptions {
  /** The MediaConnect client of a region (create them with maxAttempts: 1, so that throttling is retried here only). */
  client: (region: string) => MediaConnectClient;
  budget: RequestBudget;
  retry: { attempts: number; baseMs: number; maxMs: number };
  random: () => number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * At most `limit` requests in any window of `windowMs`: a bucket of `limit` tokens where each token comes back
 * `windowMs` after it was taken. Stricter than a refilling bucket with a burst, which lets up to twice the limit
 * through in one second. It holds for this container only, and for all regions together (stricter than MediaConnect).
 */
export class RequestRateLimiter implements RequestBudget {
  private readonly sent: number[] = [];
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1_000,
  ) {}

  take(region = "", use: BudgetUse = {}): Promise<void> {
    if (use.monitor) return this.waitForMonitoring(region, use.deadlineAt ?? Number.POSITIVE_INFINITY);
    const mine = this.turn.then(() => this.wait());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** Outside the queue: a monitoring take never holds a switch up behind it. */
  private async waitForMonitoring(region: string, deadlineAt: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.windowMs) this.sent.shift();
      if (this.sent.length < this.limit - MONITOR_RESERVE) {
        this.sent.push(now);
        return;
      }
      const next = this.sent[this.sent.length - (this.limit - MONITOR_RESERVE)]! + this.windowMs;
      if (next > deadlineAt) throw new MonitoringDeferred(region);
      await sleep(next - now);
    }
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.windowMs) this.sent.shift();
      if (this.sent.length < this.limit) {
        this.sent.push(now);
        return;
      }
      await sleep(this.sent[0]! + this.windowMs - now);
    }
  }
}

/** MediaConnect requests within the account's rate, retried with backoff and jitter while MediaConnect answers 429. */
export class MediaConnectRequests {
  private readonly client: (region: string) => MediaConnectClient;
  private readonly budget: RequestBudget;
  private readonly retry: { attempts: number; baseMs: number; maxMs: number };
  private readonly random: () => number;

  constructor({ client, budget, retry, random }: MediaConnectRequestsOptions) {
    this.client = client;
    this.budget = budget;
    this.retry = retry;
    this.random = random;
  }

  async send<Output>(region: string, operation: string, request: (client: MediaConnectClient) => Promise<Output>): Promise<Output> {
    for (let attempt = 1; ; attempt++) {
      await this.budget.take(region);
      try {
        return await request(this.client(region));
      } catch (error) {
        if (!throttled(error)) throw error;
        if (attempt >= this.retry.attempts) throw new MediaConnectThrottled(operation, attempt);
        const ceiling = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
        await sleep(ceiling / 2 + (this.random() * ceiling) / 2);
      }
    }
  }
}

function throttled(error: unknown): boolean {
  if (error instanceof TooManyRequestsException) return true;
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === "TooManyRequestsException" || $metadata?.httpStatusCode === 429;
}
