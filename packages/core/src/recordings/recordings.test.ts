import { DynamoAccountRepository, DynamoChannelRepository, DynamoRecordingRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { visionStreamEntry, type RecordingGapDetectedEvent } from "@visionstream/events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Channel } from "../channels/channel.ts";
import { Conflict, NotFound } from "../errors.ts";
import { activeAccount, channelAlert, channelStateChange, FakeObjectStore, FakePort, FakeSigner, jobStateChange, objectCreated, testClock } from "../testing.ts";
import type { AssemblyRequest, VodAssembler } from "./recording.ts";
import { RecordingNotStartedYet, Recordings } from "./recordings.ts";

const TABLE = "recordings-use-cases";
let tables: TestTables;
let accountRepository: DynamoAccountRepository;
let channelRepository: DynamoChannelRepository;
let recordingRepository: DynamoRecordingRepository;

/** Answers every request with a job named after its recording and attempt. */
class FakeAssembler extends FakePort<"assemble"> implements VodAssembler {
  async assemble(request: AssemblyRequest): Promise<{ jobId: string }> {
    this.called("assemble", request);
    return { jobId: `job-${request.recordingId}-${request.attempt}` };
  }
}

let channelCount = 0;

/** An account with a channel in a recording session, and the events of that session. */
async function session() {
  const account = activeAccount();
  await accountRepository.create(account, `hash-${account.id}`);
  const clock = testClock();
  const channel: Channel = {
    id: `ch-${String(++channelCount).padStart(16, "0")}`,
    accountId: account.id,
    name: "Main stage",
    inputType: "RTMP_PUSH",
    redundancy: "SINGLE",
    allowCidrs: ["203.0.113.0/24"],
    state: "RUNNING",
    engineChannelId: `engine-${account.id}`,
    ingest: [],
    sessionId: "20260301t120000z-abc123",
    createdAt: clock.now().toISOString(),
    updatedAt: clock.now().toISOString(),
  };
  await channelRepository.create(channel);
  await channelRepository.linkEngineChannel(channel.engineChannelId!, account.id, channel.id);
  const assembler = new FakeAssembler();
  const store = new FakeObjectStore();
  const signer = new FakeSigner();
  const use = Recordings({ recordings: recordingRepository, channels: channelRepository, accounts: accountRepository, assembler, store, signer, now: clock.now });
  const bucket = account.bucketName!;
  const prefix = `recordings/${channel.id}/${channel.sessionId}/`;
  const engineId = channel.engineChannelId!;
  /** The engine wrote segment `sequence` of a rendition, now. */
  const segment = (sequence: number, rendition = "1080p") => {
    clock.advance(2_000);
    return use.onSegmentCreated(objectCreated(bucket, `${prefix}${rendition}/segment_${String(sequence).padStart(5, "0")}.ts`, clock.eventTime()));
  };
  const stopped = () => use.onChannelStopped(channelStateChange(engineId, "STOPPED", clock.eventTime()));
  const jobEnded = (jobId: string, recordingId: string, end: Parameters<typeof jobStateChange>[2]) =>
    use.onJobStateChange(jobStateChange(jobId, { recordingId, accountId: account.id }, end, clock.eventTime()));
  const completed = (jobId: string, recordingId: string) => {
    store.objects.set(`${bucket}/vod/${recordingId}.mp4`, { body: "", contentType: "video/mp4", size: 7_340_032 });
    return jobEnded(jobId, recordingId, { status: "COMPLETE", mp4Path: `s3://${bucket}/vod/${recordingId}.mp4`, durationMs: 9_876.4 });
  };
  const measuredGap = (from: string, to: string, lostMs: number, accountId = account.id): RecordingGapDetectedEvent => ({
    version: "0",
    id: `gap-${from}`,
    source: "visionstream",
    "detail-type": "RecordingGapDetected",
    account: "111122223333",
    time: clock.eventTime(),
    region: "eu-west-1",
    resources: [],
    detail: visionStreamEntry("RecordingGapDetected", { accountId, channelId: channel.id, sessionId: channel.sessionId!, reason: "no-input", from, to, lostMs }).detail,
  });
  return { account, channel, clock, assembler, store, signer, use, bucket, prefix, engineId, segment, stopped, jobEnded, completed, measuredGap };
}

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  const client = documentClient(tables.client);
  accountRepository = new DynamoAccountRepository(client, TABLE);
  channelRepository = new DynamoChannelRepository(client, TABLE);
  recordingRepository = new DynamoRecordingRepository(client, TABLE);
});

afterAll(() => tables.close());

describe("Recordings", () => {
  it("makes one RECORDING recording per session from its first segment, and indexes each segment of the top rendition once", async () => {
    const { account, channel, use, segment, bucket, prefix, clock } = await session();

    const first = await segment(1);
    await segment(1);
    await segment(2);
    const lowerRendition = await segment(3, "480p");
    const notASegment = await use.onSegmentCreated(objectCreated(bucket, `${prefix}1080p/index.m3u8`, clock.eventTime()));
    const foreignBucket = await use.onSegmentCreated(objectCreated("someone-elses-bucket", `${prefix}1080p/segment_00004.ts`, clock.eventTime()));

    expect(first).toMatchObject({ id: expect.stringMatching(/^rec-[a-z0-9]{16}$/), accountId: account.id, channelId: channel.id, sessionId: channel.sessionId, status: "RECORDING", rendition: "1080p", gaps: [], attempts: 0 });
    expect([lowerRendition, notASegment, foreignBucket]).toEqual([undefined, undefined, undefined]);
    expect((await recordingRepository.segments(first!.id)).map((indexed) => indexed.sequence)).toEqual([1, 2]);
    expect(await use.list(account.id)).toEqual([first]);
    expect(await use.list(account.id, channel.id)).toEqual([first]);
    expect(await use.list(account.id, "ch-0000000000000000")).toEqual([]);
  });

  it("lists a pause of the input, from the engine's input-loss alerts, as a no-input gap; other alerts are no pause", async () => {
    const { account, use, segment, engineId, clock } = await session();
    const recording = (await segment(1))!;

    const lostAt = clock.eventTime();
    await use.onInputAlert(channelAlert(engineId, "SET", lostAt));
    clock.advance(4_000);
    await use.onInputAlert(channelAlert(engineId, "SET", clock.eventTime(), "Encoder Pipeline Failure"));
    await use.onInputAlert(channelAlert(engineId, "CLEARED", clock.eventTime()));
    await use.onInputAlert(channelAlert(engineId, "CLEARED", clock.eventTime()));

    expect((await use.get(account.id, recording.id)).gaps).toEqual([{ reason: "no-input", from: lostAt, to: clock.eventTime() }]);
  });

  it("assembles the session once the channel stopped: one job for the top rendition into vod/<recordingId>.mp4, however often the event comes", async () => {
    const { account, use, segment, stopped, assembler, bucket, prefix, engineId, clock } = await session();
    const recording = (await segment(1))!;

    const stillRunning = await use.onChannelStopped(channelStateChange(engineId, "STOPPED", clock.eventTime(), 1));
    const assembling = await stopped();
    const again = await stopped();

    expect(stillRunning).toBeUndefined();
    expect(assembler.callsOf("assemble")).toEqual([
      [{ recordingId: recording.id, accountId: account.id, bucketName: bucket, sourcePrefix: `${prefix}1080p/`, outputKey: `vod/${recording.id}.mp4`, attempt: 1 }],
    ]);
    expect(assembling).toMatchObject({ status: "ASSEMBLING", attempts: 1, jobId: `job-${recording.id}-1` });
    expect(again).toEqual(assembling);
  });

  it("makes a READY recording of a finished job, with its MP4, duration, size and every gap: measured, alerted, and missing segments", async () => {
    const { account, use, segment, stopped, completed, measuredGap, engineId, clock } = await session();
    const recording = (await segment(1))!;
    await segment(2);
    const measuredFrom = new Date(clock.now().getTime() + 500).toISOString();
    await use.onInputAlert(channelAlert(engineId, "SET", clock.eventTime()));
    clock.advance(3_000);
    await use.onInputAlert(channelAlert(engineId, "CLEARED", clock.eventTime()));
    const measured = await use.onGapDetected(measuredGap(measuredFrom, new Date(clock.now().getTime() - 200).toISOString(), 2_300));
    await segment(5);
    const atFive = clock.eventTime();
    const assembling = (await stopped())!;

    const ready = await completed(assembling.jobId!, recording.id);

    const measuredGapOf = { reason: "no-input", from: "2026-03-01T12:00:04.500Z", to: "2026-03-01T12:00:06.800Z", lostMs: 2_300 };
    expect(measured?.gaps).toEqual([measuredGapOf]);
    expect(ready).toMatchObject({ status: "READY", mp4Key: `vod/${recording.id}.mp4`, jobId: assembling.jobId, durationMs: 9_876, sizeBytes: 7_340_032 });
    expect(ready!.gaps).toEqual([{ reason: "missing-segments", from: "2026-03-01T12:00:04Z", to: atFive, fromSequence: 3, toSequence: 4 }, measuredGapOf]);
    expect(await use.get(account.id, recording.id)).toEqual(ready);
  });

  it("lists a gap the engine measured once, whenever it comes, and only on the recording of its own account", async () => {
    const { account, use, segment, measuredGap } = await session();
    const recording = (await segment(1))!;
    const gap = measuredGap("2026-03-01T12:00:03.100Z", "2026-03-01T12:00:04.900Z", 1_800);

    await use.onGapDetected(gap);
    await use.onGapDetected(gap);
    await use.onGapDetected(measuredGap("2026-03-01T12:00:08.000Z", "2026-03-01T12:00:09.000Z", 1_000, activeAccount().id));

    expect((await use.get(account.id, recording.id)).gaps).toEqual([{ reason: "no-input", from: "2026-03-01T12:00:03.100Z", to: "2026-03-01T12:00:04.900Z", lostMs: 1_800 }]);
  });

  it("keeps a gap of the session on air that comes before its first segment (retried until the recording exists), and drops one of a past session", async () => {
    const { account, use, segment, measuredGap } = await session();
    const gap = measuredGap("2026-03-01T12:00:03.100Z", "2026-03-01T12:00:04.900Z", 1_800);
    const past = { ...gap, detail: { ...gap.detail, sessionId: "20260201t120000z-old000" } };

    const early = await use.onGapDetected(gap).catch((error: unknown) => error);
    const ofPastSession = await use.onGapDetected(past);
    const recording = (await segment(1))!;
    await use.onGapDetected(gap);

    expect(early).toBeInstanceOf(RecordingNotStartedYet);
    expect(ofPastSession).toBeUndefined();
    expect((await use.get(account.id, recording.id)).gaps).toEqual([{ reason: "no-input", from: "2026-03-01T12:00:03.100Z", to: "2026-03-01T12:00:04.900Z", lostMs: 1_800 }]);
  });

  it("takes a late segment that fills a listed hole off the READY recording's gaps", async () => {
    const { use, segment, stopped, completed } = await session();
    const recording = (await segment(1))!;
    await segment(3);
    const assembling = (await stopped())!;
    const ready = await completed(assembling.jobId!, recording.id);

    const filled = await segment(2);

    expect(ready!.gaps.map((gap) => gap.reason)).toEqual(["missing-segments"]);
    expect(filled).toMatchObject({ status: "READY", gaps: [] });
  });

  it("ignores the end of a job that is not the recording's current one", async () => {
    const { account, use, segment, stopped, completed } = await session();
    const recording = (await segment(1))!;
    await stopped();

    const stale = await completed("job-of-an-older-attempt", recording.id);
    const unknown = await completed("job-x", "rec-0000000000000000");

    expect(stale).toMatchObject({ status: "ASSEMBLING" });
    expect(unknown).toBeUndefined();
    expect((await use.get(account.id, recording.id)).status).toBe("ASSEMBLING");
  });

  it("marks a recording FAILED when its job errs, is canceled or cannot start, and assembles it again on retry", async () => {
    const { account, use, segment, stopped, jobEnded, assembler, completed } = await session();
    const recording = (await segment(1))!;
    const first = (await stopped())!;

    const errored = await jobEnded(first.jobId!, recording.id, { status: "ERROR", errorCode: 1_030, errorMessage: "input file not found" });
    assembler.refuseNext("assemble", new Error("queue paused"));
    const notStarted = await use.retry(account.id, recording.id);
    const third = await use.retry(account.id, recording.id);
    const canceled = await jobEnded(third.jobId!, recording.id, { status: "CANCELED" });
    const fourth = await use.retry(account.id, recording.id);
    const ready = await completed(fourth.jobId!, recording.id);

    expect(errored).toMatchObject({ status: "FAILED", failureReason: "MediaConvert error 1030: input file not found" });
    expect(notStarted).toMatchObject({ status: "FAILED", attempts: 2, failureReason: "assembly could not start: queue paused" });
    expect(third).toMatchObject({ status: "ASSEMBLING", attempts: 3, jobId: `job-${recording.id}-3` });
    expect(third).not.toHaveProperty("failureReason");
    expect(canceled).toMatchObject({ status: "FAILED", failureReason: "the job was canceled" });
    expect(ready?.status).toBe("READY");
    expect(assembler.callsOf("assemble").map(([request]) => (request as AssemblyRequest).attempt)).toEqual([1, 2, 3, 4]);
    await expect(use.retry(account.id, recording.id)).rejects.toMatchObject({ name: "Conflict", details: { status: "READY" } });
  });

  it("after a restart, asks again for the job of the attempt under way and assembles a session that ended; leaves one on air and finished ones alone", async () => {
    const interrupted = await session();
    await interrupted.segment(1);
    const assembling = (await interrupted.stopped())!;
    const ended = await session();
    const unassembled = (await ended.segment(1))!;
    await channelRepository.update(ended.account.id, ended.channel.id, { state: "STOPPED" });
    const onAir = await session();
    const recording = (await onAir.segment(1))!;
    const finished = await session();
    await finished.segment(1);
    const { jobId, id } = (await finished.stopped())!;
    const ready = (await finished.completed(jobId!, id))!;
    const { use, assembler } = interrupted;

    const accounts = [interrupted, ended, onAir, finished].map((each) => each.account.id);
    const failures = await use.resumeAssembly(accounts);
    const again = await use.resumeAssembly(accounts);

    expect([failures, again]).toEqual([[], []]);
    const asked = assembler.callsOf("assemble").map(([request]) => `${(request as AssemblyRequest).recordingId}#${(request as AssemblyRequest).attempt}`);
    expect(asked).toEqual([`${assembling.id}#1`, `${assembling.id}#1`, `${unassembled.id}#1`, `${assembling.id}#1`, `${unassembled.id}#1`]);
    expect(await use.get(interrupted.account.id, assembling.id)).toEqual(assembling);
    expect(await use.get(ended.account.id, unassembled.id)).toMatchObject({ status: "ASSEMBLING", attempts: 1, jobId: `job-${unassembled.id}-1` });
    expect(await use.get(onAir.account.id, recording.id)).toMatchObject({ status: "RECORDING", attempts: 0 });
    expect(await use.get(finished.account.id, ready.id)).toEqual(ready);
  });

  it("signs playback of a READY recording's MP4 only, for its own account", async () => {
    const { account, use, segment, stopped, completed, signer, clock } = await session();
    const recording = (await segment(1))!;
    const whileRecording = await use.playback(account.id, recording.id).catch((error: unknown) => error);
    const assembling = (await stopped())!;
    await completed(assembling.jobId!, recording.id);

    const playback = await use.playback(account.id, recording.id, 120);

    const expiresAt = new Date(clock.now().getTime() + 120_000);
    expect(whileRecording).toBeInstanceOf(Conflict);
    expect(signer.callsOf("signUrl")).toEqual([[account.id, `${account.cdnBaseUrl}/vod/${recording.id}.mp4`, expiresAt]]);
    expect(playback).toEqual({ recordingId: recording.id, url: `${account.cdnBaseUrl}/vod/${recording.id}.mp4?Expires=${expiresAt.getTime() / 1000}&Key-Pair-Id=key-${account.id}`, expiresAt: expiresAt.toISOString() });
    await expect(use.playback(activeAccount().id, recording.id)).rejects.toBeInstanceOf(NotFound);
  });

  it("reads a READY recording once for the playback requests of a minute, and forgets it when it is removed", async () => {
    const { account, use, segment, stopped, completed, signer } = await session();
    const recording = (await segment(1))!;
    const assembling = (await stopped())!;
    await completed(assembling.jobId!, recording.id);
    const reads = vi.spyOn(recordingRepository, "get");

    try {
      for (const expiresIn of [60, 61, 62]) await use.playback(account.id, recording.id, expiresIn);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(signer.callsOf("signUrl")).toHaveLength(3);
      await use.remove(account.id, recording.id);
      await expect(use.playback(account.id, recording.id, 63)).rejects.toBeInstanceOf(NotFound);
    } finally {
      reads.mockRestore();
    }
  });

  it("removes a finished recording with its MP4 and every segment of the session; one still recording is refused", async () => {
    const { account, use, segment, stopped, completed, store, bucket, prefix } = await session();
    const recording = (await segment(1))!;
    const whileRecording = await use.remove(account.id, recording.id).catch((error: unknown) => error);
    const assembling = (await stopped())!;
    await completed(assembling.jobId!, recording.id);

    await use.remove(account.id, recording.id);

    expect(whileRecording).toMatchObject({ name: "Conflict", details: { status: "RECORDING" } });
    expect(store.callsOf("delete")).toEqual([[bucket, `vod/${recording.id}.mp4`]]);
    expect(store.callsOf("deletePrefix")).toEqual([[bucket, prefix]]);
    await expect(use.get(account.id, recording.id)).rejects.toBeInstanceOf(NotFound);
    expect(await recordingRepository.segments(recording.id)).toEqual([]);
    await expect(use.remove(account.id, recording.id)).rejects.toBeInstanceOf(NotFound);
  });
});
