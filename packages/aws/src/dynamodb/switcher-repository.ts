import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Switcher, type SwitcherRepository } from "@visionstream/core/switcher/switcher";
import { queryNewestFirst } from "./query.ts";

const switcherKey = (switcherId: string) => ({ pk: `SWITCHER#${switcherId}`, sk: "SWITCHER" });
const byAccount = (accountId: string) => `ACCOUNT#${accountId}#SWITCHER`;

/** A switcher is one item keyed by its id (flows and schedules name only the switcher), listed per account through gsi1. */
export class DynamoSwitcherRepository implements SwitcherRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private item(switcher: Switcher) {
    return { ...switcherKey(switcher.id), gsi1pk: byAccount(switcher.accountId), gsi1sk: `${switcher.createdAt}#${switcher.id}`, ...switcher };
  }

  async create(switcher: Switcher): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: this.item(switcher), ConditionExpression: "attribute_not_exists(pk)" }));
  }

  async findById(switcherId: string): Promise<Switcher | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: switcherKey(switcherId), ConsistentRead: true }));
    return Item ? Switcher.parse(Item) : undefined;
  }

  async get(accountId: string, switcherId: string): Promise<Switcher | undefined> {
    const switcher = await this.findById(switcherId);
    return switcher?.accountId === accountId ? switcher : undefined;
  }

  async list(accountId: string): Promise<Switcher[]> {
    const items = await queryNewestFirst(this.client, this.tableName, byAccount(accountId));
    return items.map((item) => Switcher.parse(item));
  }

  async put(next: Switcher): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(next),
          ConditionExpression: "attribute_exists(pk) AND #version = :previous",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":previous": next.version - 1 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async remove(accountId: string, switcherId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: switcherKey(switcherId),
        ConditionExpression: "attribute_not_exists(pk) OR accountId = :account",
        ExpressionAttributeValues: { ":account": accountId },
      }),
    );
  }
}
