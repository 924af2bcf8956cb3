import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClient } from "./client.ts";
import { ConsistentReads, type Key } from "./consistent-reads.ts";
import { startTestTables, type TestTables } from "./testing.ts";

const TABLE = "reads-test";
let tables: TestTables;
let client: DynamoDBDocumentClient;
/** What the client sent, by command name, while a test ran. */
const sent: string[] = [];
/** The keys of each BatchGetItem sent; how many more of their answers leave all but one key unprocessed. */
const batchInputs: Key[][] = [];
let unprocessedAnswers = 0;
/** While set, every answer waits for it. */
let held: Promise<void> | undefined;
/** GetItem of this partition key fails, as a throttled read does after the SDK's retries. */
let failingPk: string | undefined;
const nextRound = () => new Promise((resolve) => setImmediate(resolve));

const key = (n: number): Key => ({ pk: `REC#${n}`, sk: "REC" });

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: "reads-idempotency" });
  client = documentClient(tables.client);
  client.middlewareStack.add((next, context) => async (args) => {
    sent.push(String(context.commandName));
    if (context.commandName === "GetItemCommand" && (args.input as { Key: Key }).Key.pk === failingPk) throw new Error(`throttled reading ${failingPk}`);
    const result = await next(args);
    await held;
    return result;
  }, { step: "initialize", name: "countCommands" });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== "BatchGetItemCommand") return result;
      const request = (args.input as { RequestItems: Record<string, { Keys: Key[] }> }).RequestItems[TABLE]!;
      batchInputs.push(request.Keys.map(({ pk, sk }) => ({ pk, sk })));
      if (unprocessedAnswers > 0) {
        unprocessedAnswers--;
        const output = result.output as { Responses?: Record<string, Record<string, unknown>[]>; UnprocessedKeys?: Record<string, { Keys: Key[] }> };
        const kept = request.Keys[0]!;
        output.Responses = { [TABLE]: (output.Responses?.[TABLE] ?? []).filter((item) => item.pk === kept.pk) };
        output.UnprocessedKeys = { [TABLE]: { Keys: request.Keys.slice(1) } };
      }
      return result;
    },
    { step: "initialize", name: "unprocessedKeys" },
  );
  for (let n = 0; n < 250; n++) await client.send(new PutCommand({ TableName: TABLE, Item: { ...key(n), n, nested: { list: [n] } } }));
  sent.length = 0;
});

afterAll(() => tables.close());

describe("ConsistentReads against dynalite", () => {
  it("sends a read alone as the GetItem it always was (ConsistentRead)", async () => {
    sent.length = 0;
    const item = await ConsistentReads.of(client, TABLE).read(key(7));

    expect(item).toMatchObject({ ...key(7), n: 7 });
    expect(sent).toEqual(["GetItemCommand"]);
  });

  it("gathers the reads of one moment into BatchGetItem requests of at most 100 keys, each caller answered with its own item or nothing", async () => {
    sent.length = 0;
    const reads = ConsistentReads.of(client, TABLE);
    const keys = [...Array.from({ length: 240 }, (_, n) => key(n)), { pk: "REC#missing", sk: "REC" }];
    const answers = await Promise.all(keys.map((k) => reads.read(k)));

    expect(answers.slice(0, 240).map((item) => item?.n)).toEqual(Array.from({ length: 240 }, (_, n) => n));
    expect(answers[240]).toBeUndefined();
    expect(sent).toEqual(["BatchGetItemCommand", "BatchGetItemCommand", "BatchGetItemCommand"]);
  });

  it("reads a key asked for twice in one moment once, and gives each caller a copy of its own", async () => {
    sent.length = 0;
    const reads = ConsistentReads.of(client, TABLE);
    const [first, second, other] = await Promise.all([reads.read(key(3)), reads.read(key(3)), reads.read(key(4))]);
    (first!.nested as { list: number[] }).list.push(99);

    expect(second).toEqual({ ...key(3), n: 3, nested: { list: [3] } });
    expect(other?.n).toBe(4);
    expect(sent).toEqual(["BatchGetItemCommand"]);
  });

  it("holds what is asked for while two rounds are out, and sends it together when one ends", async () => {
    sent.length = 0;
    batchInputs.length = 0;
    let release!: () => void;
    held = new Promise((resolve) => (release = resolve));
    const reads = ConsistentReads.of(client, TABLE);

    const first = reads.read(key(21));
    await nextRound();
    const second = reads.read(key(22));
    await nextRound();
    const later = [23, 24, 25].map((n) => reads.read(key(n)));
    for (let round = 0; round < 5; round++) await nextRound();
    const sentWhileHeld = [...sent];
    held = undefined;
    release();
    const answers = await Promise.all([first, second, ...later]);

    expect(sentWhileHeld).toEqual(["GetItemCommand", "GetItemCommand"]);
    expect(answers.map((item) => item?.n)).toEqual([21, 22, 23, 24, 25]);
    expect(sent).toEqual(["GetItemCommand", "GetItemCommand", "BatchGetItemCommand"]);
    expect(batchInputs).toEqual([[key(23), key(24), key(25)]]);
  });

  it("holds nothing longer than 200 ms behind rounds that hang", async () => {
    sent.length = 0;
    let release!: () => void;
    held = new Promise((resolve) => (release = resolve));
    const reads = ConsistentReads.of(client, TABLE);
    const hanging = [reads.read(key(41))];
    await nextRound();
    hanging.push(reads.read(key(42)));
    await nextRound();
    const askedAt = performance.now();
    const later = reads.read(key(43)).then((item) => ({ item, afterMs: performance.now() - askedAt }));
    await new Promise((resolve) => setTimeout(resolve, 350));
    const sentBeforeRelease = [...sent];
    held = undefined;
    release();
    const [{ item, afterMs }] = await Promise.all([later, ...hanging]);

    expect(sentBeforeRelease).toEqual(["GetItemCommand", "GetItemCommand", "GetItemCommand"]);
    expect(item?.n).toBe(43);
    expect(afterMs).toBeGreaterThanOrEqual(190);
  });

  it("is one gatherer per client and table: the reads of every repository go out together", () => {
    expect(ConsistentReads.of(client, TABLE)).toBe(ConsistentReads.of(client, TABLE));
    expect(ConsistentReads.of(client, "other")).not.toBe(ConsistentReads.of(client, TABLE));
  });

  it("answers every caller of a round that failed with the error", async () => {
    const reads = ConsistentReads.of(client, "no-such-table");
    const outcomes = await Promise.allSettled([reads.read(key(1)), reads.read(key(2))]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/ResourceNotFound|non-existent table|not found/i);
  });
});

describe("ConsistentReads when DynamoDB leaves keys unprocessed", () => {
  it("asks for them again, then one by one with GetItem, so that nothing is left unread", async () => {
    // DynamoDB leaves keys unprocessed when a table is throttled, which dynalite never is: the answers of the first
    // three BatchGetItem requests keep one item and hand the rest back as unprocessed, as DynamoDB would.
    unprocessedAnswers = 3;
    batchInputs.length = 0;
    sent.length = 0;
    const reads = ConsistentReads.of(client, TABLE);

    const answers = await Promise.all([11, 12, 13, 14].map((n) => reads.read(key(n))));

    expect(answers.map((item) => item?.n)).toEqual([11, 12, 13, 14]);
    expect(batchInputs).toEqual([[key(11), key(12), key(13), key(14)], [key(12), key(13), key(14)], [key(13), key(14)]]);
    expect(sent).toEqual(["BatchGetItemCommand", "BatchGetItemCommand", "BatchGetItemCommand", "GetItemCommand"]);
  });

  it("answers each key as soon as it came back, and fails only the caller whose own read failed", async () => {
    unprocessedAnswers = 3;
    failingPk = key(34).pk;
    const answered: number[] = [];
    /** How many requests had been sent when each key was answered. */
    const sentWhenAnswered: number[] = [];
    sent.length = 0;
    const reads = ConsistentReads.of(client, TABLE);
    try {
      const outcomes = await Promise.allSettled(
        [31, 32, 33, 34].map((n) =>
          reads.read(key(n)).then((item) => {
            answered.push(n);
            sentWhenAnswered.push(sent.length);
            return item;
          }),
        ),
      );

      expect(outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value?.n : String(outcome.reason)))).toEqual([31, 32, 33, "Error: throttled reading REC#34"]);
      // Each request answered one key; the last key left unprocessed was read alone, and failed.
      expect(answered).toEqual([31, 32, 33]);
      expect(sentWhenAnswered.slice(0, 2)).toEqual([1, 2]);
    } finally {
      failingPk = undefined;
    }
  });
});
