import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { tableDefinitions } from "./tables.ts";

export interface DynamoSettings {
  region: string;
  /** Set for dynalite; unset in AWS. */
  endpoint?: string;
}

export function dynamoClient({ region, endpoint }: DynamoSettings): DynamoDBClient {
  return new DynamoDBClient({
    region,
    ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Creates the tables where no stack does (dynalite). Existing tables are left as they are. */
export async function ensureTables(client: DynamoDBClient, names: { table: string; idempotencyTable: string }): Promise<void> {
  for (const definition of tableDefinitions(names)) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
}
