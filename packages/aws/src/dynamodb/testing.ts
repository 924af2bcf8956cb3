import type { AddressInfo } from "node:net";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { dynamoClient, ensureTables } from "./client.ts";

export interface TestTables {
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** dynalite on 127.0.0.1 (a free port) with the tables made, reached with the real SDK: for one test file. */
export async function startTestTables(names: { table: string; idempotencyTable: string }, region = "local"): Promise<TestTables> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = dynamoClient({ region, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  await ensureTables(client, names);
  return {
    client,
    close: async () => {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
