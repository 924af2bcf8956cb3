// Test support for the domain's use cases: fakes of the ports that record their calls, and AWS events in their exact shape.
import { randomUUID } from "node:crypto";
import {
  MediaConnectSourceHealth,
  MediaConvertJobStateChange,
  MediaLiveChannelAlert,
  MediaLiveChannelStateChange,
  S3ObjectCreated,
  type VisionStreamEntry,
} from "@visionstream/events";
import type { Account } from "./accounts/account.ts";
import { type ChannelResources, type ChannelSpec, type ChannelState, type IngestEndpoint, type LiveEngine, type LivePlayback, localLivePlayback } from "./channels/channel.ts";
import type { PathSignature, PlaybackSigner } from "./channels/playback.ts";
import { newId } from "./ids.ts";
import type { EventPublisher, StepResult } from "./ports.ts";
import type { ObjectStore } from "./recordings/recording.ts";

const AWS_ACCOUNT = "111122223333";
const REGION = "eu-west-1";

/** A clock the test moves. */
export function testClock(start = "2026-03-01T12:00:00.000Z") {
  let ms = Date.parse(start);
  return {
    now: () => new Date(ms),
    advance: (byMs: number) => void (ms += byMs),
    /** Now as EventBridge writes an event's time (whole seconds). */
    eventTime: () => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

/** A port that records every call and refuses the next call of a method when told to. */
export class FakePort<Method extends string> {
  readonly calls: { method: Method; args: unknown[] }[] = [];
  private readonly refusals = new Map<Method, Error>();

  refuseNext(method: Method, error = new Error(`${method} refused`)): void {
    this.refusals.set(method, error);
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  protected called(method: Method, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const refusal = this.refusals.get(method);
    if (!refusal) return;
    this.refusals.delete(method);
    throw refusal;
  }
}

export class RecordingPublisher implements EventPublisher {
  readonly published: VisionStreamEntry[] = [];

  async publish(...entries: VisionStreamEntry[]): Promise<void> {
    this.published.push(...entries);
  }

  detailTypes(): string[] {
    return this.published.map((entry) => entry["detail-type"]);
  }
}

type LiveStep = "startChannel" | "stopChannel" | "deleteChannel";

/**
 * Names its channels <channelId>-e1, -e2, … and gives RTMP channels an ingest URL with their stream key, SRT channels one with their passphrase. Each step
 * answers "done" unless told to answer "pending" (pendNext) or to throw (refuseNext); `during` runs inside a step, to race it.
 */
export class FakeLiveEngine extends FakePort<"createChannel" | LiveStep> implements LiveEngine {
  during?: (step: LiveStep) => Promise<void>;
  /** Where live output is served: the local engine's shape unless a test gives another (MediaPackage's). */
  playbackOf = (channelId: string): LivePlayback => localLivePlayback(channelId);
  private created = 0;
  private readonly pending = new Map<LiveStep, number>();
  private notRunning = 0;

  /** The next `times` calls of `step` answer "pending". */
  pendNext(step: LiveStep, times = 1): void {
    this.pending.set(step, (this.pending.get(step) ?? 0) + times);
  }

  /** The next stop finds nothing on air. */
  nothingOnAirNext(): void {
    this.notRunning++;
  }

  async createChannel(spec: ChannelSpec): Promise<{ engineChannelId: string; ingest: IngestEndpoint[] }> {
    this.called("createChannel", spec);
    const engineChannelId = `${spec.channelId}-e${++this.created}`;
    const ingest: Record<ChannelSpec["inputType"], IngestEndpoint[]> = {
      RTMP_PUSH: [{ url: "rtmp://203.0.113.10:1935/live", streamKey: spec.streamKey }],
      RTP_PUSH: [{ url: "rtp://203.0.113.10:5000" }],
      SRT_LISTENER: [{ url: "srt://203.0.113.10:9000", passphrase: spec.srtPassphrase }],
    };
    return { engineChannelId, ingest: ingest[spec.inputType] };
  }

  startChannel(engineChannelId: string, sessionId: string): Promise<StepResult> {
    return this.step("startChannel", engineChannelId, sessionId);
  }

  async stopChannel(engineChannelId: string): Promise<StepResult | "not-running"> {
    const step = await this.step("stopChannel", engineChannelId);
    if (step === "pending" || this.notRunning === 0) return step;
    this.notRunning--;
    return "not-running";
  }

  deleteChannel(channel: ChannelResources): Promise<StepResult> {
    return this.step("deleteChannel", channel);
  }

  livePlayback(channelId: string): LivePlayback {
    return this.playbackOf(channelId);
  }

  private async step(step: LiveStep, ...args: unknown[]): Promise<StepResult> {
    this.called(step, ...args);
    await this.during?.(step);
    const pending = this.pending.get(step) ?? 0;
    if (pending === 0) return "done";
    this.pending.set(step, pending - 1);
    return "pending";
  }
}

/** Signs by writing what it was asked into the answer, so a test can read it back. */
export class FakeSigner extends FakePort<"signPath" | "signUrl"> implements PlaybackSigner {
  async signPath(accountId: string, urlPattern: string, expiresAt: Date): Promise<PathSignature> {
    this.called("signPath", accountId, urlPattern, expiresAt);
    return { query: `Policy=${encodeURIComponent(urlPattern)}&Key-Pair-Id=key-${accountId}`, cookies: { "CloudFront-Key-Pair-Id": `key-${accountId}` }, expiresAt: expiresAt.toISOString() };
  }

  async signUrl(accountId: string, url: string, expiresAt: Date): Promise<string> {
    this.called("signUrl", accountId, url, expiresAt);
    return `${url}?Expires=${Math.floor(expiresAt.getTime() / 1000)}&Key-Pair-Id=key-${accountId}`;
  }
}

/** Buckets as maps of key to object. */
export class FakeObjectStore extends FakePort<"put" | "size" | "deletePrefix" | "delete"> implements ObjectStore {
  readonly objects = new Map<string, { body: string; contentType: string; size: number }>();

  async put(bucketName: string, key: string, body: string, contentType: string): Promise<void> {
    this.called("put", bucketName, key, body, contentType);
    this.objects.set(`${bucketName}/${key}`, { body, contentType, size: Buffer.byteLength(body) });
  }

  async size(bucketName: string, key: string): Promise<number | undefined> {
    this.called("size", bucketName, key);
    return this.objects.get(`${bucketName}/${key}`)?.size;
  }

  async deletePrefix(bucketName: string, prefix: string): Promise<void> {
    this.called("deletePrefix", bucketName, prefix);
    for (const path of this.objects.keys()) if (path.startsWith(`${bucketName}/${prefix}`)) this.objects.delete(path);
  }

  async delete(bucketName: string, key: string): Promise<void> {
    this.called("delete", bucketName, key);
    this.objects.delete(`${bucketName}/${key}`);
  }
}

/** A provisioned account with its bucket (named as the stacks name it, ending with the account id) and CDN. */
export function activeAccount(changes: Partial<Account> = {}): Account {
  const id = changes.id ?? newId("account");
  const createdAt = "2026-03-01T00:00:00.000Z";
  return {
    id,
    name: `account ${id}`,
    status: "ACTIVE",
    createdAt,
    updatedAt: createdAt,
    provisioningAttempts: 1,
    bucketName: `vs-media-${id}`,
    distributionId: `E${id.slice(4).toUpperCase()}`,
    cdnBaseUrl: `https://${id}.cdn.test`,
    publicKeyId: `K${id.slice(4).toUpperCase()}`,
    ...changes,
  };
}

function envelope(source: string, detailType: string, time: string, resources: string[], detail: unknown) {
  return { version: "0", id: randomUUID(), "detail-type": detailType, source, account: AWS_ACCOUNT, time, region: REGION, resources, detail };
}

const engineChannelArn = (engineChannelId: string) => `arn:aws:medialive:${REGION}:${AWS_ACCOUNT}:channel:${engineChannelId}`;

export function channelStateChange(engineChannelId: string, state: ChannelState, time: string, pipelinesRunning = 0): MediaLiveChannelStateChange {
  const arn = engineChannelArn(engineChannelId);
  return MediaLiveChannelStateChange.parse(
    envelope("aws.medialive", "MediaLive Channel State Change", time, [arn], { channel_arn: arn, state, message: `channel is ${state}`, pipelines_running_count: pipelinesRunning }),
  );
}

/** MediaLive's alert; "RTMP Has No Audio/Video" is how it reports an RTMP input lost. */
export function channelAlert(engineChannelId: string, alarm: "SET" | "CLEARED", time: string, alertType = "RTMP Has No Audio/Video"): MediaLiveChannelAlert {
  const arn = engineChannelArn(engineChannelId);
  return MediaLiveChannelAlert.parse(
    envelope("aws.medialive", "MediaLive Channel Alert", time, [arn], { alarm_state: alarm, alarm_id: `alarm-${alertType}`, alert_type: alertType, channel_arn: arn, message: alertType, pipeline: "0" }),
  );
}

export function objectCreated(bucketName: string, key: string, time: string, size = 188_000): S3ObjectCreated {
  return S3ObjectCreated.parse(
    envelope("aws.s3", "Object Created", time, [`arn:aws:s3:::${bucketName}`], {
      version: "0",
      bucket: { name: bucketName },
      object: { key, size, etag: `etag-${key}`, sequencer: "0001" },
      "request-id": "request",
      requester: AWS_ACCOUNT,
      reason: "PutObject",
    }),
  );
}

type JobEnd = { status: "COMPLETE"; mp4Path: string; durationMs: number } | { status: "ERROR"; errorCode: number; errorMessage: string } | { status: "CANCELED" };

export function jobStateChange(jobId: string, userMetadata: Record<string, string>, end: JobEnd, time: string): MediaConvertJobStateChange {
  const common = { timestamp: Date.parse(time), accountId: AWS_ACCOUNT, queue: `arn:aws:mediaconvert:${REGION}:${AWS_ACCOUNT}:queues/Default`, jobId, userMetadata };
  const detail =
    end.status === "COMPLETE"
      ? { ...common, status: end.status, outputGroupDetails: [{ type: "FILE_GROUP", outputDetails: [{ outputFilePaths: [end.mp4Path], durationInMs: end.durationMs }] }] }
      : { ...common, ...end };
  return MediaConvertJobStateChange.parse(envelope("aws.mediaconvert", "MediaConvert Job State Change", time, [`arn:aws:mediaconvert:${REGION}:${AWS_ACCOUNT}:jobs/${jobId}`], detail));
}

/** TR 101 290 indicators, all false but those named. */
const tr101 = (...raised: string[]) =>
  Object.fromEntries(["ts_sync_loss", "continuity_count_error", "transport_error", "pcr_error"].map((name) => [name, raised.includes(name)]));

/**
 * MediaConnect's source health of a flow as the documented sample prints it, in `region`: `state` as MediaConnect
 * writes it (CONNECTED, DISCONNECTED, …), with the TR 101 290 indicators `raised` (unhealthy when any is, or when the
 * source is not connected).
 */
export function sourceHealthReport(
  flowName: string,
  { state, raised = [], time, region = REGION }: { state: string; raised?: string[]; time: string; region?: string },
): MediaConnectSourceHealth {
  const flowArn = `arn:aws:mediaconnect:${region}:${AWS_ACCOUNT}:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:${flowName}`;
  const unhealthy = raised.length > 0 || state.toLowerCase() !== "connected";
  return MediaConnectSourceHealth.parse({
    ...envelope("aws.mediaconnect", "MediaConnect Source Health", time, [flowArn, `${flowArn.replace(":flow:", ":source:")}-source`], {
      unhealthy,
      current: { state, tr101: tr101(...raised) },
      previous: { state: "CONNECTED", tr101: tr101() },
    }),
    region,
  });
}

/** MediaConnect's source health of a flow (its ARN ends with the flow name). */
export function sourceHealth(flowName: string, unhealthy: boolean, time: string): MediaConnectSourceHealth {
  const flowArn = `arn:aws:mediaconnect:${REGION}:${AWS_ACCOUNT}:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:${flowName}`;
  const state = unhealthy ? "DISCONNECTED" : "CONNECTED";
  return MediaConnectSourceHealth.parse(
    envelope("aws.mediaconnect", "MediaConnect Source Health", time, [flowArn, `${flowArn.replace(":flow:", ":source:")}-source`], {
      unhealthy,
      current: { state },
      previous: { state: unhealthy ? "CONNECTED" : "DISCONNECTED" },
    }),
  );
}

/** A switcher's stack finished creating, in `region` (stacks are named <prefix>-<switcherId>-<region>). */
export function switcherStackDeployed(prefix: string, switcherId: string, region: string, time: string) {
  const stackId = `arn:aws:cloudformation:${region}:${AWS_ACCOUNT}:stack/${prefix}-${switcherId}-${region}/5c1c0ab0-12fc-11ed-acb4-0e99ce9abea2`;
  return {
    ...envelope("aws.cloudformation", "CloudFormation Stack Status Change", time, [stackId], {
      "stack-id": stackId,
      "status-details": { status: "CREATE_COMPLETE", "status-reason": "" },
      "client-request-token": "",
    }),
    region,
  };
}

/** A flow's status changed (MediaConnect Flow Status Change). */
export function flowStatusChange(flowName: string, currentStatus: string, previousStatus: string, time: string) {
  const flowArn = `arn:aws:mediaconnect:${REGION}:${AWS_ACCOUNT}:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:${flowName}`;
  return envelope("aws.mediaconnect", "MediaConnect Flow Status Change", time, [flowArn], { currentStatus, previousStatus });
}
