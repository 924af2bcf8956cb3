import { setTimeout as sleep } from "node:timers/promises";
import {
  ConflictException,
  CreateChannelCommand,
  DeleteChannelCommand,
  DescribeChannelCommand,
  MediaLiveClient,
  NotFoundException,
  paginateListChannels,
  StartChannelCommand,
  StopChannelCommand,
  UpdateChannelCommand,
  type DescribeChannelResponse,
} from "@aws-sdk/client-medialive";
import type { MediaPackageClient } from "@aws-sdk/client-mediapackage";
import type { ChannelSpec, IngestEndpoint, LiveEngine } from "@visionstream/core/channels/channel";
import { DEFAULT_LADDER, type Ladder } from "@visionstream/core/channels/ladder";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import { PackagingChannels } from "../mediapackage/packaging-channels.ts";
import { LIVE_DESTINATION } from "./encoder-settings.ts";
import { MediaLiveInputs, ingestEndpoints } from "./inputs.ts";
import {
  LiveChannelTimeout,
  TAG,
  ignoreNotFound,
  liveResourceNames,
  required,
  type LiveResourceNames,
} from "./live-resources.ts";
import { createChannelRequest, withRecordingSession } from "./requests.ts";

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

export class AwsLiveEngine implements LiveEngine {
  private readonly medialive: MediaLiveClient;
  private readonly inputs: MediaLiveInputs;
  private readonly packagingChannels: PackagingChannels;
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
    this.inputs = new MediaLiveInputs({ medialive, prefix, polling });
    this.packagingChannels = new PackagingChannels(mediapackage);
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
    const input = (await this.inputs.find(names.name)) ?? (await this.inputs.create(spec, names, tags));
    const inputId = required(input.Id, "MediaLive input", names.name, "Id");
    await this.packagingChannels.ensure({
      id: names.name,
      description: `VisionStream channel ${spec.channelId} of account ${spec.accountId}`,
      segmentSeconds: this.ladder.segmentSeconds,
    });
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
      if (attachment.InputId) await this.inputs.delete(attachment.InputId);
    }
    const live = channel.Destinations?.find((destination) => destination.Id === LIVE_DESTINATION);
    for (const { ChannelId } of live?.MediaPackageSettings ?? []) {
      if (ChannelId) await this.packagingChannels.delete(ChannelId);
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
    const { Channel: channel } = await this.medialive.send(
      new CreateChannelCommand(
        createChannelRequest({ spec, names, tags, inputId, roleArn: this.roleArn, ladder: this.ladder }),
      ),
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
}

function notIdle(engineChannelId: string, state: string | undefined): Conflict {
  return new Conflict(`MediaLive channel ${engineChannelId} is ${state ?? "in an unknown state"}, not IDLE`, {
    engineChannelId,
    state,
  });
}
