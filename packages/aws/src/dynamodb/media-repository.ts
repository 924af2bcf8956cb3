import { Media, type MediaChanges, type MediaRepository, type MediaStatus } from "@visionstream/core/media/media";
import { listedItem, TableRepository } from "./table.ts";

const mediaItemKey = (mediaId: string) => ({ pk: `MEDIA#${mediaId}`, sk: "MEDIA" });
const byAccount = (accountId: string) => `ACCOUNT#${accountId}#MEDIA`;

/** A media item is one item keyed by its id, listed per account (newest first) through gsi1. */
export class DynamoMediaRepository extends TableRepository implements MediaRepository {
  async create(media: Media): Promise<void> {
    await this.table.create(listedItem(mediaItemKey(media.id), byAccount(media.accountId), media));
  }

  get(accountId: string, mediaId: string): Promise<Media | undefined> {
    return this.table.getOfAccount(Media, mediaItemKey(mediaId), accountId);
  }

  list(accountId: string): Promise<Media[]> {
    return this.table.newestFirst(Media, byAccount(accountId));
  }

  update(mediaId: string, changes: MediaChanges, from?: readonly MediaStatus[]): Promise<Media | undefined> {
    return this.table.update(Media, { key: mediaItemKey(mediaId), changes, condition: from ? { field: "status", allowed: from } : undefined });
  }

  remove(mediaId: string): Promise<void> {
    return this.table.delete(mediaItemKey(mediaId));
  }
}
