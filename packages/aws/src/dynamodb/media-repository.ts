import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Media, type MediaChanges, type MediaRepository, type MediaStatus } from "@visionstream/core/media/media";
import { queryNewestFirst } from "./query.ts";
import { conditionalUpdate } from "./update.ts";

const mediaItemKey = (mediaId: string) => ({ pk: `MEDIA#${mediaId}`, sk: "MEDIA" });
const byAccount = (accountId: string) => `ACCOUNT#${accountId}#MEDIA`;

/** A media item is one item keyed by its id, listed per account (newest first) through gsi1. */
export class DynamoMediaRepository implements MediaRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(media: Media): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...mediaItemKey(media.id), gsi1pk: byAccount(media.accountId), gsi1sk: `${media.createdAt}#${media.id}`, ...media },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(accountId: string, mediaId: string): Promise<Media | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: mediaItemKey(mediaId), ConsistentRead: true }));
    const media = Item ? Media.parse(Item) : undefined;
    return media?.accountId === accountId ? media : undefined;
  }

  async list(accountId: string): Promise<Media[]> {
    const items = await queryNewestFirst(this.client, this.tableName, byAccount(accountId));
    return items.map((item) => Media.parse(item));
  }

  async update(mediaId: string, changes: MediaChanges, from?: readonly MediaStatus[]): Promise<Media | undefined> {
    const item = await conditionalUpdate(this.client, {
      tableName: this.tableName,
      key: mediaItemKey(mediaId),
      changes,
      condition: from ? { field: "status", allowed: from } : undefined,
    });
    return item ? Media.parse(item) : undefined;
  }

  async remove(mediaId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: mediaItemKey(mediaId) }));
  }
}
