import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { conditionalUpdate } from "./update.ts";
import { Account, type AccountChanges, Conflict, InvalidInput, type AccountPage, type AccountRepository, type AccountStatus } from "@visionstream/core";

const accountKey = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" });
const apiKeyKey = (hash: string) => ({ pk: `APIKEY#${hash}`, sk: "APIKEY" });
const ACCOUNTS = "ACCOUNTS";

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;
}

export class ConcurrentKeyChange extends Conflict {
  override name = "ConcurrentKeyChange";
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (typeof key === "object" && key !== null && (key as { gsi1pk?: unknown }).gsi1pk === ACCOUNTS)
      return key as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new InvalidInput("cursor", "is not a cursor this API returned", "query");
}

function toAccount(item: Record<string, unknown>): Account {
  return Account.parse(item);
}

export class DynamoAccountRepository implements AccountRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * No transactions (dynalite has none, and a key item without its account is inert):
   * the account item's apiKeyHash is what makes a key valid, so it is always written last.
   */
  async create(account: Account, apiKeyHash: string): Promise<void> {
    await this.putKeyItem(account.id, apiKeyHash, account.createdAt);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...accountKey(account.id), gsi1pk: ACCOUNTS, gsi1sk: `${account.createdAt}#${account.id}`, ...account, apiKeyHash },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(accountId: string): Promise<Account | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: accountKey(accountId), ConsistentRead: true }),
    );
    return Item ? toAccount(Item) : undefined;
  }

  async list({ limit, cursor }: { limit: number; cursor?: string }): Promise<AccountPage> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :accounts",
        ExpressionAttributeValues: { ":accounts": ACCOUNTS },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    return { accounts: Items.map(toAccount), cursor: encodeCursor(LastEvaluatedKey) };
  }

  async transition(accountId: string, from: readonly AccountStatus[], changes: AccountChanges): Promise<Account | undefined> {
    const item = await conditionalUpdate(this.client, {
      tableName: this.tableName,
      key: accountKey(accountId),
      changes,
      condition: { field: "status", allowed: from },
    });
    return item ? toAccount(item) : undefined;
  }

  private async currentKeyHash(accountId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: accountKey(accountId), ConsistentRead: true, ProjectionExpression: "apiKeyHash" }),
    );
    return Item?.apiKeyHash as string | undefined;
  }

  private async putKeyItem(accountId: string, apiKeyHash: string, createdAt: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...apiKeyKey(apiKeyHash), accountId, createdAt },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  private async deleteKeyItem(apiKeyHash: string | undefined): Promise<void> {
    if (apiKeyHash) await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: apiKeyKey(apiKeyHash) }));
  }

  /** Switches the account's valid key in one conditional write; key items before and after are bookkeeping. */
  private async swapKey(accountId: string, previous: string | undefined, next: string | undefined): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountKey(accountId),
          UpdateExpression: next ? "SET apiKeyHash = :next" : "REMOVE apiKeyHash",
          // A new key only for an account that is not being deleted: a rotation racing a deletion loses.
          ConditionExpression: [
            previous ? "apiKeyHash = :previous" : "attribute_exists(pk) AND attribute_not_exists(apiKeyHash)",
            ...(next ? ["#status IN (:provisioning, :active, :failed)"] : []),
          ].join(" AND "),
          ...(next ? { ExpressionAttributeNames: { "#status": "status" } } : {}),
          ExpressionAttributeValues: {
            ...(next ? { ":next": next, ":provisioning": "PROVISIONING", ":active": "ACTIVE", ":failed": "FAILED" } : {}),
            ...(previous ? { ":previous": previous } : {}),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentKeyChange(`the API key of ${accountId} changed meanwhile; try again`);
      throw error;
    }
  }

  async replaceApiKey(accountId: string, apiKeyHash: string): Promise<void> {
    const previous = await this.currentKeyHash(accountId);
    await this.putKeyItem(accountId, apiKeyHash, new Date().toISOString());
    await this.swapKey(accountId, previous, apiKeyHash);
    await this.deleteKeyItem(previous);
  }

  async revokeApiKeys(accountId: string): Promise<void> {
    const previous = await this.currentKeyHash(accountId);
    if (!previous) return;
    await this.swapKey(accountId, previous, undefined);
    await this.deleteKeyItem(previous);
  }

  async accountIdForApiKey(apiKeyHash: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: apiKeyKey(apiKeyHash), ConsistentRead: true }));
    const accountId = Item?.accountId as string | undefined;
    if (!accountId) return undefined;
    return (await this.currentKeyHash(accountId)) === apiKeyHash ? accountId : undefined;
  }
}
