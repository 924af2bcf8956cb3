import { TooManyRequestsException, type MediaConnectClient } from "@aws-sdk/client-mediaconnect";

/** MediaConnect kept answering 429 after every retry. */
export class MediaConnectThrottled extends Error {
  override name = "MediaConnectThrottled";
  constructor(
    readonly operation: string,
    readonly attempts: number,
  ) {
    super(`MediaConnect ${operation} was throttled (429) ${attempts} times in a row; try again in a few seconds`);
  }
}

/**
 * MediaConnect's request rate: 5 requests per second for each account in a Region, not a quota that can be raised
 * (https://docs.aws.amazon.com/mediaconnect/latest/ug/quotas.html, "Limits for API requests").
 */
export const MEDIACONNECT_REQUESTS_PER_SECOND = 5;

/** Where the right to send one MediaConnect request in a region is taken: in this container, or shared by all (shared-limits.ts). */
export interface RequestBudget {
  /** Resolves when one more request may be sent to the region without passing the rate. */
  take(region: string): Promise<void>;
}

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

  take(): Promise<void> {
    const mine = this.turn.then(() => this.wait());
    this.turn = mine.catch(() => undefined);
    return mine;
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
