import type { MediaConvertJobStateChange, MediaLiveChannelAlert, MediaLiveChannelStateChange, S3ObjectCreated } from "@visionstream/events";
import type { AccountRepository } from "../accounts/account.ts";
import type { ChannelRepository } from "../channels/channel.ts";
import { ALERTS_OF_INPUT_LOSS, engineChannelIdFromArn } from "../channels/channels.ts";
import { DEFAULT_LADDER, type Ladder } from "../channels/ladder.ts";
import { PLAYBACK_ANSWER_TTL_MS, type PlaybackSigner } from "../channels/playback.ts";
import { RecentReads } from "../recent-reads.ts";
import { Conflict, NotFound } from "../errors.ts";
import {
  type Gap,
  type IndexedSegment,
  type ObjectStore,
  parseSegmentKey,
  type Recording,
  type RecordingRepository,
  type RecordingStatus,
  recordingIdOf,
  recordingPrefix,
  type VodAssembler,
  vodKey,
} from "./recording.ts";

export interface RecordingsDeps {
  recordings: RecordingRepository;
  channels: Pick<ChannelRepository, "findByEngineChannel">;
  accounts: Pick<AccountRepository, "get">;
  assembler: VodAssembler;
  store: ObjectStore;
  signer: PlaybackSigner;
  ladder?: Ladder;
  playbackTtlMs?: number;
  now?: () => Date;
}

const ACCOUNT_IN_BUCKET = /(acc-[a-z0-9]{16})$/;
const RETRYABLE: readonly RecordingStatus[] = ["FAILED", "ASSEMBLING"];

/** Holes in the index: sequence numbers that never arrived, and pauses longer than a segment plus slack. */
export function gapsIn(segments: readonly IndexedSegment[], segmentSeconds: number): Gap[] {
  const gaps: Gap[] = [];
  const ordered = [...segments].sort((a, b) => a.sequence - b.sequence);
  for (let index = 1; index < ordered.length; index++) {
    const previous = ordered[index - 1]!;
    const current = ordered[index]!;
    if (current.sequence > previous.sequence + 1)
      gaps.push({ reason: "missing-segments", from: previous.at, to: current.at, fromSequence: previous.sequence + 1, toSequence: current.sequence - 1 });
    // Event times have a resolution of one second: a pause shorter than a segment plus 2.5 s cannot be told apart.
    else if (Date.parse(current.at) - Date.parse(previous.at) > (segmentSeconds + 2.5) * 1000)
      gaps.push({ reason: "no-input", from: previous.at, to: current.at });
  }
  return gaps;
}

export function Recordings(deps: RecordingsDeps) {
  const clock = () => deps.now?.() ?? new Date();
  const now = () => clock().toISOString();
  const ladder = deps.ladder ?? DEFAULT_LADDER;
  const source = ladder.renditions[0]!.name;
  const playbackTtlMs = deps.playbackTtlMs ?? 60 * 60_000;
  const playbackAnswers = new RecentReads<{ recordingId: string; url: string; expiresAt: string }>({ ttlMs: PLAYBACK_ANSWER_TTL_MS, now: () => clock().getTime() });

  async function get(accountId: string, recordingId: string): Promise<Recording> {
    const recording = await deps.recordings.get(accountId, recordingId);
    if (!recording) throw new NotFound("recording", recordingId);
    return recording;
  }

  async function bucketOf(accountId: string): Promise<string> {
    const account = await deps.accounts.get(accountId);
    if (!account?.bucketName) throw new Conflict(`account ${accountId} has no bucket`, { status: account?.status });
    return account.bucketName;
  }

  async function startAssembly(recording: Recording, from: readonly RecordingStatus[]): Promise<Recording> {
    const attempt = recording.attempts + 1;
    const assembling = await deps.recordings.update(
      recording.id,
      { status: "ASSEMBLING", attempts: attempt, jobId: undefined, failureReason: undefined, updatedAt: now() },
      from,
    );
    // Somebody else moved it first (a duplicate event): their job is the one.
    if (!assembling) return (await deps.recordings.find(recording.id)) ?? recording;
    return submit(assembling);
  }

  /** Asks for the job of the current attempt; the assembler's idempotency makes asking twice harmless. */
  async function submit(assembling: Recording): Promise<Recording> {
    const recording = assembling;
    const attempt = recording.attempts;
    try {
      const { jobId } = await deps.assembler.assemble({
        recordingId: recording.id,
        accountId: recording.accountId,
        bucketName: await bucketOf(recording.accountId),
        sourcePrefix: `${recordingPrefix(recording.channelId, recording.sessionId)}${recording.rendition}/`,
        outputKey: vodKey(recording.id),
        attempt,
      });
      return (await deps.recordings.update(recording.id, { jobId, updatedAt: now() })) ?? assembling;
    } catch (error) {
      const reason = `assembly could not start: ${error instanceof Error ? error.message : String(error)}`;
      return (await deps.recordings.update(recording.id, { status: "FAILED", failureReason: reason, updatedAt: now() }, ["ASSEMBLING"])) ?? assembling;
    }
  }

  return {
    get,

    list(accountId: string, channelId?: string) {
      return deps.recordings.list(accountId, channelId);
    },

    /** Reaction to S3 "Object Created" under recordings/: the segment is indexed against its session's recording. */
    async onSegmentCreated(event: S3ObjectCreated): Promise<Recording | undefined> {
      const segment = parseSegmentKey(event.detail.object.key);
      const accountId = ACCOUNT_IN_BUCKET.exec(event.detail.bucket.name)?.[1];
      if (!segment || !accountId || segment.rendition !== source) return undefined;
      const recording = await deps.recordings.ensure({
        id: recordingIdOf(segment.channelId, segment.sessionId),
        accountId,
        channelId: segment.channelId,
        sessionId: segment.sessionId,
        status: "RECORDING",
        rendition: source,
        gaps: [],
        attempts: 0,
        createdAt: event.time,
        updatedAt: now(),
      });
      await deps.recordings.putSegment(recording.id, {
        sequence: segment.sequence,
        size: event.detail.object.size,
        etag: event.detail.object.etag,
        at: event.time,
      });
      // Indexed after the recording was made (its event came late, retried through an outage say): it is no hole.
      const listedMissing = recording.gaps.some(
        (gap) => gap.reason === "missing-segments" && (gap.fromSequence ?? Infinity) <= segment.sequence && segment.sequence <= (gap.toSequence ?? -Infinity),
      );
      if (recording.status !== "READY" || !listedMissing) return recording;
      const missing = gapsIn(await deps.recordings.segments(recording.id), ladder.segmentSeconds).filter((gap) => gap.reason === "missing-segments");
      const gaps = [...recording.gaps.filter((gap) => gap.reason !== "missing-segments"), ...missing].sort((a, b) => a.from.localeCompare(b.from));
      return (await deps.recordings.update(recording.id, { gaps, updatedAt: now() }, ["READY"])) ?? recording;
    },

    /** Reaction to "MediaLive Channel State Change" STOPPED: the session's recording is joined into one MP4, once. */
    async onChannelStopped(event: MediaLiveChannelStateChange): Promise<Recording | undefined> {
      if (event.detail.state !== "STOPPED" || event.detail.pipelines_running_count > 0) return undefined;
      const engineChannelId = engineChannelIdFromArn(event.detail.channel_arn);
      const channel = engineChannelId ? await deps.channels.findByEngineChannel(engineChannelId) : undefined;
      if (!channel?.sessionId) return undefined;
      const recording = await deps.recordings.find(recordingIdOf(channel.id, channel.sessionId));
      // An earlier delivery stopped between ASSEMBLING and the job: ask again for the same attempt's job.
      if (recording?.status === "ASSEMBLING" && !recording.jobId) return submit(recording);
      if (!recording || recording.status !== "RECORDING") return recording;
      return startAssembly(recording, ["RECORDING"]);
    },

    /** Reaction to "MediaLive Channel Alert" input loss: the window without input becomes a gap of the recording. */
    async onInputAlert(event: MediaLiveChannelAlert): Promise<void> {
      // Other alerts (an encoder pipeline restarting, say) are no pause in the input.
      if (!ALERTS_OF_INPUT_LOSS.test(event.detail.alert_type)) return;
      const engineChannelId = engineChannelIdFromArn(event.detail.channel_arn);
      const channel = engineChannelId ? await deps.channels.findByEngineChannel(engineChannelId) : undefined;
      if (!channel?.sessionId) return;
      const recording = await deps.recordings.find(recordingIdOf(channel.id, channel.sessionId));
      if (!recording || recording.status !== "RECORDING") return;
      const gaps = [...recording.gaps];
      const open = gaps.findIndex((gap) => gap.reason === "no-input" && gap.to === undefined);
      if (event.detail.alarm_state === "SET" && open < 0) gaps.push({ reason: "no-input", from: event.time });
      else if (event.detail.alarm_state === "CLEARED" && open >= 0) gaps[open] = { ...gaps[open]!, to: event.time };
      else return;
      await deps.recordings.update(recording.id, { gaps, updatedAt: now() }, ["RECORDING"]);
    },

    /** Reaction to "MediaConvert Job State Change" COMPLETE / ERROR / CANCELED. Only the recording's current job counts. */
    async onJobStateChange(event: MediaConvertJobStateChange): Promise<Recording | undefined> {
      const recordingId = event.detail.userMetadata.recordingId;
      const recording = recordingId ? await deps.recordings.find(recordingId) : undefined;
      if (!recording || recording.status !== "ASSEMBLING" || (recording.jobId && recording.jobId !== event.detail.jobId)) return recording;
      const detail = event.detail;
      if (detail.status === "COMPLETE") {
        const output = detail.outputGroupDetails.flatMap((group) => group.outputDetails).find((out) => out.outputFilePaths.some((path) => path.endsWith(".mp4")));
        const mp4Key = vodKey(recording.id);
        const sizeBytes = await deps.store.size(await bucketOf(recording.accountId), mp4Key);
        const segments = await deps.recordings.segments(recording.id);
        const alerted = recording.gaps.filter((gap) => gap.reason === "no-input" && gap.to !== undefined);
        // A pause the engine already reported as input loss is listed once.
        const indexed = gapsIn(segments, ladder.segmentSeconds).filter(
          (gap) => gap.reason === "missing-segments" || !alerted.some((known) => known.from <= gap.to! && gap.from <= known.to!),
        );
        return deps.recordings.update(
          recording.id,
          {
            status: "READY",
            mp4Key,
            jobId: detail.jobId,
            durationMs: Math.round(output?.durationInMs ?? 0),
            ...(sizeBytes !== undefined ? { sizeBytes } : {}),
            gaps: [...alerted, ...indexed].sort((a, b) => a.from.localeCompare(b.from)),
            updatedAt: now(),
          },
          ["ASSEMBLING"],
        );
      }
      if (detail.status === "ERROR" || detail.status === "CANCELED") {
        const failureReason = detail.status === "ERROR" ? `MediaConvert error ${detail.errorCode}: ${detail.errorMessage ?? "no message"}` : "the job was canceled";
        return deps.recordings.update(recording.id, { status: "FAILED", failureReason, updatedAt: now() }, ["ASSEMBLING"]);
      }
      return recording;
    },

    /** Assembles again a FAILED recording (or one whose job never reported back). */
    async retry(accountId: string, recordingId: string): Promise<Recording> {
      const recording = await get(accountId, recordingId);
      if (!RETRYABLE.includes(recording.status))
        throw new Conflict(`recording ${recordingId} is ${recording.status}; only a FAILED or ASSEMBLING recording can be retried`, { status: recording.status });
      return startAssembly(recording, RETRYABLE);
    },

    playback(accountId: string, recordingId: string, expiresInSeconds?: number) {
      return playbackAnswers.read(`${accountId}/${recordingId}/${expiresInSeconds ?? ""}`, async () => {
        const recording = await get(accountId, recordingId);
        if (recording.status !== "READY" || !recording.mp4Key)
          throw new Conflict(`recording ${recordingId} is ${recording.status}; it plays once READY`, { status: recording.status });
        const account = await deps.accounts.get(accountId);
        if (!account?.cdnBaseUrl) throw new Conflict(`account ${accountId} has no CDN`, { status: account?.status });
        const expiresAt = new Date(clock().getTime() + (expiresInSeconds ? expiresInSeconds * 1000 : playbackTtlMs));
        const url = await deps.signer.signUrl(accountId, `${account.cdnBaseUrl}/${recording.mp4Key}`, expiresAt);
        return { recordingId, url, expiresAt: expiresAt.toISOString() };
      });
    },

    /** Removes the MP4 and every segment of the session, then the recording. */
    async remove(accountId: string, recordingId: string): Promise<void> {
      const recording = await get(accountId, recordingId);
      if (recording.status === "RECORDING" || recording.status === "ASSEMBLING")
        throw new Conflict(`recording ${recordingId} is ${recording.status}; stop the channel and wait for it to be READY or FAILED`, { status: recording.status });
      const bucket = await bucketOf(accountId);
      await deps.store.delete(bucket, vodKey(recording.id));
      await deps.store.deletePrefix(bucket, recordingPrefix(recording.channelId, recording.sessionId));
      await playbackAnswers.writing((key) => key.startsWith(`${accountId}/${recordingId}/`), () => deps.recordings.remove(recording.id));
    },
  };
}

export type Recordings = ReturnType<typeof Recordings>;
