import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  DescribeInputCommand,
  MediaLiveClient,
  NotFoundException,
  paginateListInputs,
  paginateListInputSecurityGroups,
  type Input,
  type InputDestination,
} from "@aws-sdk/client-medialive";
import type { ChannelSpec, IngestEndpoint } from "@visionstream/core/channels/channel";
import { Conflict } from "@visionstream/core/errors";
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
  polling: { intervalMs: number; timeoutMs: number };
}

/** The MediaLive inputs of channels, with the input security group that lets the channel's senders in. */
export class MediaLiveInputs {
  private readonly medialive: MediaLiveClient;
  private readonly prefix: string;
  private readonly polling: { intervalMs: number; timeoutMs: number };

  constructor({ medialive, prefix, polling }: MediaLiveInputsOptions) {
    this.medialive = medialive;
    this.prefix = prefix;
    this.polling = polling;
  }

  async find(name: string): Promise<Input | undefined> {
    for await (const page of paginateListInputs({ client: this.medialive }, {})) {
      const input = page.Inputs?.find(
        (candidate) => candidate.Name === name && candidate.State !== "DELETING" && candidate.State !== "DELETED",
      );
      if (input) return input;
    }
    return undefined;
  }

  async create(spec: ChannelSpec, names: LiveResourceNames, tags: Record<string, string>): Promise<Input> {
    const securityGroupId = await this.ensureSecurityGroup(spec, names, tags);
    const { Input: input } = await this.medialive.send(
      new CreateInputCommand(createInputRequest(spec, names, tags, securityGroupId)),
    );
    if (!input) throw new LiveResourceMissing("MediaLive input", names.name, "Input");
    return input;
  }

  async delete(inputId: string): Promise<void> {
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
    await this.waitForDeleted(inputId);
    for (const InputSecurityGroupId of input.SecurityGroups ?? []) {
      await ignoreNotFound(this.medialive.send(new DeleteInputSecurityGroupCommand({ InputSecurityGroupId })));
    }
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

  private async waitForDeleted(inputId: string): Promise<void> {
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
}

export function ingestEndpoints(spec: ChannelSpec, inputName: string, destinations: InputDestination[]): IngestEndpoint[] {
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
