import {
  BadRequestException,
  ConflictException,
  CreateChannelCommand,
  DeleteChannelCommand,
  DescribeChannelCommand,
  MediaLiveClient,
  NotFoundException,
  StartChannelCommand,
  StopChannelCommand,
  UnprocessableEntityException,
  UpdateChannelCommand,
  paginateListChannels,
  type ChannelState as MediaLiveChannelState,
} from "@aws-sdk/client-medialive";
import type { MediaPackageV2Client } from "@aws-sdk/client-mediapackagev2";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { ChannelResources, ChannelSpec, IngestEndpoint, LiveEngine, LivePlayback } from "@visionstream/core/channels/channel";
import { DEFAULT_LADDER, type Ladder } from "@visionstream/core/channels/ladder";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import type { StepResult } from "@visionstream/core/ports";
import type { SpekeKeyServer } from "../mediapackage/origin-endpoints.ts";
import { PackagingChannels } from "../mediapackage/packaging-channels.ts";
import { ChannelPassphrases } from "../secrets/channel-passphrase.ts";
import { MediaLiveInputs, ingestEndpoints } from "./inputs.ts";
import {
  LiveResourceMissing,
  TAG,
  ignoreNotFound,
  liveResourceNames,
  orUndefinedIfNotFound,
  required,
  type LiveResourceNames,
} from "./live-resources.ts";
import { createChannelRequest, recordingSession, withRecordingSession } from "./requests.ts";

export interface AwsLiveEngineOptions {
  medialive: MediaLiveClient;
  mediapackage: MediaPackageV2Client;
  /** Where SRT channels' passphrases are kept, among their accounts' secrets. */
  secrets: SecretsManagerClient;
  /** The role MediaLive assumes to write the account buckets and push to MediaPackage. */
  roleArn: string;
  /** Prefix of every resource name, for example "visionstream-prod". */
  prefix: string;
  /** The stage's MediaPackage v2 channel group. */
  channelGroup: string;
  /** The stage's SPEKE v2 key server, which MediaPackage calls for the keys of encrypted channels. */
  keyServer?: SpekeKeyServer;
  ladder?: Ladder;
}

/** The engine channel as far as a step needs it: its id, state and (when described) its configuration. */
type EngineChannel = { Id?: string; State?: MediaLiveChannelState };

const ON_AIR: readonly MediaLiveChannelState[] = ["STARTING", "RUNNING", "RECOVERING"];
/** States that end by themselves in IDLE; MediaLive refuses a start meanwhile. */
const SETTLING: readonly MediaLiveChannelState[] = ["CREATING", "UPDATING", "STOPPING"];
const DELETABLE: readonly MediaLiveChannelState[] = ["IDLE", "CREATE_FAILED", "UPDATE_FAILED"];
const SESSION_ID = /^[A-Za-z0-9._-]+$/;

/**
 * MediaLive channels fed by one input each, recording to the account bucket and pushing to MediaPackage v2.
 * Every method is a few requests and never waits for MediaLive: the steps that follow a change of state are run again
 * by whoever drives the engine (MediaLive's state change events, and a sweeper for UPDATING → IDLE, which has none).
 */
export class AwsLiveEngine implements LiveEngine {
  private readonly medialive: MediaLiveClient;
  private readonly inputs: MediaLiveInputs;
  private readonly packagingChannels: PackagingChannels;
  private readonly passphrases: ChannelPassphrases;
  private readonly roleArn: string;
  private readonly prefix: string;
  private readonly channelGroup: string;
  private readonly ladder: Ladder;
  private readonly keyServer: SpekeKeyServer | undefined;

  constructor({ medialive, mediapackage, secrets, roleArn, prefix, channelGroup, keyServer, ladder = DEFAULT_LADDER }: AwsLiveEngineOptions) {
    this.medialive = medialive;
    this.passphrases = new ChannelPassphrases(secrets, prefix);
    this.inputs = new MediaLiveInputs({ medialive, prefix });
    this.packagingChannels = new PackagingChannels({ mediapackage, channelGroup });
    this.roleArn = roleArn;
    this.prefix = prefix;
    this.channelGroup = channelGroup;
    this.ladder = ladder;
    this.keyServer = keyServer;
  }

  async createChannel(spec: ChannelSpec): Promise<{ engineChannelId: string; ingest: IngestEndpoint[] }> {
    if (spec.inputType === "RTMP_PUSH" && !spec.streamKey) {
      throw new InvalidInput("streamKey", "an RTMP channel needs a stream key");
    }
    if (spec.inputType === "SRT_LISTENER" && !spec.srtPassphrase) {
      throw new InvalidInput("srtPassphrase", "an SRT channel needs a passphrase");
    }
    if (!spec.distributionArn) throw new LiveResourceMissing("account", spec.accountId, "distribution ARN");
    if (spec.encryption && !this.keyServer) {
      throw new InvalidInput("encryption", "this stage has no key server for MediaPackage to call");
    }
    const names = liveResourceNames(this.prefix, spec.channelId);
    const tags = {
      [TAG.prefix]: this.prefix,
      [TAG.accountId]: spec.accountId,
      [TAG.channelId]: spec.channelId,
    };
    const passphrase =
      spec.inputType === "SRT_LISTENER" ? await this.passphrases.ensure(spec.accountId, spec.channelId, spec.srtPassphrase!, tags) : undefined;
    const input = (await this.inputs.find(names.name)) ?? (await this.inputs.create(spec, names, tags, passphrase?.secretArn));
    const inputId = required(input.Id, "MediaLive input", names.name, "Id");
    await this.packagingChannels.ensure({
      name: names.name,
      description: `VisionStream channel ${spec.channelId} of account ${spec.accountId}`,
      segmentSeconds: this.ladder.segmentSeconds,
      distributionArn: spec.distributionArn,
      latency: spec.latency ?? "normal",
      ...(spec.encryption &&
        this.keyServer && {
          encryption: {
            keyRotationSeconds: spec.encryption.keyRotationSeconds,
            channelId: spec.channelId,
            keyServer: this.keyServer,
          },
        }),
    });
    const existing = await this.findChannel(names.name);
    const engineChannelId =
      (existing && required(existing.Id, "MediaLive channel", names.name, "Id")) ??
      (await this.createEngineChannel(spec, names, tags, inputId));
    const kept = passphrase ? { ...spec, srtPassphrase: passphrase.passphrase } : spec;
    return { engineChannelId, ingest: ingestEndpoints(kept, names.name, input.Destinations ?? []) };
  }

  async startChannel(engineChannelId: string, sessionId: string): Promise<StepResult> {
    if (!SESSION_ID.test(sessionId)) {
      throw new InvalidInput("sessionId", "letters, digits, dots, underscores and hyphens only");
    }
    const channel = await orUndefinedIfNotFound(
      this.medialive.send(new DescribeChannelCommand({ ChannelId: engineChannelId })),
    );
    if (!channel) throw new NotFound("MediaLive channel", engineChannelId);
    const state = channel.State;
    const onSession = recordingSession(engineChannelId, channel.Destinations ?? []) === sessionId;
    if (state && ON_AIR.includes(state)) {
      if (onSession) return "done";
      throw new Conflict(`MediaLive channel ${engineChannelId} is already ${state} with another session`, {
        engineChannelId,
        state,
      });
    }
    if (state && SETTLING.includes(state)) return "pending";
    if (state !== "IDLE") {
      throw new Conflict(`MediaLive channel ${engineChannelId} is ${state ?? "in an unknown state"}, not IDLE`, {
        engineChannelId,
        state,
      });
    }
    if (!onSession) {
      // UpdateChannel drops the role of a channel when RoleArn is left out, so the whole configuration goes back.
      // The channel is UPDATING then; the step is run again once it is IDLE.
      await refusedAsConflict(
        engineChannelId,
        this.medialive.send(
          new UpdateChannelCommand({
            ChannelId: engineChannelId,
            Name: channel.Name,
            RoleArn: this.roleArn,
            InputAttachments: channel.InputAttachments,
            InputSpecification: channel.InputSpecification,
            EncoderSettings: channel.EncoderSettings,
            Destinations: withRecordingSession(engineChannelId, channel.Destinations ?? [], sessionId),
          }),
        ),
      );
      return "pending";
    }
    try {
      await this.medialive.send(new StartChannelCommand({ ChannelId: engineChannelId }));
    } catch (error) {
      // The channel changed state in between (another start got there first): the next step sees which.
      if (error instanceof ConflictException) return "pending";
      throw error;
    }
    return "done";
  }

  /**
   * "done" once StopChannel is sent or MediaLive is already stopping (STOPPED follows as an event), "not-running" when
   * nothing is on air (no event will come), "pending" when MediaLive refused the stop for the state it was in.
   */
  async stopChannel(engineChannelId: string): Promise<StepResult | "not-running"> {
    const channel = await orUndefinedIfNotFound(
      this.medialive.send(new DescribeChannelCommand({ ChannelId: engineChannelId })),
    );
    const state = channel?.State;
    if (state && ON_AIR.includes(state)) return (await this.stop(engineChannelId)) ? "done" : "pending";
    return state === "STOPPING" ? "done" : "not-running";
  }

  async deleteChannel({ accountId, channelId, engineChannelId, inputType }: ChannelResources): Promise<StepResult> {
    const names = liveResourceNames(this.prefix, channelId);
    const channel = engineChannelId ? await this.describe(engineChannelId) : await this.findChannel(names.name);
    if (channel && channel.State !== "DELETED") {
      const id = required(channel.Id ?? engineChannelId, "MediaLive channel", names.name, "Id");
      return this.deleteEngineChannel(id, channel.State);
    }
    // Packaging goes with the inputs, nothing pushes to it any more; both end before the step answers.
    const steps = await Promise.allSettled([
      this.inputs.remove(names.name, channelId),
      this.packagingChannels.remove(names.name),
    ]);
    const failed = steps.find((step) => step.status === "rejected");
    if (failed) throw failed.reason;
    if (!steps.every((step) => step.status === "fulfilled" && step.value === "done")) return "pending";
    // Last, once no input names it.
    if (inputType === "SRT_LISTENER") await this.passphrases.remove(accountId, channelId);
    return "done";
  }

  livePlayback(channelId: string): LivePlayback {
    return this.packagingChannels.playback(liveResourceNames(this.prefix, channelId).name);
  }

  /**
   * Stops the channel if it is on air, deletes it once it is idle (or failed), and waits out any other state:
   * "pending" until MediaLive has deleted it.
   */
  private async deleteEngineChannel(engineChannelId: string, state: MediaLiveChannelState | undefined): Promise<StepResult> {
    if (state && ON_AIR.includes(state)) {
      await this.stop(engineChannelId);
    } else if (state && DELETABLE.includes(state)) {
      try {
        await ignoreNotFound(this.medialive.send(new DeleteChannelCommand({ ChannelId: engineChannelId })));
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
    }
    return "pending";
  }

  private async describe(engineChannelId: string): Promise<EngineChannel | undefined> {
    return orUndefinedIfNotFound(this.medialive.send(new DescribeChannelCommand({ ChannelId: engineChannelId })));
  }

  /** The channel with this name, unless deleted: found after a creation that stopped before its id was kept. */
  private async findChannel(name: string): Promise<EngineChannel | undefined> {
    for await (const page of paginateListChannels({ client: this.medialive }, {})) {
      const channel = page.Channels?.find((candidate) => candidate.Name === name && candidate.State !== "DELETED");
      if (channel) return channel;
    }
    return undefined;
  }

  private async createEngineChannel(
    spec: ChannelSpec,
    names: LiveResourceNames,
    tags: Record<string, string>,
    inputId: string,
  ): Promise<string> {
    const request = createChannelRequest({
      spec,
      names,
      tags,
      inputId,
      roleArn: this.roleArn,
      channelGroup: this.channelGroup,
      ladder: this.ladder,
    });
    const { Channel: channel } = await this.medialive.send(new CreateChannelCommand(request));
    return required(channel?.Id, "MediaLive channel", names.name, "Id");
  }

  /** False when MediaLive refused the stop for its state (a concurrent change): the next step sees where it went. */
  private async stop(engineChannelId: string): Promise<boolean> {
    try {
      await this.medialive.send(new StopChannelCommand({ ChannelId: engineChannelId }));
      return true;
    } catch (error) {
      if (error instanceof ConflictException) return false;
      if (error instanceof NotFoundException) return true;
      throw error;
    }
  }
}

/** MediaLive refusing a configuration is final (retrying sends the same); a state conflict is worth another step. */
async function refusedAsConflict(engineChannelId: string, request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (error instanceof UnprocessableEntityException || error instanceof BadRequestException) {
      throw new Conflict(`MediaLive refused the configuration of channel ${engineChannelId}: ${error.message}`, {
        engineChannelId,
      });
    }
    if (!(error instanceof ConflictException)) throw error;
  }
}
