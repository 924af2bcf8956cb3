import { z } from "zod";
import { MediaId } from "../ids.ts";

export const MediaStatus = z.enum(["UPLOADING", "READY"]);
export type MediaStatus = z.infer<typeof MediaStatus>;

/** What the library accepts, by the Content-Type the upload must carry. */
export const MEDIA_CONTENT_TYPES = [
  "video/mp4",
  "video/mp2t",
  "video/quicktime",
  "video/webm",
  "audio/mpeg",
  "audio/aac",
  "audio/mp4",
  "audio/wav",
  "image/png",
  "image/jpeg",
  "image/webp",
  "application/vnd.apple.mpegurl",
  "text/vtt",
] as const;
export const MediaContentType = z.enum(MEDIA_CONTENT_TYPES);
export type MediaContentType = z.infer<typeof MediaContentType>;

/** One path segment of the object key: it can neither leave media/<mediaId>/ nor hide a control character. */
export const MediaName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\\p{Cc}]*$/u, "a file name has no /, \\ or control characters")
  .refine((name) => name !== "." && name !== "..", "a file name cannot be . or ..");

export const Media = z.object({
  id: MediaId,
  accountId: z.string(),
  name: MediaName,
  contentType: MediaContentType,
  sizeBytes: z.number().int().nonnegative().optional(),
  status: MediaStatus,
  /** media/<mediaId>/<name> in the account's bucket. */
  key: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Media = z.infer<typeof Media>;

export const CreateMediaInput = z.object({ name: MediaName, contentType: MediaContentType });
export type CreateMediaInput = z.infer<typeof CreateMediaInput>;

export const mediaKey = (mediaId: string, name: string) => `media/${mediaId}/${name}`;

/** An object key as a URL path: every segment percent-encoded, the slashes kept. */
export const keyToUrlPath = (key: string) => key.split("/").map(encodeURIComponent).join("/");

export type MediaChanges = Partial<Pick<Media, "status" | "sizeBytes" | "updatedAt">>;

/** Media items, keyed by id; listed per account, newest first. */
export interface MediaRepository {
  create(media: Media): Promise<void>;
  get(accountId: string, mediaId: string): Promise<Media | undefined>;
  list(accountId: string): Promise<Media[]>;
  /** Applies the changes, optionally only while the status is one of `from`; undefined when it was not (or the item is gone). */
  update(mediaId: string, changes: MediaChanges, from?: readonly MediaStatus[]): Promise<Media | undefined>;
  remove(mediaId: string): Promise<void>;
}

export interface PresignedUpload {
  url: string;
  /** Headers the PUT must carry exactly as given (at least Content-Type). */
  headers: Record<string, string>;
}

/** Lets a client PUT one object straight into a bucket: an S3 presigned URL, or the local CDN's signed PUT. */
export interface UploadSigner {
  presignPut(bucketName: string, key: string, contentType: string, expiresAt: Date): Promise<PresignedUpload>;
}
