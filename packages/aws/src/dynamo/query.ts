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
