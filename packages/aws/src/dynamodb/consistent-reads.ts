import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys a request. */
const MAX_BATCH_KEYS = 100;
/** Keys DynamoDB left unprocessed are asked for again this often (with a growing pause), then one by one. */
const UNPROCESSED_ATTEMPTS = 3;
/** Rounds of reads under way at once; the reads asked for while this many are out wait for one to end, and go together. */
const MAX_ROUNDS_IN_FLIGHT = 2;
/** ... but not longer than this: a round held up (a request that hangs, a throttled table) holds up no other read. */
const MAX_HELD_MS = 200;

interface Waiter {
  resolve(item: Item | undefined): void;
  reject(error: unknown): void;
}

const readersOf = new WeakMap<DynamoDBDocumentClient, Map<string, ConsistentReads>>();

/**
 * Strongly consistent reads of one table by key, gathered: the reads asked for while the event loop handles one round
 * of I/O go out together, after it (setImmediate), as one BatchGetItem (ConsistentRead) instead of one GetItem each; a
 * read alone goes out as the GetItem it always was. While MAX_ROUNDS_IN_FLIGHT rounds are out, what is asked for waits
 * for one of them to end and goes with the others (as Nagle's algorithm gathers small writes). A process that serves
 * many requests at once (the local runtime) then pays the SDK's cost of a request (most of a cold read's CPU here) once
 * per round rather than once per read, and the more it falls behind, the more each round gathers; a Lambda function,
 * one event at a time, sends what it did. A key asked for twice in one round is read once; each caller gets its own copy.
 */
export class ConsistentReads {
  private waiting = new Map<string, { key: Key; waiters: Waiter[] }>();
  private scheduled = false;
  private inFlight = 0;
  private held: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The one gatherer of the client's reads of the table, so that every repository's reads go out together. */
  static of(client: DynamoDBDocumentClient, tableName: string): ConsistentReads {
    let readers = readersOf.get(client);
    if (!readers) readersOf.set(client, (readers = new Map()));
    let reads = readers.get(tableName);
    if (!reads) readers.set(tableName, (reads = new ConsistentReads(client, tableName)));
    return reads;
  }

  read(key: Key): Promise<Item | undefined> {
    const id = idOf(key);
    return new Promise((resolve, reject) => {
      const entry = this.waiting.get(id);
      if (entry) entry.waiters.push({ resolve, reject });
      else this.waiting.set(id, { key: { pk: key.pk, sk: key.sk }, waiters: [{ resolve, reject }] });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.size === 0) return;
    if (this.inFlight >= MAX_ROUNDS_IN_FLIGHT) {
      this.held ??= setTimeout(() => this.flush(), MAX_HELD_MS);
      return;
    }
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    clearTimeout(this.held);
    this.held = undefined;
    if (this.waiting.size === 0) return;
    const round = [...this.waiting.values()];
    this.waiting = new Map();
    this.inFlight++;
    const batches: Promise<void>[] = [];
    for (let start = 0; start < round.length; start += MAX_BATCH_KEYS) batches.push(this.answer(round.slice(start, start + MAX_BATCH_KEYS)));
    void Promise.all(batches).finally(() => {
      this.inFlight--;
      this.schedule();
    });
  }

  /**
   * Answers each key of the batch as soon as its item (or its absence) is known: what a BatchGetItem answered goes at
   * once, what it left unprocessed is asked for again, then read one by one (in parallel, each caller told of its own
   * read's failure only).
   */
  private async answer(batch: { key: Key; waiters: Waiter[] }[]): Promise<void> {
    const byId = new Map(batch.map((entry) => [idOf(entry.key), entry]));
    const settle = (id: string, outcome: { item: Item | undefined } | { error: unknown }) => {
      const entry = byId.get(id);
      if (!entry) return;
      byId.delete(id);
      entry.waiters.forEach((waiter, index) =>
        "error" in outcome ? waiter.reject(outcome.error) : waiter.resolve(outcome.item && index > 0 ? structuredClone(outcome.item) : outcome.item),
      );
    };
    const readOne = async (key: Key) => {
      try {
        const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
        settle(idOf(key), { item: Item });
      } catch (error) {
        settle(idOf(key), { error });
      }
    };
    if (batch.length === 1) return readOne(batch[0]!.key);
    try {
      for (let attempt = 0; byId.size > 0 && attempt < UNPROCESSED_ATTEMPTS; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        const asked = [...byId.values()].map(({ key }) => key);
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: asked, ConsistentRead: true } } }),
        );
        const unprocessed = new Set(((UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[]).map(idOf));
        const items = new Map((Responses?.[this.tableName] ?? []).map((item) => [idOf(item as Key), item]));
        for (const key of asked) if (!unprocessed.has(idOf(key))) settle(idOf(key), { item: items.get(idOf(key)) });
      }
    } catch (error) {
      for (const id of [...byId.keys()]) settle(id, { error });
      return;
    }
    // Still left unprocessed (the table throttled): one by one, as reads were before they were gathered.
    await Promise.all([...byId.values()].map(({ key }) => readOne(key)));
  }
}

const idOf = (key: Key) => `${String(key.pk)}\n${String(key.sk)}`;
