import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type IndexedSegment, Recording, type RecordingRepository, type RecordingStatus } from "@visionstream/core";
import { queryAll, queryNewestFirst } from "./query.ts";
import { conditionalUpdate } from "./update.ts";

const recordingKey = (recordingId: string) => ({ pk: `RECORDING#${recordingId}`, sk: "RECORDING" });
const segmentKey = (recordingId: string, sequence: number) => ({ pk: `RECORDING#${recordingId}`, sk: `SEG#${String(sequence).padStart(10, "0")}` });
const byAccount = (accountId: string) => `ACCOUNT#${accountId}#RECORDINGS`;

/**
 * A recording is one item keyed by its id (events name only the id, and need strongly consistent reads);
 * its segments are items beside it, one per segment of the rendition it is made from.
 */
export class DynamoRecordingRepository implements RecordingRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async ensure(recording: Recording): Promise<Recording> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...recordingKey(recording.id), gsi1pk: byAccount(recording.accountId), gsi1sk: `${recording.createdAt}#${recording.id}`, ...recording },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return recording;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.find(recording.id)) ?? recording;
    }
  }

  async find(recordingId: string): Promise<Recording | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: recordingKey(recordingId), ConsistentRead: true }));
    return Item ? Recording.parse(Item) : undefined;
  }

  async get(accountId: string, recordingId: string): Promise<Recording | undefined> {
    const recording = await this.find(recordingId);
    return recording?.accountId === accountId ? recording : undefined;
  }

  async list(accountId: string, channelId?: string): Promise<Recording[]> {
    const items = await queryNewestFirst(this.client, this.tableName, byAccount(accountId));
    const recordings = items.map((item) => Recording.parse(item));
    return channelId ? recordings.filter((recording) => recording.channelId === channelId) : recordings;
  }

  async update(
    recordingId: string,
    changes: Partial<Omit<Recording, "id" | "accountId" | "channelId" | "sessionId" | "createdAt">>,
    from?: readonly RecordingStatus[],
    unchangedSince?: string,
  ): Promise<Recording | undefined> {
    const item = await conditionalUpdate(this.client, {
      tableName: this.tableName,
      key: recordingKey(recordingId),
      changes,
      condition: from ? { field: "status", allowed: from } : undefined,
      unchanged: unchangedSince ? { field: "updatedAt", value: unchangedSince } : undefined,
    });
    return item ? Recording.parse(item) : undefined;
  }

  async putSegment(recordingId: string, segment: IndexedSegment): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...segmentKey(recordingId, segment.sequence), ...segment } }));
  }

  private async segmentKeys(recordingId: string): Promise<{ pk: string; sk: string }[]> {
    const items = await this.segmentItems(recordingId, "pk, sk");
    return items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  }

  private segmentItems(recordingId: string, projection?: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :segment)",
      ExpressionAttributeValues: { ":pk": `RECORDING#${recordingId}`, ":segment": "SEG#" },
      ...(projection ? { ProjectionExpression: projection } : {}),
      ConsistentRead: true,
    });
  }

  async segments(recordingId: string): Promise<IndexedSegment[]> {
    return (await this.segmentItems(recordingId)).map((item) => ({
      sequence: Number(item.sequence),
      size: Number(item.size),
      etag: String(item.etag),
      at: String(item.at),
    }));
  }

  async remove(recordingId: string): Promise<void> {
    const keys = await this.segmentKeys(recordingId);
    for (let index = 0; index < keys.length; index += 25) {
      let pending = keys.slice(index, index + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
        const { UnprocessedItems } = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: recordingKey(recordingId) }));
  }
}
