import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";

export interface ConditionalUpdate {
  tableName: string;
  key: Record<string, string>;
  changes: Record<string, unknown>;
  condition?: { field: string; allowed: readonly string[] };
  /**
   * Only while `field` still has `value` (optimistic concurrency: nobody wrote the item since it was read); `field` may
   * be a path into a map ("command.requestedAt").
   */
  unchanged?: { field: string; value: string };
}

/**
 * Sets the defined fields and removes the undefined ones, on an existing item, optionally only while
 * `field` is one of `allowed`. Returns the item after the update, or undefined when the condition failed.
 */
export async function conditionalUpdate(client: DynamoDBDocumentClient, input: ConditionalUpdate): Promise<Record<string, unknown> | undefined> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(input.changes).forEach(([field, value], index) => {
    names[`#f${index}`] = field;
    if (value === undefined) removes.push(`#f${index}`);
    else {
      values[`:v${index}`] = value;
      sets.push(`#f${index} = :v${index}`);
    }
  });
  let condition = "attribute_exists(pk)";
  if (input.condition) {
    names["#condition"] = input.condition.field;
    input.condition.allowed.forEach((allowed, index) => (values[`:allowed${index}`] = allowed));
    condition += ` AND #condition IN (${input.condition.allowed.map((_, index) => `:allowed${index}`).join(", ")})`;
  }
  if (input.unchanged) {
    const path = input.unchanged.field.split(".").map((part, index) => {
      names[`#unchanged${index}`] = part;
      return `#unchanged${index}`;
    });
    values[":unchanged"] = input.unchanged.value;
    condition += ` AND ${path.join(".")} = :unchanged`;
  }
  const update = [sets.length ? `SET ${sets.join(", ")}` : "", removes.length ? `REMOVE ${removes.join(", ")}` : ""].join(" ").trim();
  try {
    const { Attributes } = await client.send(
      new UpdateCommand({
        TableName: input.tableName,
        Key: input.key,
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ReturnValues: "ALL_NEW",
      }),
    );
    return Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
