import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { AbstractLevel } from "abstract-level";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type RunningDynalite, startDynalite } from "./dynalite.ts";

type Iterator = { next(): Promise<unknown> };
const made: Iterator[] = [];
let directory: string;
let dynalite: RunningDynalite;
let client: DynamoDBClient;

beforeAll(async () => {
  // Every iterator the store opens, whichever sublevel opens it.
  for (const method of ["iterator", "keys", "values"] as const) {
    const original = AbstractLevel.prototype[method] as (...args: unknown[]) => Iterator;
    vi.spyOn(AbstractLevel.prototype, method).mockImplementation(function (this: unknown, ...args: unknown[]) {
      const iterator = original.apply(this, args);
      made.push(iterator);
      return iterator as never;
    });
  }
  directory = await mkdtemp(join(tmpdir(), "visionstream-level-iterators-"));
  dynalite = await startDynalite({ path: directory });
  client = new DynamoDBClient({ region: "eu-west-1", endpoint: dynalite.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
});

afterAll(async () => {
  vi.restoreAllMocks();
  client?.destroy();
  await dynalite?.close();
  await rm(directory, { recursive: true, force: true });
});

it("every read of the on-disk store closes its iterator: queries to the end and cut by Limit, scans", async () => {
  await client.send(
    new CreateTableCommand({
      TableName: "iterators",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }],
    }),
  );
  for (let i = 0; i < 30; i++) await client.send(new PutItemCommand({ TableName: "iterators", Item: { pk: { S: "a" }, sk: { S: String(i).padStart(3, "0") } } }));
  const before = made.length;
  const query = { TableName: "iterators", KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: "a" } } };
  for (let i = 0; i < 10; i++) {
    expect((await client.send(new QueryCommand(query))).Count).toBe(30);
    expect((await client.send(new QueryCommand({ ...query, Limit: 5 }))).Count).toBe(5);
    expect((await client.send(new ScanCommand({ TableName: "iterators", Limit: 7 }))).Count).toBe(7);
  }
  const opened = made.slice(before);
  expect(opened.length).toBeGreaterThanOrEqual(30);
  // A closed iterator refuses to read; one left open would read on (and keep its LevelDB iterator and snapshot).
  await vi.waitFor(async () => {
    const open = (await Promise.all(opened.map((iterator) => iterator.next().then(() => true, () => false)))).filter(Boolean);
    expect(open.length).toBe(0);
  });
});
