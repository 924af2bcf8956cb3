import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";

/** Every item a query matches, page after page. */
export async function queryAll(client: DynamoDBDocumentClient, input: Omit<QueryCommandInput, "ExclusiveStartKey">): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const { Items = [], LastEvaluatedKey } = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...Items);
    start = LastEvaluatedKey;
  } while (start);
  return items;
}

/** Everything listed under one gsi1 partition (an account's items of a kind), newest first: gsi1sk starts with the creation time. */
export function queryNewestFirst(client: DynamoDBDocumentClient, tableName: string, gsi1pk: string): Promise<Record<string, unknown>[]> {
  return queryAll(client, {
    TableName: tableName,
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :partition",
    ExpressionAttributeValues: { ":partition": gsi1pk },
    ScanIndexForward: false,
  });
}
