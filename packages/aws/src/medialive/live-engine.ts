import { setTimeout as sleep } from "node:timers/promises";
import {
  ConflictException,
  CreateChannelCommand,
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  DeleteChannelCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  DescribeChannelCommand,
  DescribeInputCommand,
  MediaLiveClient,
  NotFoundException,
  paginateListChannels,
  paginateListInputs,
  paginateListInputSecurityGroups,
  StartChannelCommand,
  StopChannelCommand,
  UpdateChannelCommand,
  type DescribeChannelResponse,
  type Input,
  type InputDestination,
  type OutputDestination,
} from "@aws-sdk/client-medialive";
import {
  CreateChannelCommand as CreatePackagingChannelCommand,
  CreateOriginEndpointCommand,
  DeleteChannelCommand as DeletePackagingChannelCommand,
  DeleteOriginEndpointCommand,
  DescribeChannelCommand as DescribePackagingChannelCommand,
  DescribeOriginEndpointCommand,
  MediaPackageClient,
  NotFoundException as PackagingNotFoundException,
} from "@aws-sdk/client-mediapackage";
import type { ChannelSpec, IngestEndpoint, LiveEngine } from "@visionstream/core/channels/channel";
import { DEFAULT_LADDER, type Ladder } from "@visionstream/core/channels/ladder";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import {
  AUDIO_SELECTOR,
  LIVE_DESTINATION,
  RECORDING_DESTINATION,
  UNSTARTED_SESSION,
  encoderSettings,
  recordingDestinationUrl,
} from "./encoder-settings.ts";

/** Tags on every MediaLive resource of a channel; input security groups have no name, and are found by these. */
export const TAG = {
  prefix: "visionstream:prefix",
  accountId: "visionstream:accountId",
  channelId: "visionstream:channelId",
} as const;

export const RTMP_APPLICATION = "live";

export interface LiveResourceNames {
  /** The MediaLive input and channel name, and the MediaPackage channel id. */
  name: string;
  originEndpointId: string;
  inputRequestId: string;
  channelRequestId: string;
}

/** The MediaPackage origin endpoint of a MediaPackage channel. */
export const originEndpointId = (packagingChannelId: string) => `${packagingChannelId}-live`;

export function liveResourceNames(prefix: string, channelId: string): LiveResourceNames {
  const name = `${prefix}-${channelId}`;
  return {
    name,
    originEndpointId: originEndpointId(name),
    inputRequestId: `${name}-input`,
    channelRequestId: `${name}-channel`,
  };
}


/** AWS answered without a field that the engine needs (an id, an ingest address). */
export class LiveResourceMissing extends Error {
  override name = "LiveResourceMissing";
  constructor(
    readonly resource: string,
    readonly resourceName: string,
    readonly field: string,
  ) {
    super(`${resource} ${resourceName} has no ${field}`);
  }
}

/** The channel is still changing state after the engine's polling time. */
export class LiveChannelTimeout extends Error {
  override name = "LiveChannelTimeout";
  constructor(
    readonly engineChannelId: string,
    readonly state: string | undefined,
  ) {
    super(`MediaLive channel ${engineChannelId} is still ${state ?? "in an unknown state"}`);
  }
}

export interface AwsLiveEngineOptions {
  medialive: MediaLiveClient;
  mediapackage: MediaPackageClient;
  /** The role MediaLive assumes to write the account buckets and push to MediaPackage. */
  roleArn: string;
  /** Prefix of every resource name, for example "visionstream-prod". */
  prefix: string;
  ladder?: Ladder;
  /** How often, and how long at most, to poll a channel that is settling (creating, updating, stopping, deleting). */
  polling?: { intervalMs: number; timeoutMs: number };
}

type ChannelState = NonNullable<DescribeChannelResponse["State"]>;

const SETTLING: ChannelState[] = ["CREATING", "UPDATING", "STOPPING"];
const ON_AIR: ChannelState[] = ["STARTING", "RUNNING", "RECOVERING"];
const pipelines = (spec: ChannelSpec) => (spec.redundancy === "STANDARD" ? 2 : 1);

export class AwsLiveEngine implements LiveEngine {
  private readonly medialive: MediaLiveClient;
  private readonly mediapackage: MediaPackageClient;
  private readonly roleArn: string;
  private readonly prefix: string;
  private readonly ladder: Ladder;
  private readonly polling: { intervalMs: number; timeoutMs: number };

  constructor({
    medialive,
    mediapackage,
    roleArn,
    prefix,
    ladder = DEFAULT_LADDER,
    polling = { intervalMs: 2_000, timeoutMs: 60_000 },
  }: AwsLiveEngineOptions) {
    this.medialive = medialive;
    this.mediapackage = mediapackage;
    this.roleArn = roleArn;
    this.prefix = prefix;
    this.ladder = ladder;
    this.polling = polling;
  }

  async createChannel(spec: ChannelSpec): Promise<{ engineChannelId: string; ingest: IngestEndpoint[] }> {
    if (spec.inputType === "RTMP_PUSH" && !spec.streamKey) {
      throw new InvalidInput("streamKey", "an RTMP channel needs a stream key");
    }
    const names = liveResourceNames(this.prefix, spec.channelId);
    const tags = {
      [TAG.prefix]: this.prefix,
      [TAG.accountId]: spec.accountId,
      [TAG.channelId]: spec.channelId,
    };
    const input = (await this.findInput(names.name)) ?? (await this.createInput(spec, names, tags));
    const inputId = required(input.Id, "MediaLive input", names.name, "Id");
    await this.ensurePackagingChannel(spec, names);
    const engineChannelId =
      (await this.findChannel(names.name)) ?? (await this.createEngineChannel(spec, names, tags, inputId));
    return { engineChannelId, ingest: ingestEndpoints(spec, names.name, input.Destinations ?? []) };
  }

  async startChannel(engineChannelId: string, sessionId: string): Promise<void> {
    if (!/^[A-Za-z0-9._-]+$/.test(sessionId)) {
      throw new InvalidInput("sessionId", "letters, digits, dots, underscores and hyphens only");
    }
    let channel = await this.settle(engineChannelId);
    const destinations = withRecordingSession(engineChannelId, channel.Destinations ?? [], sessionId);
    const unchanged = JSON.stringify(destinations) === JSON.stringify(channel.Destinations);
    if (ON_AIR.includes(channel.State as ChannelState)) {
      if (unchanged) return;
      throw new Conflict(`MediaLive channel ${engineChannelId} is already ${channel.State} with another session`, {
        engineChannelId,
        state: channel.State,
      });
    }
    if (channel.State !== "IDLE") throw notIdle(engineChannelId, channel.State);
    if (!unchanged) {
      // UpdateChannel drops the role of a channel when RoleArn is left out, so the whole configuration goes back.
      await this.medialive.send(
        new UpdateChannelCommand({
          ChannelId: engineChannelId,
          Name: channel.Name,
          RoleArn: this.roleArn,
          InputAttachments: channel.InputAttachments,
          InputSpecification: channel.InputSpecification,
          EncoderSettings: channel.EncoderSettings,
          Destinations: destinations,
        }),
      );
      channel = await this.settle(engineChannelId);
      if (channel.State !== "IDLE") throw notIdle(engineChannelId, channel.State);
    }
    await this.medialive.send(new StartChannelCommand({ ChannelId: engineChannelId }));
  }

  async stopChannel(engineChannelId: string): Promise<void> {
    const channel = await this.describe(engineChannelId);
    if (!channel || !ON_AIR.includes(channel.State as ChannelState)) return;
    await this.stop(engineChannelId);
  }

  async deleteChannel(engineChannelId: string): Promise<void> {
    let channel = await this.describe(engineChannelId);
    if (!channel) return;
    if (ON_AIR.includes(channel.State as ChannelState)) await this.stop(engineChannelId);
    if (channel.State !== "DELETED") {
      channel = await this.settle(engineChannelId);
      if (channel.State !== "DELETING" && channel.State !== "DELETED") {
        await ignoreNotFound(this.medialive.send(new DeleteChannelCommand({ ChannelId: engineChannelId })));
      }
      await this.waitForChannel(engineChannelId, (state) => state === undefined || state === "DELETED");
    }
    for (const attachment of channel.InputAttachments ?? []) {
      if (attachment.InputId) await this.deleteInput(attachment.InputId);
    }
    const live = channel.Destinations?.find((destination) => destination.Id === LIVE_DESTINATION);
    for (const { ChannelId } of live?.MediaPackageSettings ?? []) {
      if (ChannelId) await this.deletePackagingChannel(ChannelId);
    }
  }

  private async findInput(name: string): Promise<Input | undefined> {
    for await (const page of paginateListInputs({ client: this.medialive }, {})) {
      const input = page.Inputs?.find(
        (candidate) => candidate.Name === name && candidate.State !== "DELETING" && candidate.State !== "DELETED",
      );
      if (input) return input;
    }
    return undefined;
  }

  private async createInput(spec: ChannelSpec, names: LiveResourceNames, tags: Record<string, string>): Promise<Input> {
    const securityGroupId = await this.ensureSecurityGroup(spec, names, tags);
    const { Input: input } = await this.medialive.send(
      new CreateInputCommand({
        Name: names.name,
        RequestId: names.inputRequestId,
        Type: spec.inputType,
        InputSecurityGroups: [securityGroupId],
        // An RTP input always gets two endpoints on port 5000; an RTMP input one per pipeline.
        ...(spec.inputType === "RTMP_PUSH" && {
          Destinations: Array.from({ length: pipelines(spec) }, () => ({
            StreamName: `${RTMP_APPLICATION}/${spec.streamKey}`,
          })),
        }),
        Tags: tags,
      }),
    );
    if (!input) throw new LiveResourceMissing("MediaLive input", names.name, "Input");
    return input;
  }

  private async ensureSecurityGroup(
    spec: ChannelSpec,
    names: LiveResourceNames,
    tags: Record<string, string>,
  ): Promise<string> {
    for await (const page of paginateListInputSecurityGroups({ client: this.medialive }, {})) {
      const group = page.InputSecurityGroups?.find(
        (candidate) =>
          candidate.State !== "DELETED" &&
          candidate.Tags?.[TAG.prefix] === this.prefix &&
          candidate.Tags?.[TAG.channelId] === spec.channelId,
      );
      if (group) return required(group.Id, "MediaLive input security group", names.name, "Id");
    }
    const { SecurityGroup: group } = await this.medialive.send(
      new CreateInputSecurityGroupCommand({
        WhitelistRules: spec.allowCidrs.map((Cidr) => ({ Cidr })),
        Tags: tags,
      }),
    );
    return required(group?.Id, "MediaLive input security group", names.name, "Id");
  }

  private async ensurePackagingChannel(spec: ChannelSpec, names: LiveResourceNames): Promise<void> {
    try {
      await this.mediapackage.send(new DescribePackagingChannelCommand({ Id: names.name }));
    } catch (error) {
      if (!(error instanceof PackagingNotFoundException)) throw error;
      await this.mediapackage.send(
        new CreatePackagingChannelCommand({
          Id: names.name,
          Description: `VisionStream channel ${spec.channelId} of account ${spec.accountId}`,
        }),
      );
    }
    try {
      await this.mediapackage.send(new DescribeOriginEndpointCommand({ Id: names.originEndpointId }));
    } catch (error) {
      if (!(error instanceof PackagingNotFoundException)) throw error;
      // No startover window: the endpoint serves the live edge only; recordings come from the bucket.
      await this.mediapackage.send(
        new CreateOriginEndpointCommand({
          ChannelId: names.name,
          Id: names.originEndpointId,
          ManifestName: "master",
          HlsPackage: {
            SegmentDurationSeconds: this.ladder.segmentSeconds,
            PlaylistWindowSeconds: 60,
          },
        }),
      );
    }
  }

  private async findChannel(name: string): Promise<string | undefined> {
    for await (const page of paginateListChannels({ client: this.medialive }, {})) {
      const channel = page.Channels?.find(
        (candidate) => candidate.Name === name && candidate.State !== "DELETING" && candidate.State !== "DELETED",
      );
      if (channel) return required(channel.Id, "MediaLive channel", name, "Id");
    }
    return undefined;
  }

  private async createEngineChannel(
    spec: ChannelSpec,
    names: LiveResourceNames,
    tags: Record<string, string>,
    inputId: string,
  ): Promise<string> {
    const recordingUrl = recordingDestinationUrl(spec.bucketName, spec.channelId, UNSTARTED_SESSION);
    const { Channel: channel } = await this.medialive.send(
      new CreateChannelCommand({
        Name: names.name,
        RequestId: names.channelRequestId,
        ChannelClass: spec.redundancy === "STANDARD" ? "STANDARD" : "SINGLE_PIPELINE",
        RoleArn: this.roleArn,
        InputAttachments: [
          {
            InputId: inputId,
            InputAttachmentName: names.name,
            InputSettings: { AudioSelectors: [{ Name: AUDIO_SELECTOR }] },
          },
        ],
        // Broadcasters push MPEG-2 HD over RTP; RTMP carries H.264.
        InputSpecification: {
          Codec: spec.inputType === "RTP_PUSH" ? "MPEG2" : "AVC",
          Resolution: "HD",
          MaximumBitrate: "MAX_20_MBPS",
        },
        Destinations: [
          {
            Id: RECORDING_DESTINATION,
            Settings: Array.from({ length: pipelines(spec) }, () => ({ Url: recordingUrl })),
          },
          { Id: LIVE_DESTINATION, MediaPackageSettings: [{ ChannelId: names.name }] },
        ],
        EncoderSettings: encoderSettings(this.ladder),
        Tags: tags,
      }),
    );
    return required(channel?.Id, "MediaLive channel", names.name, "Id");
  }

  private async describe(engineChannelId: string): Promise<DescribeChannelResponse | undefined> {
    try {
      return await this.medialive.send(new DescribeChannelCommand({ ChannelId: engineChannelId }));
    } catch (error) {
      if (error instanceof NotFoundException) return undefined;
      throw error;
    }
  }

  /** The channel once it is no longer creating, updating or stopping. */
  private async settle(engineChannelId: string): Promise<DescribeChannelResponse> {
    const channel = await this.waitForChannel(engineChannelId, (state) => !SETTLING.includes(state as ChannelState));
    if (!channel) throw new NotFound("MediaLive channel", engineChannelId);
    return channel;
  }

  /** Polls until `done` holds for the channel's state (undefined once the channel is gone). */
  private async waitForChannel(
    engineChannelId: string,
    done: (state: string | undefined) => boolean,
  ): Promise<DescribeChannelResponse | undefined> {
    const deadline = Date.now() + this.polling.timeoutMs;
    for (;;) {
      const channel = await this.describe(engineChannelId);
      if (done(channel?.State)) return channel;
      if (Date.now() + this.polling.intervalMs > deadline) throw new LiveChannelTimeout(engineChannelId, channel?.State);
      await sleep(this.polling.intervalMs);
    }
  }

  private async stop(engineChannelId: string): Promise<void> {
    try {
      await this.medialive.send(new StopChannelCommand({ ChannelId: engineChannelId }));
    } catch (error) {
      // A concurrent stop got there first.
      if (error instanceof ConflictException || error instanceof NotFoundException) return;
      throw error;
    }
  }

  private async deleteInput(inputId: string): Promise<void> {
    let input;
    try {
      input = await this.medialive.send(new DescribeInputCommand({ InputId: inputId }));
    } catch (error) {
      if (error instanceof NotFoundException) return;
      throw error;
    }
    if (input.State !== "DELETING" && input.State !== "DELETED") {
      await ignoreNotFound(this.medialive.send(new DeleteInputCommand({ InputId: inputId })));
    }
    // A security group in use by an input cannot be deleted: wait for the input to be gone.
    await this.waitForInputDeleted(inputId);
    for (const InputSecurityGroupId of input.SecurityGroups ?? []) {
      await ignoreNotFound(this.medialive.send(new DeleteInputSecurityGroupCommand({ InputSecurityGroupId })));
    }
  }

  private async waitForInputDeleted(inputId: string): Promise<void> {
    const deadline = Date.now() + this.polling.timeoutMs;
    for (;;) {
      let state: string | undefined;
      try {
        ({ State: state } = await this.medialive.send(new DescribeInputCommand({ InputId: inputId })));
      } catch (error) {
        if (error instanceof NotFoundException) return;
        throw error;
      }
      if (state === "DELETED") return;
      if (Date.now() + this.polling.intervalMs > deadline) {
        throw new Conflict(`MediaLive input ${inputId} is still ${state ?? "in an unknown state"}`, { inputId, state });
      }
      await sleep(this.polling.intervalMs);
    }
  }

  private async deletePackagingChannel(packagingChannelId: string): Promise<void> {
    await ignorePackagingNotFound(
      this.mediapackage.send(new DeleteOriginEndpointCommand({ Id: originEndpointId(packagingChannelId) })),
    );
    await ignorePackagingNotFound(
      this.mediapackage.send(new DeletePackagingChannelCommand({ Id: packagingChannelId })),
    );
  }
}

function ingestEndpoints(spec: ChannelSpec, inputName: string, destinations: InputDestination[]): IngestEndpoint[] {
  const endpoints = destinations.slice(0, pipelines(spec));
  if (endpoints.length < pipelines(spec)) {
    throw new LiveResourceMissing("MediaLive input", inputName, `${pipelines(spec)} destinations`);
  }
  return endpoints.map((destination) => {
    const host = destinationHost(destination);
    if (!host) throw new LiveResourceMissing("MediaLive input", inputName, "destination address");
    return spec.inputType === "RTMP_PUSH"
      ? { url: `rtmp://${host}/${RTMP_APPLICATION}`, streamKey: spec.streamKey }
      : { url: `rtp://${host}` };
  });
}

/** ip:port of an input endpoint; the URL says the same (rtmp://ip:1935/live/key, rtp://ip:5000). */
function destinationHost({ Ip, Port, Url }: InputDestination): string | undefined {
  if (Ip && Port) return `${Ip}:${Port}`;
  if (!Url) return undefined;
  try {
    return new URL(Url).host || undefined;
  } catch {
    return undefined;
  }
}

/** The channel's destinations with the recording moved to recordings/<channelId>/<sessionId>/. */
function withRecordingSession(
  engineChannelId: string,
  destinations: OutputDestination[],
  sessionId: string,
): OutputDestination[] {
  const recording = destinations.find((destination) => destination.Id === RECORDING_DESTINATION);
  if (!recording?.Settings?.length) {
    throw new LiveResourceMissing("MediaLive channel", engineChannelId, "recording destination");
  }
  return destinations.map((destination) =>
    destination.Id !== RECORDING_DESTINATION
      ? destination
      : {
          ...destination,
          Settings: (destination.Settings ?? []).map((settings) => {
            const match = /^(s3ssl:\/\/[^/]+\/recordings\/[^/]+\/)[^/]+\/$/.exec(settings.Url ?? "");
            if (!match) throw new LiveResourceMissing("MediaLive channel", engineChannelId, "recordings/ destination");
            return { ...settings, Url: `${match[1]}${sessionId}/` };
          }),
        },
  );
}

function notIdle(engineChannelId: string, state: string | undefined): Conflict {
  return new Conflict(`MediaLive channel ${engineChannelId} is ${state ?? "in an unknown state"}, not IDLE`, {
    engineChannelId,
    state,
  });
}

async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
}

async function ignorePackagingNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof PackagingNotFoundException)) throw error;
  }
}

function required(value: string | undefined, resource: string, name: string, field: string): string {
  if (!value) throw new LiveResourceMissing(resource, name, field);
  return value;
}
