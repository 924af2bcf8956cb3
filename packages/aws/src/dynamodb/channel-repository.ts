import { type DynamoDBDocumentClient, GetCommand, PutCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { Channel, type ChannelRepository, type ChannelState } from "@visionstream/core";
import { queryAll } from "./query.ts";
import { conditionalUpdate } from "./update.ts";

const channelKey = (accountId: string, channelId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `CHANNEL#${channelId}` });
const engineKey = (engineChannelId: string) => ({ pk: `ENGINECHANNEL#${engineChannelId}`, sk: "ENGINECHANNEL" });
const stateIndex = (state: ChannelState) => `CHANNELSTATE#${state}`;

export class DynamoChannelRepository implements ChannelRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(channel: Channel): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...channelKey(channel.accountId, channel.id), gsi1pk: stateIndex(channel.state), gsi1sk: channel.id, ...channel },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(accountId: string, channelId: string): Promise<Channel | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelKey(accountId, channelId), ConsistentRead: true }),
    );
    return Item ? Channel.parse(Item) : undefined;
  }

  private async queryAll(query: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): Promise<Channel[]> {
    return (await queryAll(this.client, { ...query, TableName: this.tableName })).map((item) => Channel.parse(item));
  }

  async list(accountId: string): Promise<Channel[]> {
    const channels = await this.queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :channel)",
      ExpressionAttributeValues: { ":pk": `ACCOUNT#${accountId}`, ":channel": "CHANNEL#" },
    });
    return channels.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async update(
    accountId: string,
    channelId: string,
    changes: Partial<Omit<Channel, "id" | "accountId" | "createdAt">>,
    from?: readonly ChannelState[],
  ): Promise<Channel | undefined> {
    const item = await conditionalUpdate(this.client, {
      tableName: this.tableName,
      key: channelKey(accountId, channelId),
      changes: changes.state ? { ...changes, gsi1pk: stateIndex(changes.state) } : changes,
      condition: from ? { field: "state", allowed: from } : undefined,
    });
    return item ? Channel.parse(item) : undefined;
  }

  async linkEngineChannel(engineChannelId: string, accountId: string, channelId: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...engineKey(engineChannelId), accountId, channelId } }));
  }

  async findByEngineChannel(engineChannelId: string): Promise<Channel | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: engineKey(engineChannelId) }));
    return Item ? this.get(String(Item.accountId), String(Item.channelId)) : undefined;
  }

  listInState(state: ChannelState): Promise<Channel[]> {
    return this.queryAll({
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :state",
      ExpressionAttributeValues: { ":state": stateIndex(state) },
    });
  }
}
