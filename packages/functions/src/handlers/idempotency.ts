import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IdempotencyConfig } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";

export interface IdempotencySettings {
  tableName: string;
  client: DynamoDBClient;
}

/** EventBridge delivers at least once: a second delivery of the same event (same id) is answered from the first. */
export function oncePerEvent(settings: IdempotencySettings, functionName: string) {
  return makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: settings.tableName, awsSdkV3Client: settings.client }),
    config: new IdempotencyConfig({ eventKeyJmesPath: "id", expiresAfterSeconds: 24 * 3600, throwOnNoIdempotencyKey: true }),
    keyPrefix: functionName,
  });
}
