import { CreateJobCommand, type MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import type { AssemblyRequest, VodAssembler } from "@visionstream/core/recordings/recording";
import { recordingPlaylistKey, vodJobSettings, vodJobUserMetadata } from "./job-settings.ts";

/** Tags on every job, named like the tags on the live resources. */
export const JOB_TAG = { accountId: "visionstream:accountId", recordingId: "visionstream:recordingId" } as const;

/**
 * MediaConvert's idempotency token (at most 64 ASCII characters): within a minute of a successful CreateJob,
 * the same token returns the first job instead of starting a second. One per recording and attempt, so that a
 * retried delivery reuses it and a new attempt gets a new job.
 */
export const vodJobToken = (recordingId: string, attempt: number) => `${recordingId}-attempt-${attempt}`;

/** MediaConvert answered CreateJob without a job id. */
export class VodJobMissing extends Error {
  override name = "VodJobMissing";
  constructor(readonly recordingId: string) {
    super(`MediaConvert returned no job for recording ${recordingId}`);
  }
}

export interface AwsVodAssemblerOptions {
  /** A client of the regional endpoint: MediaConvert no longer needs DescribeEndpoints. */
  mediaconvert: MediaConvertClient;
  /** The role MediaConvert assumes to read recordings/ and write vod/ in the account buckets. */
  roleArn: string;
  /** Without it, jobs go to the account's Default queue. */
  queueArn?: string;
}

export class AwsVodAssembler implements VodAssembler {
  private readonly mediaconvert: MediaConvertClient;
  private readonly roleArn: string;
  private readonly queueArn: string | undefined;

  constructor({ mediaconvert, roleArn, queueArn }: AwsVodAssemblerOptions) {
    this.mediaconvert = mediaconvert;
    this.roleArn = roleArn;
    this.queueArn = queueArn;
  }

  async assemble(request: AssemblyRequest): Promise<{ jobId: string }> {
    const { Job } = await this.mediaconvert.send(
      new CreateJobCommand({
        Role: this.roleArn,
        ...(this.queueArn && { Queue: this.queueArn }),
        Settings: vodJobSettings(request, { playlistKey: recordingPlaylistKey(request.sourcePrefix) }),
        UserMetadata: vodJobUserMetadata(request),
        ClientRequestToken: vodJobToken(request.recordingId, request.attempt),
        Tags: { [JOB_TAG.accountId]: request.accountId, [JOB_TAG.recordingId]: request.recordingId },
        StatusUpdateInterval: "SECONDS_10",
      }),
    );
    if (!Job?.Id) throw new VodJobMissing(request.recordingId);
    return { jobId: Job.Id };
  }
}
