import { type IndexedSegment, Recording, type RecordingRepository, type RecordingStatus } from "@visionstream/core";
import { type Key, listedItem, NEW_KEY, TableRepository } from "./table.ts";

const recordingKey = (recordingId: string) => ({ pk: `RECORDING#${recordingId}`, sk: "RECORDING" });
const segmentKey = (recordingId: string, sequence: number) => ({ pk: `RECORDING#${recordingId}`, sk: `SEG#${String(sequence).padStart(10, "0")}` });
const byAccount = (accountId: string) => `ACCOUNT#${accountId}#RECORDINGS`;

/**
 * A recording is one item keyed by its id (events name only the id, and need strongly consistent reads);
 * its segments are items beside it, one per segment of the rendition it is made from.
 */
export class DynamoRecordingRepository extends TableRepository implements RecordingRepository {
  async ensure(recording: Recording): Promise<Recording> {
    const created = await this.table.putIf(listedItem(recordingKey(recording.id), byAccount(recording.accountId), recording), NEW_KEY);
    return created ? recording : ((await this.find(recording.id)) ?? recording);
  }

  find(recordingId: string): Promise<Recording | undefined> {
    return this.table.get(Recording, recordingKey(recordingId));
  }

  get(accountId: string, recordingId: string): Promise<Recording | undefined> {
    return this.table.getOfAccount(Recording, recordingKey(recordingId), accountId);
  }

  async list(accountId: string, channelId?: string): Promise<Recording[]> {
    const recordings = await this.table.newestFirst(Recording, byAccount(accountId));
    return channelId ? recordings.filter((recording) => recording.channelId === channelId) : recordings;
  }

  update(
    recordingId: string,
    changes: Partial<Omit<Recording, "id" | "accountId" | "channelId" | "sessionId" | "createdAt">>,
    from?: readonly RecordingStatus[],
    unchangedSince?: string,
  ): Promise<Recording | undefined> {
    return this.table.update(Recording, {
      key: recordingKey(recordingId),
      changes,
      condition: from ? { field: "status", allowed: from } : undefined,
      unchanged: unchangedSince ? { field: "updatedAt", value: unchangedSince } : undefined,
    });
  }

  putSegment(recordingId: string, segment: IndexedSegment): Promise<void> {
    return this.table.put({ ...segmentKey(recordingId, segment.sequence), ...segment });
  }

  private async segmentKeys(recordingId: string): Promise<Key[]> {
    const items = await this.segmentItems(recordingId, "pk, sk");
    return items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  }

  private segmentItems(recordingId: string, projection?: string): Promise<Record<string, unknown>[]> {
    return this.table.queryItems({
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
    await this.table.deleteAll(await this.segmentKeys(recordingId));
    await this.table.delete(recordingKey(recordingId));
  }
}
