import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AwsConfig } from "../config.ts";
import type { RuntimeAdapters, SharedRepositories } from "../domain.ts";
import type { Port } from "../function-adapters.ts";

/** What an adapter of a function's container is made from: the configuration, the table's client, the repositories. */
export interface AwsContext {
  config: AwsConfig;
  dynamo: DynamoDBClient;
  repositories: SharedRepositories;
}

/** Makes one port's adapter; each lives in a module of its own, so that a bundle holds the AWS clients it wires only. */
export type AdapterFactory<P extends Port> = (context: AwsContext) => RuntimeAdapters[P];
