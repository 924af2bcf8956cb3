import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys a request. */
const MAX_BATCH_KEYS = 100;
/** Keys DynamoDB left unprocessed are asked for again this often (with a growing pause), then one by one. */
const UNPROCESSED_ATTEMPTS = 3;
/** Rounds of reads under way at once; the reads asked for while this many are out wait for one to end, and go together. */
const MAX_ROUNDS_IN_FLIGHT = 2;

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
    const id = `${key.pk}\n${key.sk}`;
    return new Promise((resolve, reject) => {
      const entry = this.waiting.get(id);
      if (entry) entry.waiters.push({ resolve, reject });
      else this.waiting.set(id, { key: { pk: key.pk, sk: key.sk }, waiters: [{ resolve, reject }] });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.size === 0 || this.inFlight >= MAX_ROUNDS_IN_FLIGHT) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
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

  private async answer(batch: { key: Key; waiters: Waiter[] }[]): Promise<void> {
    try {
      const found = batch.length === 1 ? await this.getOne(batch[0]!.key) : await this.getMany(batch.map(({ key }) => key));
      for (const { key, waiters } of batch) {
        const item = found.get(`${key.pk}\n${key.sk}`);
        waiters.forEach((waiter, index) => waiter.resolve(item && index > 0 ? structuredClone(item) : item));
      }
    } catch (error) {
      for (const { waiters } of batch) for (const waiter of waiters) waiter.reject(error);
    }
  }

  private async getOne(key: Key): Promise<Map<string, Item>> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return new Map(Item ? [[`${key.pk}\n${key.sk}`, Item]] : []);
  }

  private async getMany(keys: Key[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    let pending: Key[] = keys;
    for (let attempt = 0; pending.length > 0 && attempt < UNPROCESSED_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) found.set(`${String(item.pk)}\n${String(item.sk)}`, item);
      pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
    }
    // Still left unprocessed (the table throttled): one by one, as reads were before they were gathered.
    for (const key of pending) for (const [id, item] of await this.getOne(key)) found.set(id, item);
    return found;
  }
}
