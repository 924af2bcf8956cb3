import type { AccountRepository } from "../accounts/account.ts";
import { AccountNeeds } from "../accounts/account-needs.ts";
import { PLAYBACK_ANSWER_TTL_MS, type PlaybackSigner } from "../channels/playback.ts";
import { RecentReads } from "../recent-reads.ts";
import { newId } from "../ids.ts";
import { Conflict, NotFound } from "../errors.ts";
import type { ObjectStore } from "../recordings/recording.ts";
import { CreateMediaInput, keyToUrlPath, type Media, type MediaRepository, mediaKey, type UploadSigner } from "./media.ts";

export interface MediaLibraryDeps {
  media: MediaRepository;
  accounts: Pick<AccountRepository, "get">;
  store: ObjectStore;
  uploads: UploadSigner;
  signer: PlaybackSigner;
  uploadTtlMs?: number;
  playbackTtlMs?: number;
  now?: () => Date;
}

/** The account's own files, uploaded straight into its bucket under media/<mediaId>/<name>. */
export function MediaLibrary(deps: MediaLibraryDeps) {
  const now = () => deps.now?.() ?? new Date();
  const uploadTtlMs = deps.uploadTtlMs ?? 15 * 60_000;
  const playbackTtlMs = deps.playbackTtlMs ?? 60 * 60_000;
  const playbackAnswers = new RecentReads<{ mediaId: string; url: string; expiresAt: string }>({ ttlMs: PLAYBACK_ANSWER_TTL_MS, now: () => now().getTime() });

  const needs = AccountNeeds(deps.accounts);

  /** An UPLOADING item turns READY, with its size, once its object is in the bucket. */
  async function settle(media: Media): Promise<Media> {
    if (media.status !== "UPLOADING") return media;
    const sizeBytes = await deps.store.size(await needs.bucket(media.accountId), media.key);
    if (sizeBytes === undefined) return media;
    const ready = await deps.media.update(media.id, { status: "READY", sizeBytes, updatedAt: now().toISOString() }, ["UPLOADING"]);
    return ready ?? (await deps.media.get(media.accountId, media.id)) ?? media;
  }

  async function get(accountId: string, mediaId: string): Promise<Media> {
    const media = await deps.media.get(accountId, mediaId);
    if (!media) throw new NotFound("media", mediaId);
    return settle(media);
  }

  return {
    get,

    async list(accountId: string): Promise<Media[]> {
      return Promise.all((await deps.media.list(accountId)).map(settle));
    },

    /** Stores the item as UPLOADING and returns where to PUT the file, for the next 15 minutes. */
    async create(accountId: string, input: CreateMediaInput) {
      const { name, contentType } = CreateMediaInput.parse(input);
      const account = await needs.active(accountId, "media needs");
      const timestamp = now();
      const id = newId("media");
      const media: Media = {
        id,
        accountId,
        name,
        contentType,
        status: "UPLOADING",
        key: mediaKey(id, name),
        createdAt: timestamp.toISOString(),
        updatedAt: timestamp.toISOString(),
      };
      const expiresAt = new Date(timestamp.getTime() + uploadTtlMs);
      // Signed first: a signer that fails leaves no item behind that could never be uploaded.
      const { url, headers } = await deps.uploads.presignPut(account.bucketName, media.key, contentType, expiresAt);
      await deps.media.create(media);
      return { media, upload: { url, method: "PUT" as const, headers, expiresAt: expiresAt.toISOString() } };
    },

    /** A CloudFront signed URL (canned policy) to the file, once it is READY. */
    playback(accountId: string, mediaId: string, expiresInSeconds?: number) {
      return playbackAnswers.read(`${accountId}/${mediaId}/${expiresInSeconds ?? ""}`, async () => {
        const media = await get(accountId, mediaId);
        if (media.status !== "READY") throw new Conflict(`media ${mediaId} is ${media.status}; it plays once READY`, { status: media.status });
        const cdnBaseUrl = await needs.cdn(accountId);
        const expiresAt = new Date(now().getTime() + (expiresInSeconds ? expiresInSeconds * 1000 : playbackTtlMs));
        const url = await deps.signer.signUrl(accountId, `${cdnBaseUrl}/${keyToUrlPath(media.key)}`, expiresAt);
        return { mediaId, url, expiresAt: expiresAt.toISOString() };
      });
    },

    /** Deletes the object (if it ever arrived), then the item. */
    async remove(accountId: string, mediaId: string): Promise<void> {
      const media = await deps.media.get(accountId, mediaId);
      if (!media) throw new NotFound("media", mediaId);
      await deps.store.delete(await needs.bucket(accountId), media.key);
      await playbackAnswers.writing((key) => key.startsWith(`${accountId}/${mediaId}/`), () => deps.media.remove(media.id));
    },
  };
}

export type MediaLibrary = ReturnType<typeof MediaLibrary>;
