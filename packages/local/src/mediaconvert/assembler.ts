import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { type AssemblyRequest, parseSegmentKey, type VodAssembler } from "@visionstream/core";
import type { MediaConvertJobStateChange } from "@visionstream/events";
import type { LocalLayout } from "../account-infrastructure.ts";
import { LOCAL_AWS_ACCOUNT, LOCAL_REGION, type LocalBus } from "../eventbridge/bus.ts";
import { logger } from "../logger.ts";
import { objectPath } from "../s3/object-store.ts";
import { spawnChild } from "../spawn-child.ts";
import { encoderRuns, type RunPart } from "./segment-joins.ts";

export interface LocalVodAssemblerOptions {
  layout: LocalLayout;
  bus: LocalBus;
  ffmpegPath?: string;
  /** ffprobe next to ffmpegPath unless told. */
  ffprobePath?: string;
  /** The room kept for the MP4's index at its start: this much per second of media, and at least indexBytesAtLeast. */
  indexBytesPerSecond?: number;
  indexBytesAtLeast?: number;
  /** The most segments ffmpeg reads as one stream, with every file of it open (256 unless told). */
  segmentsPerPart?: number;
}

/** MediaConvert's documented error codes: 1010 is "can't open the input", 1999 the catch-all. */
export const MEDIACONVERT_INPUT_NOT_FOUND = 1010;
export const MEDIACONVERT_UNKNOWN_ERROR = 1999;

export const LOCAL_MEDIACONVERT_QUEUE = `arn:aws:mediaconvert:${LOCAL_REGION}:${LOCAL_AWS_ACCOUNT}:queues/Default`;
const jobArn = (jobId: string) => `arn:aws:mediaconvert:${LOCAL_REGION}:${LOCAL_AWS_ACCOUNT}:jobs/${jobId}`;

/** One job per recording and attempt, as a MediaConvert client request token would make it. */
export const localJobId = (request: Pick<AssemblyRequest, "recordingId" | "attempt">) => `local-${request.recordingId}-${request.attempt}`;

type JobDetail = MediaConvertJobStateChange["detail"];
type StatusDetail =
  | { status: "PROGRESSING" }
  | Pick<Extract<JobDetail, { status: "COMPLETE" }>, "status" | "outputGroupDetails">
  | Pick<Extract<JobDetail, { status: "ERROR" }>, "status" | "errorCode" | "errorMessage">;

interface Job {
  children: Set<ChildProcess>;
  done: Promise<void>;
}

interface ChildOutput {
  code: number | null;
  stdout: string;
  stderrTail: string;
}

class JobFailed extends Error {
  override name = "JobFailed";
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const STDERR_TAIL_CHARS = 2_000;

/** An MP4's index takes about 0.9 kB per second of 1080p30 with AAC (both tracks' sample sizes, times and chunks). */
const INDEX_BYTES_PER_SECOND = 2_500;
const INDEX_BYTES_AT_LEAST = 64 * 1024;

const quoted = (path: string) => `'${path.replace(/'/g, "'\\''")}'`;

/** A path in a concatf list, where quotes, backslashes and white space are read as syntax unless escaped. */
const concatfEntry = (path: string) => `file:${resolve(path)}`.replace(/[\\'\s]/g, "\\$&");

/**
 * The concat demuxer's list: one entry per part of an encoder run, a part of several segments read as one stream
 * through the concatf protocol (its list file names the segments). The first entry is probed in full: it sets the MP4's
 * streams. The others are probed only as far as their first timestamps (which place them on the timeline, unless the
 * part before gives its exact duration), not for a frame rate.
 */
async function concatList(listDir: string, parts: readonly RunPart[]): Promise<{ list: string; partLists: Map<string, string> }> {
  const partLists = new Map<string, string>();
  const entries = await Promise.all(
    parts.map(async ({ paths, duration }, index) => {
      let input = paths[0]!;
      if (paths.length > 1) {
        const partList = join(listDir, `part-${index}.txt`);
        await writeFile(partList, `${paths.map(concatfEntry).join("\n")}\n`);
        input = `concatf:${partList}`;
        partLists.set(input, `${basename(paths[0]!)} to ${basename(paths.at(-1)!)}`);
      }
      return [
        `file ${quoted(input)}`,
        ...(index === 0 ? [] : ["option fpsprobesize 0"]),
        ...(duration === undefined ? [] : [`duration ${duration.toFixed(6)}`]),
      ];
    }),
  );
  return { list: `ffconcat version 1.0\n${entries.flat().join("\n")}\n`, partLists };
}

interface ProbedOutput {
  format: { duration?: string };
  streams: { codec_type: string; width?: number; height?: number; bit_rate?: string }[];
}

/**
 * The local MediaConvert: joins a recording's MPEG-TS segments into one MP4 with ffmpeg, without re-encoding, and
 * reports the job on the bus as "MediaConvert Job State Change" events.
 */
export class LocalVodAssembler implements VodAssembler {
  private readonly layout: LocalLayout;
  private readonly bus: LocalBus;
  private readonly ffmpegPath: string;
  private readonly ffprobePath: string;
  private readonly indexRoom: (seconds: number) => number;
  private readonly segmentsPerPart: number | undefined;
  private readonly jobs = new Map<string, Job>();
  private closed = false;

  constructor({
    layout,
    bus,
    ffmpegPath = "ffmpeg",
    ffprobePath,
    indexBytesPerSecond = INDEX_BYTES_PER_SECOND,
    indexBytesAtLeast = INDEX_BYTES_AT_LEAST,
    segmentsPerPart,
  }: LocalVodAssemblerOptions) {
    this.segmentsPerPart = segmentsPerPart;
    this.indexRoom = (seconds) => Math.ceil(indexBytesAtLeast + seconds * indexBytesPerSecond);
    this.layout = layout;
    this.bus = bus;
    this.ffmpegPath = ffmpegPath;
    this.ffprobePath = ffprobePath ?? ffmpegPath.replace(/ffmpeg(?=[^/\\]*$)/, "ffprobe");
  }

  async assemble(request: AssemblyRequest): Promise<{ jobId: string }> {
    if (this.closed) throw new Error("the VOD assembler is closed");
    const jobId = localJobId(request);
    if (this.jobs.has(jobId)) return { jobId };
    const sourceDir = objectPath(this.layout, request.bucketName, request.sourcePrefix);
    const output = objectPath(this.layout, request.bucketName, request.outputKey);
    const job: Job = { children: new Set(), done: Promise.resolve() };
    this.jobs.set(jobId, job);
    job.done = this.run(jobId, job, request, sourceDir, output).catch((error: unknown) =>
      logger.error("recording assembly cleanup failed", { jobId, error: error as Error }),
    );
    return { jobId };
  }

  /**
   * Lets the jobs under way finish (a remux takes seconds), then kills what is left after graceMs: a killed job sends
   * no event and leaves no temporary file. New jobs are refused from then on.
   */
  async close(graceMs = 30_000): Promise<void> {
    const running = Promise.all([...this.jobs.values()].map((job) => job.done));
    await Promise.race([running, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.closed = true;
    for (const job of this.jobs.values()) for (const child of job.children) child.kill("SIGKILL");
    await running;
  }

  private async run(jobId: string, job: Job, request: AssemblyRequest, sourceDir: string, output: string): Promise<void> {
    const emit = (status: StatusDetail) => {
      if (this.closed) return;
      const detail: JobDetail = {
        timestamp: Date.now(),
        accountId: LOCAL_AWS_ACCOUNT,
        queue: LOCAL_MEDIACONVERT_QUEUE,
        jobId,
        userMetadata: { recordingId: request.recordingId, accountId: request.accountId },
        ...status,
      };
      this.bus.put({ source: "aws.mediaconvert", "detail-type": "MediaConvert Job State Change", resources: [jobArn(jobId)], detail });
    };
    const log = { jobId, recordingId: request.recordingId, outputKey: request.outputKey };
    const partial = join(dirname(output), `.${basename(output)}.${jobId}.part`);
    let listDir: string | undefined;
    let probed: ProbedOutput | undefined;
    try {
      // A job that finished before this process started: its output is the proof. It is announced again rather than
      // redone, since the first announcement may have been lost with the process, and handlers are idempotent.
      if (!(await isFile(output))) {
        emit({ status: "PROGRESSING" });
        const segments = await this.segments(request, sourceDir);
        if (segments.length === 0) {
          throw new JobFailed(MEDIACONVERT_INPUT_NOT_FOUND, `No segments found under s3://${request.bucketName}/${request.sourcePrefix}`);
        }
        logger.info("assembling recording", { ...log, segments: segments.length });
        listDir = await mkdtemp(join(tmpdir(), "visionstream-vod-"));
        const list = join(listDir, "segments.ffconcat");
        const { parts, seconds } = await encoderRuns(segments, this.segmentsPerPart);
        const { list: listText, partLists } = await concatList(listDir, parts);
        await writeFile(list, listText);
        await mkdir(dirname(output), { recursive: true });
        // Gaps are closed. A reconnect restarts the encoder, so the timestamps jump between two segments; the concat
        // demuxer places each file right after the previous one and shifts its audio and video by the same amount,
        // so the MP4 plays straight through, its duration is the media actually recorded, and the two stay in sync.
        // Where the gaps were is kept on the recording (Recording.gaps), not as frozen frames in the file.
        // -xerror: without it ffmpeg skips a segment it cannot read and exits 0 with a shorter MP4.
        // The index goes first, so that a player starts before it has the whole file: written into room kept for it at
        // the start, in the one pass. +faststart would move it there afterwards, writing the whole MP4 a second time.
        const remux = async (placeIndex: string[]) =>
          this.child(job, this.ffmpegPath, [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-xerror", "-y",
            "-protocol_whitelist", "file,concatf", "-f", "concat", "-safe", "0", "-i", list,
            "-map", "0:v:0", "-map", "0:a:0?",
            "-c", "copy", "-bsf:a", "aac_adtstoasc", ...placeIndex,
            "-f", "mp4", partial,
          ]);
        let remuxed = await remux(["-moov_size", String(this.indexRoom(seconds))]);
        if (this.closed) return;
        if (remuxed.code !== 0 && remuxed.stderrTail.includes("reserved_moov_size is too small")) {
          logger.warn("the room kept for the MP4's index was too small; writing it again with +faststart", { ...log, seconds });
          remuxed = await remux(["-movflags", "+faststart"]);
          if (this.closed) return;
        }
        if (remuxed.code !== 0) {
          // A complaint about a part names its segments, not the list file that no one else sees.
          let complaint = remuxed.stderrTail.trim();
          for (const [input, segmentRange] of partLists) complaint = complaint.replaceAll(input, `the segments ${segmentRange}`);
          throw new JobFailed(MEDIACONVERT_UNKNOWN_ERROR, `ffmpeg exited with ${remuxed.code} joining ${segments.length} segments: ${complaint}`);
        }
        probed = await this.probe(job, partial);
        await rename(partial, output);
      }
      probed ??= await this.probe(job, output);
      if (this.closed) return;
      const video = probed.streams.find((stream) => stream.codec_type === "video");
      const averageBitrate = Number(video?.bit_rate);
      emit({
        status: "COMPLETE",
        outputGroupDetails: [
          {
            type: "FILE_GROUP",
            outputDetails: [
              {
                outputFilePaths: [`s3://${request.bucketName}/${request.outputKey}`],
                durationInMs: Math.round(Number(probed.format.duration ?? 0) * 1000),
                ...(video?.width && video.height
                  ? { videoDetails: { widthInPx: video.width, heightInPx: video.height, ...(averageBitrate > 0 ? { averageBitrate } : {}) } }
                  : {}),
              },
            ],
          },
        ],
      });
      logger.info("recording assembled", log);
    } catch (error) {
      if (this.closed) return;
      const failure = error instanceof JobFailed ? error : new JobFailed(MEDIACONVERT_UNKNOWN_ERROR, (error as Error).message);
      logger.error("recording assembly failed", { ...log, errorCode: failure.errorCode, error: failure });
      // Nothing half-written is left once the job is announced as ended.
      await rm(partial, { force: true });
      emit({ status: "ERROR", errorCode: failure.errorCode, errorMessage: failure.message });
    } finally {
      await rm(partial, { force: true });
      if (listDir) await rm(listDir, { recursive: true, force: true });
    }
  }

  /** The segment files under the source prefix, in the order of their sequence numbers. */
  private async segments(request: AssemblyRequest, sourceDir: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(sourceDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw error;
    }
    const prefix = request.sourcePrefix.endsWith("/") ? request.sourcePrefix : `${request.sourcePrefix}/`;
    return names
      .flatMap((name) => {
        const segment = parseSegmentKey(`${prefix}${name}`);
        return segment ? [{ path: join(sourceDir, name), sequence: segment.sequence }] : [];
      })
      .sort((a, b) => a.sequence - b.sequence)
      .map((segment) => segment.path);
  }

  private async probe(job: Job, path: string): Promise<ProbedOutput> {
    const probe = await this.child(job, this.ffprobePath, [
      "-v", "error", "-of", "json", "-show_entries", "format=duration:stream=codec_type,width,height,bit_rate", path,
    ]);
    if (probe.code !== 0) throw new JobFailed(MEDIACONVERT_UNKNOWN_ERROR, `ffprobe exited with ${probe.code} on the MP4: ${probe.stderrTail.trim()}`);
    return JSON.parse(probe.stdout) as ProbedOutput;
  }

  private async child(job: Job, command: string, args: string[]): Promise<ChildOutput> {
    if (this.closed) throw new Error("the VOD assembler is closed");
    const child = spawnChild(command, args, { stdio: ["ignore", "pipe", "pipe"], stderrTailChars: STDERR_TAIL_CHARS });
    job.children.add(child.process);
    let stdout = "";
    child.process.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exit = await child.exited;
    job.children.delete(child.process);
    if (exit.error) throw exit.error;
    return { code: exit.code, stdout, stderrTail: child.stderrTail() };
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
