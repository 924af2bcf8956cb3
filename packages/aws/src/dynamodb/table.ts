import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { InvalidInput } from "@visionstream/core/errors";
import { ConsistentReads, type Item, type Key } from "./consistent-reads.ts";
import { type ConditionalUpdate, conditionalUpdate } from "./update.ts";

export type { Item, Key };
/** What an item must be to leave the table: one of core's schemas. */
export interface Schema<T> {
  parse(item: unknown): T;
}
type Condition = Pick<PutCommandInput, "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues">;
type Query = Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">;

/** Only where no item holds the key yet. */
export const NEW_KEY: Condition = { ConditionExpression: "attribute_not_exists(pk)" };

/** The item of an entity listed under a gsi1 partition, newest first: gsi1sk starts with its creation time. */
export function listedItem<T extends { id: string; createdAt: string }>(key: Key, gsi1pk: string, entity: T) {
  return { ...key, gsi1pk, gsi1sk: `${entity.createdAt}#${entity.id}`, ...entity };
}

function newestFirstIn(gsi1pk: string, placeholder: string): Query {
  return {
    IndexName: "gsi1",
    KeyConditionExpression: `gsi1pk = ${placeholder}`,
    ExpressionAttributeValues: { [placeholder]: gsi1pk },
    ScanIndexForward: false,
  };
}

/** The one table, as the repositories use it. */
export class Table {
  private readonly consistentReads: ConsistentReads;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly name: string,
  ) {
    this.consistentReads = ConsistentReads.of(client, name);
  }

  async read(key: Key, options: Pick<GetCommandInput, "ConsistentRead" | "ProjectionExpression"> = {}): Promise<Item | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.name, Key: key, ...options }));
    return Item;
  }

  /** The item under the key, read strongly consistent (with the other reads of the same moment: ConsistentReads). */
  async get<T>(schema: Schema<T>, key: Key): Promise<T | undefined> {
    const item = await this.consistentReads.read(key);
    return item ? schema.parse(item) : undefined;
  }

  /** The item under the key while it belongs to the account. */
  async getOfAccount<T extends { accountId: string }>(schema: Schema<T>, key: Key, accountId: string): Promise<T | undefined> {
    const entity = await this.get(schema, key);
    return entity?.accountId === accountId ? entity : undefined;
  }

  async put(item: Item, condition: Condition = {}): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.name, Item: item, ...condition }));
  }

  /** A new item: throws ConditionalCheckFailedException when its key is taken. */
  create(item: Item): Promise<void> {
    return this.put(item, NEW_KEY);
  }

  /** False when the condition failed. */
  putIf(item: Item, condition: Condition): Promise<boolean> {
    return written(this.put(item, condition));
  }

  /** False when the condition failed. */
  updateIf(key: Key, update: Omit<UpdateCommandInput, "TableName" | "Key">): Promise<boolean> {
    return written(this.client.send(new UpdateCommand({ TableName: this.name, Key: key, ...update })));
  }

  /** See conditionalUpdate: the item after the update, or undefined when the condition failed. */
  async update<T>(schema: Schema<T>, update: Omit<ConditionalUpdate, "tableName">): Promise<T | undefined> {
    const item = await conditionalUpdate(this.client, { tableName: this.name, ...update });
    return item ? schema.parse(item) : undefined;
  }

  async delete(key: Key, condition: Condition = {}): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.name, Key: key, ...condition }));
  }

  /** In batches of 25, each retried up to five times while items remain unprocessed. */
  async deleteAll(keys: readonly Key[]): Promise<void> {
    for (let index = 0; index < keys.length; index += 25) {
      let pending = keys.slice(index, index + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
        const { UnprocessedItems } = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.name]: pending } }));
        pending = (UnprocessedItems?.[this.name] ?? []) as typeof pending;
      }
    }
  }

  /** Every item the query matches, page after page. */
  async queryItems(query: Query): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.client.send(new QueryCommand({ ...query, TableName: this.name, ExclusiveStartKey: start }));
      items.push(...Items);
      start = LastEvaluatedKey;
    } while (start);
    return items;
  }

  async query<T>(schema: Schema<T>, query: Query): Promise<T[]> {
    return (await this.queryItems(query)).map((item) => schema.parse(item));
  }

  /** Everything listed under one gsi1 partition (see listedItem), newest first. */
  newestFirst<T>(schema: Schema<T>, gsi1pk: string): Promise<T[]> {
    return this.query(schema, newestFirstIn(gsi1pk, ":partition"));
  }

  /** One page of newestFirst, from where the cursor of the page before ended. */
  async newestFirstPage<T>(
    schema: Schema<T>,
    gsi1pk: string,
    { limit, cursor, placeholder }: { limit: number; cursor?: string | undefined; placeholder: string },
  ): Promise<{ items: T[]; cursor: string | undefined }> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({ TableName: this.name, ...newestFirstIn(gsi1pk, placeholder), Limit: limit, ExclusiveStartKey: decodeCursor(cursor, gsi1pk) }),
    );
    return { items: Items.map((item) => schema.parse(item)), cursor: encodeCursor(LastEvaluatedKey) };
  }
}

/** A repository of items in the one table. */
export abstract class TableRepository {
  protected readonly table: Table;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = new Table(client, tableName);
  }
}

async function written(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

function encodeCursor(key: Item | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;
}

function decodeCursor(cursor: string | undefined, gsi1pk: string): Item | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (typeof key === "object" && key !== null && (key as { gsi1pk?: unknown }).gsi1pk === gsi1pk) return key as Item;
  } catch {
    // falls through to the error below
  }
  throw new InvalidInput("cursor", "is not a cursor this API returned", "query");
}
