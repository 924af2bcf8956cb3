import type { Media } from "@visionstream/core/media/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClient } from "./client.ts";
import { DynamoMediaRepository } from "./media-repository.ts";
import { startTestTables, type TestTables } from "./testing.ts";

let tables: TestTables;
let repository: DynamoMediaRepository;

const ACCOUNT = "acc-aaaaaaaaaaaaaaa1";
const OTHER = "acc-bbbbbbbbbbbbbbb2";

function media(id: string, accountId: string, createdAt: string): Media {
  return { id, accountId, name: "clip.mp4", contentType: "video/mp4", status: "UPLOADING", key: `media/${id}/clip.mp4`, createdAt, updatedAt: createdAt };
}

beforeAll(async () => {
  tables = await startTestTables({ table: "media-test", idempotencyTable: "idempotency-test" });
  repository = new DynamoMediaRepository(documentClient(tables.client), "media-test");
});

afterAll(() => tables.close());

describe("DynamoMediaRepository against dynalite", () => {
  it("stores an item that only its account can read, and lists each account's own, newest first", async () => {
    const first = media("med-aaaaaaaaaaaaaaa1", ACCOUNT, "2026-01-01T00:00:00.000Z");
    const second = media("med-aaaaaaaaaaaaaaa2", ACCOUNT, "2026-01-02T00:00:00.000Z");
    const foreign = media("med-bbbbbbbbbbbbbbb1", OTHER, "2026-01-03T00:00:00.000Z");
    for (const item of [first, second, foreign]) await repository.create(item);

    expect(await repository.get(ACCOUNT, first.id)).toEqual(first);
    expect(await repository.get(OTHER, first.id)).toBeUndefined();
    expect((await repository.list(ACCOUNT)).map((item) => item.id)).toEqual([second.id, first.id]);
    expect((await repository.list(OTHER)).map((item) => item.id)).toEqual([foreign.id]);
  });

  it("refuses a second item with the same id", async () => {
    const item = media("med-aaaaaaaaaaaaaaa3", ACCOUNT, "2026-01-04T00:00:00.000Z");
    await repository.create(item);

    await expect(repository.create({ ...item, accountId: OTHER })).rejects.toThrow();
    expect(await repository.get(ACCOUNT, item.id)).toEqual(item);
  });

  it("turns an item READY only while it is UPLOADING", async () => {
    const item = media("med-aaaaaaaaaaaaaaa4", ACCOUNT, "2026-01-05T00:00:00.000Z");
    await repository.create(item);

    const ready = await repository.update(item.id, { status: "READY", sizeBytes: 1234, updatedAt: "2026-01-05T00:01:00.000Z" }, ["UPLOADING"]);
    const again = await repository.update(item.id, { status: "READY", sizeBytes: 99, updatedAt: "2026-01-05T00:02:00.000Z" }, ["UPLOADING"]);

    expect(ready).toEqual({ ...item, status: "READY", sizeBytes: 1234, updatedAt: "2026-01-05T00:01:00.000Z" });
    expect(again).toBeUndefined();
    expect(await repository.update("med-missing000000000", { status: "READY" })).toBeUndefined();
  });

  it("removes an item", async () => {
    const item = media("med-aaaaaaaaaaaaaaa5", ACCOUNT, "2026-01-06T00:00:00.000Z");
    await repository.create(item);

    await repository.remove(item.id);

    expect(await repository.get(ACCOUNT, item.id)).toBeUndefined();
    expect((await repository.list(ACCOUNT)).map((listed) => listed.id)).not.toContain(item.id);
  });
});
