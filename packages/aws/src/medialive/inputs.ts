import {
  ConflictException,
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  MediaLiveClient,
  paginateListInputs,
  paginateListInputSecurityGroups,
  type Input,
  type InputDestination,
  type InputSecurityGroup,
} from "@aws-sdk/client-medialive";
import type { ChannelSpec, IngestEndpoint } from "@visionstream/core/channels/channel";
import type { StepResult } from "@visionstream/core/ports";
import {
  LiveResourceMissing,
  RTMP_APPLICATION,
  TAG,
  ignoreNotFound,
  pipelines,
  required,
  type LiveResourceNames,
} from "./live-resources.ts";
import { createInputRequest } from "./requests.ts";

export interface MediaLiveInputsOptions {
  medialive: MediaLiveClient;
  prefix: string;
}

/**
 * The MediaLive inputs of channels, with the input security group that lets the channel's senders in (SRT listener
 * inputs too: MediaLive requires one for them, as for every push input).
 */
export class MediaLiveInputs {
  private readonly medialive: MediaLiveClient;
  private readonly prefix: string;

  constructor({ medialive, prefix }: MediaLiveInputsOptions) {
    this.medialive = medialive;
    this.prefix = prefix;
  }

  async find(name: string): Promise<Input | undefined> {
    return (await this.named(name)).find((input) => input.State !== "DELETING");
  }

  /** An SRT listener input names the secret of its passphrase. */
  async create(spec: ChannelSpec, names: LiveResourceNames, tags: Record<string, string>, passphraseSecretArn?: string): Promise<Input> {
    const securityGroupId = await this.ensureSecurityGroup(spec, names, tags);
    const { Input: input } = await this.medialive.send(
      new CreateInputCommand(createInputRequest(spec, names, tags, securityGroupId, passphraseSecretArn)),
    );
    if (!input) throw new LiveResourceMissing("MediaLive input", names.name, "Input");
    return input;
  }

  /**
   * One step towards removing a channel's inputs, then its security group, once its MediaLive channel is gone:
   * an input is deleted in the background, and its security group can go only when no input holds it any more.
   */
  async remove(name: string, channelId: string): Promise<StepResult> {
    const inputs = await this.named(name);
    for (const input of inputs) {
      // DELETING goes on by itself; ATTACHED is a channel deletion still letting go of the input.
      if (!input.Id || input.State === "DELETING" || input.State === "ATTACHED") continue;
      await this.whileSettled(ignoreNotFound(this.medialive.send(new DeleteInputCommand({ InputId: input.Id }))));
    }
    if (inputs.length > 0) return "pending";
    const groups = await this.securityGroupsOf(channelId);
    if (groups.some((group) => group.State === "IN_USE" || group.State === "UPDATING")) return "pending";
    for (const { Id: InputSecurityGroupId } of groups) {
      if (InputSecurityGroupId) {
        await ignoreNotFound(this.medialive.send(new DeleteInputSecurityGroupCommand({ InputSecurityGroupId })));
      }
    }
    return "done";
  }

  /** The inputs with this name that are not yet deleted. */
  private async named(name: string): Promise<Input[]> {
    const found: Input[] = [];
    for await (const page of paginateListInputs({ client: this.medialive }, {})) {
      found.push(...(page.Inputs ?? []).filter((input) => input.Name === name && input.State !== "DELETED"));
    }
    return found;
  }

  /** The channel's input security groups, found by their tags (they have no name); not yet deleted. */
  async securityGroupsOf(channelId: string): Promise<InputSecurityGroup[]> {
    const found: InputSecurityGroup[] = [];
    for await (const page of paginateListInputSecurityGroups({ client: this.medialive }, {})) {
      found.push(
        ...(page.InputSecurityGroups ?? []).filter(
          (group) =>
            group.State !== "DELETED" &&
            group.Tags?.[TAG.prefix] === this.prefix &&
            group.Tags?.[TAG.channelId] === channelId,
        ),
      );
    }
    return found;
  }

  /** A request refused because the resource is changing state: the next step tries again. */
  private async whileSettled(request: Promise<void>): Promise<void> {
    try {
      await request;
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  private async ensureSecurityGroup(
    spec: ChannelSpec,
    names: LiveResourceNames,
    tags: Record<string, string>,
  ): Promise<string> {
    const [existing] = await this.securityGroupsOf(spec.channelId);
    if (existing) return required(existing.Id, "MediaLive input security group", names.name, "Id");
    const { SecurityGroup: group } = await this.medialive.send(
      new CreateInputSecurityGroupCommand({
        WhitelistRules: spec.allowCidrs.map((Cidr) => ({ Cidr })),
        Tags: tags,
      }),
    );
    return required(group?.Id, "MediaLive input security group", names.name, "Id");
  }
}

export function ingestEndpoints(spec: ChannelSpec, inputName: string, destinations: InputDestination[]): IngestEndpoint[] {
  const endpoints = destinations.slice(0, pipelines(spec));
  if (endpoints.length < pipelines(spec)) {
    throw new LiveResourceMissing("MediaLive input", inputName, `${pipelines(spec)} destinations`);
  }
  return endpoints.map((destination) => {
    const host = destinationHost(destination);
    if (!host) throw new LiveResourceMissing("MediaLive input", inputName, "destination address");
    if (spec.inputType === "RTMP_PUSH") return { url: `rtmp://${host}/${RTMP_APPLICATION}`, streamKey: spec.streamKey };
    if (spec.inputType === "SRT_LISTENER") return { url: `srt://${host}`, passphrase: spec.srtPassphrase };
    return { url: `rtp://${host}` };
  });
}

/** ip:port of an input endpoint; the URL says the same (rtmp://ip:1935/live/key, rtp://ip:5000, srt://ip:5000). */
function destinationHost({ Ip, Port, Url }: InputDestination): string | undefined {
  if (Ip && Port) return `${Ip}:${Port}`;
  if (!Url) return undefined;
  try {
    return new URL(Url).host || undefined;
  } catch {
    return undefined;
  }
}
