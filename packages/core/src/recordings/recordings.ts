import type { MediaConvertJobStateChange, MediaLiveChannelAlert, MediaLiveChannelStateChange, RecordingGapDetectedEvent, S3ObjectCreated } from "@visionstream/events";
import type { AccountRepository } from "../accounts/account.ts";
import { AccountNeeds } from "../accounts/account-needs.ts";
import type { ChannelRepository } from "../channels/channel.ts";
import { ALERTS_OF_INPUT_LOSS, engineChannelIdFromArn, ON_AIR } from "../channels/channels.ts";
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
  channels: Pick<ChannelRepository, "findByEngineChannel" | "get">;
  accounts: Pick<AccountRepository, "get">;
  assembler: VodAssembler;
  store: ObjectStore;
  signer: PlaybackSigner;
  ladder?: Ladder;
  playbackTtlMs?: number;
  now?: () => Date;
}

/** A gap of the session on air came before its first segment was indexed: retried until the recording exists. */
export class RecordingNotStartedYet extends Error {
  override name = "RecordingNotStartedYet";
  constructor(readonly recordingId: string) {
    super(`recording ${recordingId} has no segment yet; the gap is listed once it has`);
  }
}

const ACCOUNT_IN_BUCKET = /(acc-[a-z0-9]{16})$/;
const RETRYABLE: readonly RecordingStatus[] = ["FAILED", "ASSEMBLING"];
const READY_RECORDING_TTL_MS = 60_000;

/**
 * Sequence numbers that never arrived. Pauses are not guessed from when segments arrived (a transcoder behind real
 * time delivers late, and MediaLive fills a loss of input with its own frames): the engine reports those, as input
 * loss alerts and RecordingGapDetected events.
 */
export function gapsIn(segments: readonly IndexedSegment[]): Gap[] {
  const gaps: Gap[] = [];
  const ordered = [...segments].sort((a, b) => a.sequence - b.sequence);
  for (let index = 1; index < ordered.length; index++) {
    const previous = ordered[index - 1]!;
    const current = ordered[index]!;
    if (current.sequence > previous.sequence + 1)
      gaps.push({ reason: "missing-segments", from: previous.at, to: current.at, fromSequence: previous.sequence + 1, toSequence: current.sequence - 1 });
  }
  return gaps;
}

const span = (gap: Gap) => [Date.parse(gap.from), Date.parse(gap.to ?? gap.from)] as const;
/** Alert times are whole seconds: a gap within the same seconds as another is the same pause. */
function overlaps(a: Gap, b: Gap): boolean {
  const [aFrom, aTo] = span(a);
  const [bFrom, bTo] = span(b);
  return aFrom <= bTo + 1_000 && bFrom <= aTo + 1_000;
}
const byStart = (a: Gap, b: Gap) => Date.parse(a.from) - Date.parse(b.from);

/**
 * The gaps of a finished recording: those the engine measured, input-loss alerts that no measured gap already
 * covers (an alert says the same to the second), and the segments that never arrived.
 */
export function finalGaps(recorded: readonly Gap[], segments: readonly IndexedSegment[]): Gap[] {
  const measured = recorded.filter((gap) => gap.lostMs !== undefined);
  const alerted = recorded.filter((gap) => gap.lostMs === undefined && gap.reason === "no-input" && gap.to !== undefined && !measured.some((known) => sameInputLoss(gap, known)));
  return [...measured, ...alerted, ...gapsIn(segments)].sort(byStart);
}

/** An input-loss alert's gap and a measured no-input gap over the same pause: the measured one says more. */
const sameInputLoss = (alerted: Gap, measured: Gap) => measured.reason === "no-input" && alerted.reason === "no-input" && overlaps(alerted, measured);

/** Tries of a read-change-write that finds the recording changed by someone else meanwhile. */
const CONCURRENT_TRIES = 8;

export function Recordings(deps: RecordingsDeps) {
  const clock = () => deps.now?.() ?? new Date();
  const now = () => clock().toISOString();
  const ladder = deps.ladder ?? DEFAULT_LADDER;
  const source = ladder.renditions[0]!.name;
  const playbackTtlMs = deps.playbackTtlMs ?? 60 * 60_000;
  const playbackAnswers = new RecentReads<{ recordingId: string; url: string; expiresAt: string }>({ ttlMs: PLAYBACK_ANSWER_TTL_MS, now: () => clock().getTime() });
  // READY is where a recording stays until it is removed: its MP4 key is read at most about twice a minute, not at
  // every playback request (viewers of a library ask for many recordings, each now and then, which the 1 s answers
  // above do not cover).
  // A library's first requests fill it with many recordings at once: their background reads are spread over 15 s
  // rather than all due together half a minute later.
  const readyRecordings = new RecentReads<Recording>({ ttlMs: READY_RECORDING_TTL_MS, now: () => clock().getTime(), spreadRefreshes: true });

  /** The recording of a session, as the first event that names the session finds it. */
  function newRecording({ accountId, channelId, sessionId, createdAt }: Pick<Recording, "accountId" | "channelId" | "sessionId" | "createdAt">): Recording {
    return { id: recordingIdOf(channelId, sessionId), accountId, channelId, sessionId, status: "RECORDING", rendition: source, gaps: [], attempts: 0, createdAt, updatedAt: now() };
  }

  /** updatedAt of a write after one made at `previous`: later, even within the same millisecond (it is the write's version). */
  const after = (previous: string) => new Date(Math.max(clock().getTime(), Date.parse(previous) + 1)).toISOString();

  /**
   * Reads the recording, asks `change` what to write (undefined: nothing) and writes it only if nobody wrote the
   * recording meanwhile, reading again otherwise: gaps and state come from handlers that run at the same time.
   */
  async function changeRecording(
    recordingId: string,
    change: (recording: Recording) => { changes: Parameters<RecordingRepository["update"]>[1]; from?: readonly RecordingStatus[] } | undefined,
  ): Promise<Recording | undefined> {
    for (let attempt = 1; ; attempt++) {
      const recording = await deps.recordings.find(recordingId);
      const wanted = recording && change(recording);
      if (!recording || !wanted) return recording;
      const updated = await deps.recordings.update(recordingId, { ...wanted.changes, updatedAt: after(recording.updatedAt) }, wanted.from, recording.updatedAt);
      if (updated || attempt >= CONCURRENT_TRIES) return updated ?? recording;
    }
  }

  async function get(accountId: string, recordingId: string): Promise<Recording> {
    const recording = await deps.recordings.get(accountId, recordingId);
    if (!recording) throw new NotFound("recording", recordingId);
    return recording;
  }

  const needs = AccountNeeds(deps.accounts);

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
        bucketName: await needs.bucket(recording.accountId),
        sourcePrefix: `${recordingPrefix(recording.channelId, recording.sessionId)}${recording.rendition}/`,
        outputKey: vodKey(recording.id),
        attempt,
      });
      if (recording.jobId === jobId) return recording;
      return (await deps.recordings.update(recording.id, { jobId, updatedAt: now() })) ?? assembling;
    } catch (error) {
      const reason = `assembly could not start: ${error instanceof Error ? error.message : String(error)}`;
      return (await deps.recordings.update(recording.id, { status: "FAILED", failureReason: reason, updatedAt: now() }, ["ASSEMBLING"])) ?? assembling;
    }
  }

  /** Its session has ended: its channel runs another session, none, or is gone. */
  async function sessionOver(recording: Recording): Promise<boolean> {
    const channel = await deps.channels.get(recording.accountId, recording.channelId);
    return !channel || channel.sessionId !== recording.sessionId || !ON_AIR.includes(channel.state);
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
      const recording = await deps.recordings.ensure(newRecording({ accountId, channelId: segment.channelId, sessionId: segment.sessionId, createdAt: event.time }));
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
      const missing = gapsIn(await deps.recordings.segments(recording.id));
      return changeRecording(recording.id, (current) =>
        current.status === "READY" ? { changes: { gaps: [...current.gaps.filter((gap) => gap.reason !== "missing-segments"), ...missing].sort(byStart) }, from: ["READY"] } : undefined,
      );
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
      await changeRecording(recordingIdOf(channel.id, channel.sessionId), (recording) => {
        if (recording.status !== "RECORDING") return undefined;
        const gaps = [...recording.gaps];
        const open = gaps.findIndex((gap) => gap.reason === "no-input" && gap.to === undefined && gap.lostMs === undefined);
        if (event.detail.alarm_state === "SET" && open < 0) gaps.push({ reason: "no-input", from: event.time });
        else if (event.detail.alarm_state === "CLEARED" && open >= 0) gaps[open] = { ...gaps[open]!, to: event.time };
        else return undefined;
        return { changes: { gaps }, from: ["RECORDING"] };
      });
    },

    /**
     * Reaction to RecordingGapDetected: a stretch the engine measured as missing from the recording is listed on it,
     * once, whenever it arrives (also after the recording is READY).
     */
    async onGapDetected(event: RecordingGapDetectedEvent): Promise<Recording | undefined> {
      const { accountId, channelId, sessionId, reason, from, to, lostMs } = event.detail;
      const gap: Gap = { reason, from, to, lostMs };
      const recordingId = recordingIdOf(channelId, sessionId);
      // A gap comes after the media before it, whose segments make the recording; a transcoder far behind real time may
      // not have written them yet. For the session on air the gap waits (the bus retries); otherwise (deleted, or a
      // replay of an old event) there is nothing to list it on.
      if (!(await deps.recordings.find(recordingId))) {
        const channel = await deps.channels.get(accountId, channelId);
        if (channel?.sessionId === sessionId && channel.state !== "DELETED") throw new RecordingNotStartedYet(recordingId);
        return undefined;
      }
      return changeRecording(recordingId, (recording) => {
        if (recording.accountId !== accountId || recording.gaps.some((known) => known.reason === reason && known.from === from && known.to === to)) return undefined;
        // An input-loss alert over the same pause says less: the measured gap replaces it.
        const gaps = [...recording.gaps.filter((known) => known.lostMs !== undefined || !sameInputLoss(known, gap)), gap].sort(byStart);
        return { changes: { gaps } };
      });
    },

    /** Reaction to "MediaConvert Job State Change" COMPLETE / ERROR / CANCELED. Only the recording's current job counts. */
    async onJobStateChange(event: MediaConvertJobStateChange): Promise<Recording | undefined> {
      const recordingId = event.detail.userMetadata.recordingId;
      const recording = recordingId ? await deps.recordings.find(recordingId) : undefined;
      const ours = (current: Recording) => current.status === "ASSEMBLING" && (!current.jobId || current.jobId === event.detail.jobId);
      if (!recording || !ours(recording)) return recording;
      const detail = event.detail;
      if (detail.status === "COMPLETE") {
        const output = detail.outputGroupDetails.flatMap((group) => group.outputDetails).find((out) => out.outputFilePaths.some((path) => path.endsWith(".mp4")));
        const mp4Key = vodKey(recording.id);
        const sizeBytes = await deps.store.size(await needs.bucket(recording.accountId), mp4Key);
        const segments = await deps.recordings.segments(recording.id);
        return changeRecording(recording.id, (current) =>
          ours(current)
            ? {
                changes: {
                  status: "READY",
                  mp4Key,
                  jobId: detail.jobId,
                  durationMs: Math.round(output?.durationInMs ?? 0),
                  ...(sizeBytes !== undefined ? { sizeBytes } : {}),
                  gaps: finalGaps(current.gaps, segments),
                },
                from: ["ASSEMBLING"],
              }
            : undefined,
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

    /**
     * After a restart of a runtime whose assembler's jobs end with its process (the local one; MediaConvert's jobs
     * outlive their caller): every recording of the accounts still ASSEMBLING asks again for its attempt's job, and
     * one still RECORDING whose session has ended (its STOPPED went with the process) is assembled. Safe to run again:
     * the same attempt is the same job, and a job whose MP4 was already in place is announced, not made again.
     */
    async resumeAssembly(accountIds: readonly string[]): Promise<{ recordingId: string; reason: string }[]> {
      const failures: { recordingId: string; reason: string }[] = [];
      for (const accountId of accountIds) {
        for (const recording of await deps.recordings.list(accountId)) {
          try {
            if (recording.status === "ASSEMBLING") await submit(recording);
            else if (recording.status === "RECORDING" && (await sessionOver(recording))) await startAssembly(recording, ["RECORDING"]);
          } catch (error) {
            failures.push({ recordingId: recording.id, reason: error instanceof Error ? error.message : String(error) });
          }
        }
      }
      return failures;
    },

    playback(accountId: string, recordingId: string, expiresInSeconds?: number) {
      return playbackAnswers.read(`${accountId}/${recordingId}/${expiresInSeconds ?? ""}`, async () => {
        const recording = await readyRecordings.read(`${accountId}/${recordingId}`, () => get(accountId, recordingId), (read) => read.status === "READY");
        if (recording.status !== "READY" || !recording.mp4Key)
          throw new Conflict(`recording ${recordingId} is ${recording.status}; it plays once READY`, { status: recording.status });
        const cdnBaseUrl = await needs.cdn(accountId);
        const expiresAt = new Date(clock().getTime() + (expiresInSeconds ? expiresInSeconds * 1000 : playbackTtlMs));
        const url = await deps.signer.signUrl(accountId, `${cdnBaseUrl}/${recording.mp4Key}`, expiresAt);
        return { recordingId, url, expiresAt: expiresAt.toISOString() };
      });
    },

    /** Removes the MP4 and every segment of the session, then the recording. */
    async remove(accountId: string, recordingId: string): Promise<void> {
      const recording = await get(accountId, recordingId);
      if (recording.status === "RECORDING" || recording.status === "ASSEMBLING")
        throw new Conflict(`recording ${recordingId} is ${recording.status}; stop the channel and wait for it to be READY or FAILED`, { status: recording.status });
      const bucket = await needs.bucket(accountId);
      await deps.store.delete(bucket, vodKey(recording.id));
      await deps.store.deletePrefix(bucket, recordingPrefix(recording.channelId, recording.sessionId));
      await readyRecordings.writing(
        (key) => key === `${accountId}/${recordingId}`,
        () => playbackAnswers.writing((key) => key.startsWith(`${accountId}/${recordingId}/`), () => deps.recordings.remove(recording.id)),
      );
    },
  };
}

export type Recordings = ReturnType<typeof Recordings>;
