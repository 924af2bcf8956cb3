import { createHash } from "node:crypto";
import { z } from "zod";
import { idFrom, RecordingId } from "../ids.ts";

export const RecordingStatus = z.enum(["RECORDING", "ASSEMBLING", "READY", "FAILED"]);
export type RecordingStatus = z.infer<typeof RecordingStatus>;

/**
 * A stretch of the session that is not in the recording: no input from the broadcaster, segments that never arrived,
 * media still queued for the transcoder when a stop reached its drain bound, or media lost to a transcoder restart.
 */
export const GapReason = z.enum(["missing-segments", "no-input", "transcoder-behind", "engine-restart"]);
export const Gap = z.object({
  reason: GapReason,
  /** ISO times, as far as the events tell (to the millisecond when the engine reported the gap itself). */
  from: z.string(),
  to: z.string().optional(),
  /** The media missing, when the engine measured it. */
  lostMs: z.number().int().nonnegative().optional(),
  /** For missing segments: the sequence numbers that never arrived. */
  fromSequence: z.number().int().optional(),
  toSequence: z.number().int().optional(),
});
export type Gap = z.infer<typeof Gap>;

export const Recording = z.object({
  id: RecordingId,
  accountId: z.string(),
  channelId: z.string(),
  sessionId: z.string(),
  status: RecordingStatus,
  /** The rendition the MP4 is made from (the ladder's highest). */
  rendition: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  gaps: z.array(Gap),
  attempts: z.number().int().nonnegative(),
  jobId: z.string().optional(),
  durationMs: z.number().int().nonnegative().optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  /** vod/<recordingId>.mp4 once READY. */
  mp4Key: z.string().optional(),
  failureReason: z.string().optional(),
});
export type Recording = z.infer<typeof Recording>;

export const vodKey = (recordingId: string) => `vod/${recordingId}.mp4`;
export const recordingPrefix = (channelId: string, sessionId: string) => `recordings/${channelId}/${sessionId}/`;

/** One id per channel session, so that every event of a session finds the same recording. */
export function recordingIdOf(channelId: string, sessionId: string): string {
  return idFrom("recording", createHash("sha256").update(`${channelId}/${sessionId}`).digest());
}

/** The local engine: recordings/<channelId>/<sessionId>/<rendition>/<name>_<sequence>.ts */
const RENDITION_FOLDER_SEGMENT = /^recordings\/(ch-[a-z0-9]{16})\/([^/]+)\/([a-z0-9]+)\/[^/]*?(\d+)\.ts$/;
/**
 * MediaLive, whose S3 destinations put all renditions in one folder per pipeline:
 * recordings/<channelId>/<sessionId>/pipeline-0/index_<rendition>_<sequence>.ts. The recording is pipeline 0's;
 * a STANDARD channel's pipeline-1/ copy is no segment of it.
 */
const PIPELINE_FOLDER_SEGMENT = /^recordings\/(ch-[a-z0-9]{16})\/([^/]+)\/pipeline-0\/index_([a-z0-9]+)_(\d+)\.ts$/;

/** A recorded segment's key, in either engine's layout; undefined for any other key. */
export function parseSegmentKey(key: string) {
  const match = RENDITION_FOLDER_SEGMENT.exec(key) ?? PIPELINE_FOLDER_SEGMENT.exec(key);
  if (!match) return undefined;
  return { channelId: match[1]!, sessionId: match[2]!, rendition: match[3]!, sequence: Number(match[4]) };
}

export interface IndexedSegment {
  sequence: number;
  size: number;
  etag: string;
  /** When the segment was written (the event's time). */
  at: string;
}

export interface RecordingRepository {
  /** Creates the recording unless it exists; returns the stored one either way. */
  ensure(recording: Recording): Promise<Recording>;
  get(accountId: string, recordingId: string): Promise<Recording | undefined>;
  /** Finds a recording by id alone (job events name only the recording). */
  find(recordingId: string): Promise<Recording | undefined>;
  list(accountId: string, channelId?: string): Promise<Recording[]>;
  /**
   * Changes a recording, only while its status is one of `from` and, with unchangedSince, while its updatedAt is still
   * that (nobody changed it since it was read); undefined when it is missing or a condition failed.
   */
  update(
    recordingId: string,
    changes: Partial<Omit<Recording, "id" | "accountId" | "channelId" | "sessionId" | "createdAt">>,
    from?: readonly RecordingStatus[],
    unchangedSince?: string,
  ): Promise<Recording | undefined>;
  /** Idempotent: the same segment twice is one entry. */
  putSegment(recordingId: string, segment: IndexedSegment): Promise<void>;
  segments(recordingId: string): Promise<IndexedSegment[]>;
  remove(recordingId: string): Promise<void>;
}

export interface AssemblyRequest {
  recordingId: string;
  accountId: string;
  bucketName: string;
  /**
   * recordings/<channelId>/<sessionId>/<rendition>/: the rendition of the session to join (the local engine's folder;
   * the AWS assembler finds MediaLive's playlist of that rendition from it)
   */
  sourcePrefix: string;
  /** vod/<recordingId>.mp4 */
  outputKey: string;
  /** 1 for the first try; a retry gets a new job. */
  attempt: number;
}

/**
 * Joins a recording's segments into one MP4 without re-encoding: MediaConvert in AWS, ffmpeg locally.
 * The end arrives as a "MediaConvert Job State Change" event (COMPLETE or ERROR) whose userMetadata carries
 * recordingId and accountId. Idempotent by recording id and attempt: asking again never starts a second job.
 */
export interface VodAssembler {
  assemble(request: AssemblyRequest): Promise<{ jobId: string }>;
}

/** What the domain needs of the object store (S3, or the bucket directories locally). */
export interface ObjectStore {
  put(bucketName: string, key: string, body: string, contentType: string): Promise<void>;
  size(bucketName: string, key: string): Promise<number | undefined>;
  deletePrefix(bucketName: string, prefix: string): Promise<void>;
  delete(bucketName: string, key: string): Promise<void>;
}
