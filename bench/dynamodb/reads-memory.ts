/**
 * The local DynamoDB's memory under the runtime's kind of traffic: writes with queries among them (20 items of 1 kB
 * written per query, each query cut by Limit), on the on-disk store, for SECONDS (150) in a process of its own, with the
 * runtime's fix (each read closes its LevelDB iterator, packages/local/src/dynamodb/level-iterators.ts) and without it
 * (dynalite as it comes: no read's iterator is ever closed, and each pins LevelDB's memory of its moment). Prints the
 * process's RSS after the table is made and at the end, for each.
 *
 *   npx tsx bench/dynamodb/reads-memory.ts      # SECONDS=150; about 5 min
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeLevelIteratorsOnReturn } from "@visionstream/local/dynamodb/level-iterators";
import { loadAverage } from "../common.ts";

const SECONDS = Number(process.env.SECONDS ?? 150);
const rssMb = () => process.memoryUsage().rss / 1e6;

interface Figures {
  mode: string;
  items: number;
  queries: number;
  startMb: number;
  endMb: number;
}

async function run(mode: "fixed" | "as-shipped"): Promise<Figures> {
  if (mode === "fixed") closeLevelIteratorsOnReturn();
  const directory = mkdtempSync(join(tmpdir(), "visionstream-bench-reads-"));
  const server = dynalite({ path: directory, createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  const client = new DynamoDBClient({ region: "eu-west-1", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  await client.send(
    new CreateTableCommand({
      TableName: "items",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }],
    }),
  );
  const body = "x".repeat(1_000);
  const startMb = rssMb();
  const started = performance.now();
  let items = 0;
  let queries = 0;
  while (performance.now() - started < SECONDS * 1000) {
    for (let write = 0; write < 20; write++) {
      await client.send(new PutItemCommand({ TableName: "items", Item: { pk: { S: `p${items % 50}` }, sk: { S: String(items).padStart(9, "0") }, body: { S: body } } }));
      items++;
    }
    await client.send(new QueryCommand({ TableName: "items", KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: `p${queries % 50}` } }, Limit: 10 }));
    queries++;
  }
  const figures = { mode, items, queries, startMb, endMb: rssMb() };
  client.destroy();
  server.close();
  rmSync(directory, { recursive: true, force: true });
  return figures;
}

const mode = process.argv[2];
if (mode === "fixed" || mode === "as-shipped") {
  console.log(JSON.stringify(await run(mode)));
  process.exit(0);
}
console.log(`load average before: ${loadAverage()}; ${SECONDS} s per mode, each in a process of its own ...`);
for (const each of ["as-shipped", "fixed"] as const) {
  const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, each], { encoding: "utf8", env: process.env, maxBuffer: 16 * 1024 * 1024 });
  const last = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !last.startsWith("{")) throw new Error(`${each} exited with ${child.status}: ${child.stderr.slice(-2_000)}`);
  const figures = JSON.parse(last) as Figures;
  console.log(
    `${figures.mode.padEnd(10)}: ${figures.items} items written, ${figures.queries} queries; RSS ${figures.startMb.toFixed(0)} -> ${figures.endMb.toFixed(0)} MB ` +
      `(+${(figures.endMb - figures.startMb).toFixed(0)} MB, ${(((figures.endMb - figures.startMb) / figures.queries) * 1000).toFixed(1)} kB per query)`,
  );
}
