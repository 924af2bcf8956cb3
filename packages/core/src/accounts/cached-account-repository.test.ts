import { DynamoAccountRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account, AccountChanges, AccountPage, AccountRepository, AccountStatus } from "./account.ts";
import { CachedAccountRepository } from "./cached-account-repository.ts";

const TTL_MS = 5_000;
let tables: TestTables;
let dynamo: DynamoAccountRepository;

interface HeldRead {
  /** Resolves once the held read has its answer from DynamoDB. */
  answered: Promise<void>;
  /** Lets the held read return its answer. */
  release: () => void;
}

/** The real repository, counting its reads; a read can be held after DynamoDB answered it, to race a write. */
class CountingRepository implements AccountRepository {
  readonly reads = { get: 0, accountIdForApiKey: 0 };
  private held: { answered: () => void; released: Promise<void> } | undefined;

  constructor(private readonly repository: AccountRepository) {}

  holdNextRead(): HeldRead {
    let answered!: () => void;
    let release!: () => void;
    const answeredPromise = new Promise<void>((resolve) => (answered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.held = { answered, released };
    return { answered: answeredPromise, release };
  }

  private async read<T>(load: () => Promise<T>): Promise<T> {
    const held = this.held;
    this.held = undefined;
    const answer = await load();
    if (held) {
      held.answered();
      await held.released;
    }
    return answer;
  }

  get(accountId: string): Promise<Account | undefined> {
    this.reads.get++;
    return this.read(() => this.repository.get(accountId));
  }

  accountIdForApiKey(apiKeyHash: string): Promise<string | undefined> {
    this.reads.accountIdForApiKey++;
    return this.read(() => this.repository.accountIdForApiKey(apiKeyHash));
  }

  list(options: { limit: number; cursor?: string }): Promise<AccountPage> {
    return this.repository.list(options);
  }

  create(account: Account, apiKeyHash: string): Promise<void> {
    return this.repository.create(account, apiKeyHash);
  }

  transition(accountId: string, from: readonly AccountStatus[], changes: AccountChanges, since?: string): Promise<Account | undefined> {
    return this.repository.transition(accountId, from, changes, since);
  }

  replaceApiKey(accountId: string, apiKeyHash: string): Promise<void> {
    return this.repository.replaceApiKey(accountId, apiKeyHash);
  }

  revokeApiKeys(accountId: string): Promise<void> {
    return this.repository.revokeApiKeys(accountId);
  }
}

function account(id: string): Account {
  const createdAt = "2026-02-01T00:00:00.000Z";
  return { id, name: `name of ${id}`, status: "PROVISIONING", createdAt, updatedAt: createdAt, provisioningAttempts: 1 };
}

/** An account stored straight in DynamoDB (not through the cache), with its first key. */
async function stored(id: string, apiKeyHash: string, status: "PROVISIONING" | "ACTIVE" = "ACTIVE"): Promise<void> {
  await dynamo.create(account(id), apiKeyHash);
  if (status === "ACTIVE")
    await dynamo.transition(id, ["PROVISIONING"], { status: "ACTIVE", cdnBaseUrl: "https://d1.cloudfront.net", bucketName: `bucket-${id}` });
}

/** The probe's first defined answer, tried every 10 ms for up to 2 s (background reads finish on their own time). */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no answer within 2 s");
}

/** A cache over the counting real repository, on a clock the test moves. */
function cached() {
  const clock = { ms: 1_000_000 };
  const counting = new CountingRepository(dynamo);
  const cache = new CachedAccountRepository(counting, { ttlMs: TTL_MS, now: () => clock.ms });
  return { clock, counting, cache };
}

beforeAll(async () => {
  tables = await startTestTables({ table: "cached-accounts-test", idempotencyTable: "cached-idempotency-test" });
  dynamo = new DynamoAccountRepository(documentClient(tables.client), "cached-accounts-test");
});

afterAll(() => tables.close());

describe("CachedAccountRepository over DynamoDB (dynalite)", () => {
  it("reads an ACTIVE account once, reads it again in the background from ttlMs/2, and never gives it after ttlMs", async () => {
    await stored("acc-cache00000000001", "hash-c1");
    const { clock, counting, cache } = cached();

    const first = await cache.get("acc-cache00000000001");
    await dynamo.transition("acc-cache00000000001", ["ACTIVE"], { status: "DELETING" });
    clock.ms += TTL_MS / 2 - 1;
    const beforeRefresh = await cache.get("acc-cache00000000001");
    const readsBeforeRefresh = counting.reads.get;
    clock.ms += 1;
    // a write made elsewhere (not through this cache): the kept answer is given once more while a read starts
    const atRefresh = await cache.get("acc-cache00000000001");
    const afterRefresh = await eventually(async () => {
      const account = await cache.get("acc-cache00000000001");
      return account?.status === "DELETING" ? account : undefined;
    });

    expect(first).toMatchObject({ id: "acc-cache00000000001", status: "ACTIVE", bucketName: "bucket-acc-cache00000000001" });
    expect(beforeRefresh).toEqual(first);
    expect(readsBeforeRefresh).toBe(1);
    expect(atRefresh).toEqual(first);
    expect(afterRefresh.status).toBe("DELETING");
  });

  it("reads again, and waits for it, once ttlMs has passed without a read", async () => {
    await stored("acc-cache00000000021", "hash-c21");
    const { clock, counting, cache } = cached();

    await cache.get("acc-cache00000000021");
    await dynamo.transition("acc-cache00000000021", ["ACTIVE"], { status: "DELETING" });
    clock.ms += TTL_MS;
    const afterTtl = await cache.get("acc-cache00000000021");

    expect(afterTtl?.status).toBe("DELETING");
    expect(counting.reads.get).toBe(2);
  });

  it("shares one read among the requests that find nothing kept", async () => {
    await stored("acc-cache00000000022", "hash-c22");
    const { counting, cache } = cached();

    const answers = await Promise.all([cache.get("acc-cache00000000022"), cache.get("acc-cache00000000022"), cache.get("acc-cache00000000022")]);

    expect(answers.map((account) => account?.id)).toEqual(["acc-cache00000000022", "acc-cache00000000022", "acc-cache00000000022"]);
    expect(counting.reads.get).toBe(1);
  });

  it("never keeps an account that is not ACTIVE", async () => {
    await stored("acc-cache00000000002", "hash-c2", "PROVISIONING");
    const { counting, cache } = cached();

    const first = await cache.get("acc-cache00000000002");
    const second = await cache.get("acc-cache00000000002");
    await dynamo.transition("acc-cache00000000002", ["PROVISIONING"], { status: "ACTIVE" });
    const third = await cache.get("acc-cache00000000002");

    expect([first?.status, second?.status, third?.status]).toEqual(["PROVISIONING", "PROVISIONING", "ACTIVE"]);
    expect(counting.reads.get).toBe(3);
  });

  it("never keeps a missing account", async () => {
    const { counting, cache } = cached();

    const before = await cache.get("acc-cache00000000003");
    await stored("acc-cache00000000003", "hash-c3");
    const after = await cache.get("acc-cache00000000003");

    expect(before).toBeUndefined();
    expect(after?.status).toBe("ACTIVE");
    expect(counting.reads.get).toBe(2);
  });

  it("keeps which account a key hash names, within ttlMs", async () => {
    await stored("acc-cache00000000004", "hash-c4");
    const { clock, counting, cache } = cached();

    const first = await cache.accountIdForApiKey("hash-c4");
    const second = await cache.accountIdForApiKey("hash-c4");
    const readsWithinTtl = counting.reads.accountIdForApiKey;
    clock.ms += TTL_MS;
    const afterTtl = await cache.accountIdForApiKey("hash-c4");

    expect([first, second, afterTtl]).toEqual(["acc-cache00000000004", "acc-cache00000000004", "acc-cache00000000004"]);
    expect(readsWithinTtl).toBe(1);
    expect(counting.reads.accountIdForApiKey).toBe(2);
  });

  it("does not keep an unknown key: a key created later is found at once", async () => {
    const { counting, cache } = cached();

    const before = await cache.accountIdForApiKey("hash-c5");
    await stored("acc-cache00000000005", "hash-c5");
    const after = await cache.accountIdForApiKey("hash-c5");

    expect(before).toBeUndefined();
    expect(after).toBe("acc-cache00000000005");
    expect(counting.reads.accountIdForApiKey).toBe(2);
  });

  it("makes the old key unknown and the new key known at once when the key is replaced through it", async () => {
    await stored("acc-cache00000000006", "hash-c6a");
    const { cache } = cached();
    const before = await cache.accountIdForApiKey("hash-c6a");

    await cache.replaceApiKey("acc-cache00000000006", "hash-c6b");

    expect(before).toBe("acc-cache00000000006");
    expect(await cache.accountIdForApiKey("hash-c6a")).toBeUndefined();
    expect(await cache.accountIdForApiKey("hash-c6b")).toBe("acc-cache00000000006");
  });

  it("makes revoked keys unknown at once when they are revoked through it", async () => {
    await stored("acc-cache00000000007", "hash-c7");
    const { cache } = cached();
    const before = await cache.accountIdForApiKey("hash-c7");

    await cache.revokeApiKeys("acc-cache00000000007");

    expect(before).toBe("acc-cache00000000007");
    expect(await cache.accountIdForApiKey("hash-c7")).toBeUndefined();
  });

  it("shows a transition made through it at once", async () => {
    await stored("acc-cache00000000008", "hash-c8");
    const { cache } = cached();
    const before = await cache.get("acc-cache00000000008");

    const deleting = await cache.transition("acc-cache00000000008", ["ACTIVE"], { status: "DELETING" });

    expect(before?.status).toBe("ACTIVE");
    expect(deleting?.status).toBe("DELETING");
    expect((await cache.get("acc-cache00000000008"))?.status).toBe("DELETING");
  });

  it("does not keep an account read that raced a transition made through it", async () => {
    await stored("acc-cache00000000009", "hash-c9");
    const { counting, cache } = cached();
    const held = counting.holdNextRead();
    const racing = cache.get("acc-cache00000000009");
    await held.answered;

    await cache.transition("acc-cache00000000009", ["ACTIVE"], { status: "DELETING" });
    held.release();
    const raced = await racing;
    const next = await cache.get("acc-cache00000000009");

    // the raced read keeps its (older) answer to itself; the next one reads DynamoDB again
    expect(raced?.status).toBe("ACTIVE");
    expect(next?.status).toBe("DELETING");
    expect(counting.reads.get).toBe(2);
  });

  it("does not keep a key read that raced a key replacement made through it", async () => {
    await stored("acc-cache00000000010", "hash-c10a");
    const { counting, cache } = cached();
    const held = counting.holdNextRead();
    const racing = cache.accountIdForApiKey("hash-c10a");
    await held.answered;

    await cache.replaceApiKey("acc-cache00000000010", "hash-c10b");
    held.release();
    const raced = await racing;
    const next = await cache.accountIdForApiKey("hash-c10a");

    expect(raced).toBe("acc-cache00000000010");
    expect(next).toBeUndefined();
    expect(counting.reads.accountIdForApiKey).toBe(2);
  });

  it("gives callers their own copy of a kept account", async () => {
    await stored("acc-cache00000000011", "hash-c11");
    const { counting, cache } = cached();
    const expected = await dynamo.get("acc-cache00000000011");

    const loaded = await cache.get("acc-cache00000000011");
    loaded!.status = "DELETED";
    loaded!.name = "changed by a caller";
    const kept = await cache.get("acc-cache00000000011");
    kept!.cdnBaseUrl = "https://changed.example";
    const keptAgain = await cache.get("acc-cache00000000011");

    expect(kept).toEqual({ ...expected, cdnBaseUrl: "https://changed.example" });
    expect(keptAgain).toEqual(expected);
    expect(counting.reads.get).toBe(1);
  });
});
