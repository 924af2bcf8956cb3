import type { Account } from "@visionstream/core";
import { Conflict, InvalidInput } from "@visionstream/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoAccountRepository } from "./account-repository.ts";
import { documentClient, ensureTables } from "./client.ts";
import { startTestTables, type TestTables } from "./testing.ts";

let tables: TestTables;
let repository: DynamoAccountRepository;

function account(id: string, createdAt: string): Account {
  return { id, name: `name of ${id}`, status: "PROVISIONING", createdAt, updatedAt: createdAt, provisioningAttempts: 1 };
}

beforeAll(async () => {
  tables = await startTestTables({ table: "accounts-test", idempotencyTable: "idempotency-test" });
  // a second time: tables that exist are left as they are
  await ensureTables(tables.client, { table: "accounts-test", idempotencyTable: "idempotency-test" });
  repository = new DynamoAccountRepository(documentClient(tables.client), "accounts-test");
});

afterAll(() => tables.close());

describe("DynamoAccountRepository against dynalite", () => {
  it("stores an account and finds it by its API key hash", async () => {
    await repository.create(account("acc-aaaaaaaaaaaaaaa1", "2026-01-01T00:00:00.000Z"), "hash-1");

    expect(await repository.get("acc-aaaaaaaaaaaaaaa1")).toEqual(account("acc-aaaaaaaaaaaaaaa1", "2026-01-01T00:00:00.000Z"));
    expect(await repository.accountIdForApiKey("hash-1")).toBe("acc-aaaaaaaaaaaaaaa1");
    expect(await repository.accountIdForApiKey("hash-unknown")).toBeUndefined();
    expect(await repository.get("acc-missing000000000")).toBeUndefined();
  });

  it("refuses a second account with the same id", async () => {
    await repository.create(account("acc-aaaaaaaaaaaaaaa2", "2026-01-02T00:00:00.000Z"), "hash-2");

    await expect(repository.create(account("acc-aaaaaaaaaaaaaaa2", "2026-01-02T00:00:00.000Z"), "hash-2b")).rejects.toThrow();
    expect(await repository.accountIdForApiKey("hash-2")).toBe("acc-aaaaaaaaaaaaaaa2");
    expect(await repository.accountIdForApiKey("hash-2b")).toBeUndefined();
  });

  it("transitions only from the given states, setting and removing fields", async () => {
    await repository.create({ ...account("acc-aaaaaaaaaaaaaaa3", "2026-01-03T00:00:00.000Z"), failureReason: "old" }, "hash-3");

    const active = await repository.transition("acc-aaaaaaaaaaaaaaa3", ["PROVISIONING"], {
      status: "ACTIVE",
      cdnBaseUrl: "https://d1.cloudfront.net",
      failureReason: undefined,
    });
    const again = await repository.transition("acc-aaaaaaaaaaaaaaa3", ["PROVISIONING"], { status: "FAILED" });
    const missing = await repository.transition("acc-missing000000000", ["PROVISIONING"], { status: "FAILED" });

    expect(active).toMatchObject({ status: "ACTIVE", cdnBaseUrl: "https://d1.cloudfront.net" });
    expect(active).not.toHaveProperty("failureReason");
    expect(again).toBeUndefined();
    expect(missing).toBeUndefined();
    expect((await repository.get("acc-aaaaaaaaaaaaaaa3"))?.status).toBe("ACTIVE");
  });

  it("rotates and revokes keys: only the current key is valid", async () => {
    await repository.create(account("acc-aaaaaaaaaaaaaaa4", "2026-01-04T00:00:00.000Z"), "hash-4a");

    await repository.replaceApiKey("acc-aaaaaaaaaaaaaaa4", "hash-4b");
    expect(await repository.accountIdForApiKey("hash-4a")).toBeUndefined();
    expect(await repository.accountIdForApiKey("hash-4b")).toBe("acc-aaaaaaaaaaaaaaa4");

    await repository.revokeApiKeys("acc-aaaaaaaaaaaaaaa4");
    expect(await repository.accountIdForApiKey("hash-4b")).toBeUndefined();
  });

  it("does not let a key item without its account's consent authenticate", async () => {
    await repository.create(account("acc-aaaaaaaaaaaaaaa5", "2026-01-05T00:00:00.000Z"), "hash-5");
    await repository.create(account("acc-aaaaaaaaaaaaaaa6", "2026-01-06T00:00:00.000Z"), "hash-6");

    // a rotation of account 5 that raced: its swap must fail, and the orphan key must not work
    await expect(
      (repository as unknown as { swapKey: (a: string, p: string, n: string) => Promise<void> }).swapKey("acc-aaaaaaaaaaaaaaa5", "not-current", "hash-x"),
    ).rejects.toBeInstanceOf(Conflict);
    expect(await repository.accountIdForApiKey("hash-x")).toBeUndefined();
  });

  it("lists newest first, page by page, and rejects a forged cursor", async () => {
    const first = await repository.list({ limit: 2 });
    const second = await repository.list({ limit: 10, cursor: first.cursor });

    expect(first.accounts.map((a) => a.id)).toEqual(["acc-aaaaaaaaaaaaaaa6", "acc-aaaaaaaaaaaaaaa5"]);
    expect(first.cursor).toBeDefined();
    expect(second.accounts.map((a) => a.id)).toEqual([
      "acc-aaaaaaaaaaaaaaa4",
      "acc-aaaaaaaaaaaaaaa3",
      "acc-aaaaaaaaaaaaaaa2",
      "acc-aaaaaaaaaaaaaaa1",
    ]);
    await expect(repository.list({ limit: 2, cursor: "bm90LWEtY3Vyc29y" })).rejects.toBeInstanceOf(InvalidInput);
    await expect(repository.list({ limit: 2, cursor: "%%%" })).rejects.toBeInstanceOf(InvalidInput);
  });
});
