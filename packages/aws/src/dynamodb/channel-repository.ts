import { Channel, type ChannelRepository, type ChannelState } from "@visionstream/core";
import { TableRepository } from "./table.ts";

const channelKey = (accountId: string, channelId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `CHANNEL#${channelId}` });
const engineKey = (engineChannelId: string) => ({ pk: `ENGINECHANNEL#${engineChannelId}`, sk: "ENGINECHANNEL" });
const stateIndex = (state: ChannelState) => `CHANNELSTATE#${state}`;

export class DynamoChannelRepository extends TableRepository implements ChannelRepository {
  async create(channel: Channel): Promise<void> {
    await this.table.create({ ...channelKey(channel.accountId, channel.id), gsi1pk: stateIndex(channel.state), gsi1sk: channel.id, ...channel });
  }

  get(accountId: string, channelId: string): Promise<Channel | undefined> {
    return this.table.get(Channel, channelKey(accountId, channelId));
  }

  async list(accountId: string): Promise<Channel[]> {
    const channels = await this.table.query(Channel, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :channel)",
      ExpressionAttributeValues: { ":pk": `ACCOUNT#${accountId}`, ":channel": "CHANNEL#" },
    });
    return channels.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  update(
    accountId: string,
    channelId: string,
    changes: Partial<Omit<Channel, "id" | "accountId" | "createdAt">>,
    from?: readonly ChannelState[],
    whileCommand?: string,
  ): Promise<Channel | undefined> {
    return this.table.update(Channel, {
      key: channelKey(accountId, channelId),
      changes: changes.state ? { ...changes, gsi1pk: stateIndex(changes.state) } : changes,
      condition: from ? { field: "state", allowed: from } : undefined,
      ...(whileCommand ? { unchanged: { field: "command.id", value: whileCommand } } : {}),
    });
  }

  async linkEngineChannel(engineChannelId: string, accountId: string, channelId: string): Promise<void> {
    await this.table.put({ ...engineKey(engineChannelId), accountId, channelId });
  }

  async findByEngineChannel(engineChannelId: string): Promise<Channel | undefined> {
    const link = await this.table.read(engineKey(engineChannelId));
    return link ? this.get(String(link.accountId), String(link.channelId)) : undefined;
  }

  listInState(state: ChannelState): Promise<Channel[]> {
    return this.table.query(Channel, {
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :state",
      ExpressionAttributeValues: { ":state": stateIndex(state) },
    });
  }
}
