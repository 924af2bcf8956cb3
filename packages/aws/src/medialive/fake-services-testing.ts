import {
  ConflictException,
  DeleteChannelCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  DescribeChannelCommand,
  ListChannelsCommand,
  ListInputSecurityGroupsCommand,
  ListInputsCommand,
  StopChannelCommand,
  type ChannelState,
  type InputState,
} from "@aws-sdk/client-medialive";
import { ConflictException as PackagingConflictException } from "@aws-sdk/client-mediapackagev2";
import type { mockClient } from "aws-sdk-client-mock";
import { Packaging, type mockPackagingClient } from "../mediapackage/testing.ts";
import { describedChannel, notFound, packagingNotFound, packagingChannelArn } from "./testing.ts";

type Stub = ReturnType<typeof mockClient>;
const {
  DeleteChannelCommand: DeletePackagingChannelCommand,
  DeleteOriginEndpointCommand,
  DeleteOriginEndpointPolicyCommand,
  GetChannelCommand,
  ListOriginEndpointsCommand,
} = Packaging;
const metadata = { $metadata: {} };

/** A request that took effect but whose answer never came back (the function was cut off after sending it). */
export class AnswerLost extends Error {
  override name = "AnswerLost";
}

/**
 * MediaLive and MediaPackage v2 as far as deleting a channel goes: they remember what exists, change state the way the
 * services do, and move on only when the test lets time pass (`settle`). A command named in `loseAnswerOf` takes effect
 * once and then rejects, as when Lambda stops the function while the answer is on its way.
 */
export class FakeLiveServices {
  readonly channels = new Map<string, { Name: string; State: ChannelState; inputId: string }>();
  readonly inputs = new Map<string, { Name: string; State: InputState; SecurityGroups: string[] }>();
  readonly securityGroups = new Map<string, { Tags: Record<string, string> }>();
  /** MediaPackage v2 channels of the channel group, each with its endpoints and whether each has a policy. */
  readonly packaging = new Map<string, Map<string, { policy: boolean }>>();
  readonly loseAnswerOf = new Set<string>();

  constructor(medialive: Stub, mediapackage: ReturnType<typeof mockPackagingClient>) {
    medialive.on(DescribeChannelCommand).callsFake(({ ChannelId }: { ChannelId: string }) => {
      const channel = this.channels.get(ChannelId);
      if (!channel) throw notFound();
      return { ...describedChannel(channel.State), Id: ChannelId, Name: channel.Name };
    });
    medialive.on(ListChannelsCommand).callsFake(() => ({
      Channels: [...this.channels].map(([Id, { Name, State }]) => ({ Id, Name, State })),
    }));
    medialive.on(StopChannelCommand).callsFake(({ ChannelId }: { ChannelId: string }) =>
      this.answer("StopChannel", () => {
        this.channel(ChannelId).State = "STOPPING";
        return { State: "STOPPING" };
      }),
    );
    medialive.on(DeleteChannelCommand).callsFake(({ ChannelId }: { ChannelId: string }) =>
      this.answer("DeleteChannel", () => {
        const channel = this.channel(ChannelId);
        if (channel.State !== "IDLE") throw new ConflictException({ message: channel.State, ...metadata });
        channel.State = "DELETING";
        return { State: "DELETING" };
      }),
    );
    medialive.on(ListInputsCommand).callsFake(() => ({
      Inputs: [...this.inputs].map(([Id, input]) => ({ Id, ...input })),
    }));
    medialive.on(DeleteInputCommand).callsFake(({ InputId }: { InputId: string }) =>
      this.answer("DeleteInput", () => {
        const input = this.inputs.get(InputId);
        if (!input) throw notFound();
        if (input.State === "ATTACHED") throw new ConflictException({ message: "attached", ...metadata });
        input.State = "DELETING";
        return {};
      }),
    );
    medialive.on(ListInputSecurityGroupsCommand).callsFake(() => ({
      InputSecurityGroups: [...this.securityGroups].map(([Id, { Tags }]) => ({
        Id,
        Tags,
        State: this.inUse(Id) ? "IN_USE" : "IDLE",
      })),
    }));
    medialive.on(DeleteInputSecurityGroupCommand).callsFake(({ InputSecurityGroupId }: { InputSecurityGroupId: string }) =>
      this.answer("DeleteInputSecurityGroup", () => {
        if (!this.securityGroups.has(InputSecurityGroupId)) throw notFound();
        if (this.inUse(InputSecurityGroupId)) throw new ConflictException({ message: "in use", ...metadata });
        this.securityGroups.delete(InputSecurityGroupId);
        return {};
      }),
    );
    mediapackage.on(GetChannelCommand).callsFake(({ ChannelName }: { ChannelName: string }) => {
      if (!this.packaging.has(ChannelName)) throw packagingNotFound();
      return { ChannelName, Arn: packagingChannelArn };
    });
    mediapackage.on(ListOriginEndpointsCommand).callsFake(({ ChannelName }: { ChannelName: string }) => ({
      Items: [...(this.packaging.get(ChannelName)?.keys() ?? [])].map((OriginEndpointName) => ({ OriginEndpointName })),
    }));
    mediapackage.on(DeleteOriginEndpointPolicyCommand).callsFake((target: EndpointTarget) =>
      this.answer("DeleteOriginEndpointPolicy", () => {
        const endpoint = this.endpoint(target);
        if (!endpoint.policy) throw packagingNotFound();
        endpoint.policy = false;
        return {};
      }),
    );
    mediapackage.on(DeleteOriginEndpointCommand).callsFake((target: EndpointTarget) =>
      this.answer("DeleteOriginEndpoint", () => {
        this.endpoint(target);
        this.packaging.get(target.ChannelName)!.delete(target.OriginEndpointName);
        return {};
      }),
    );
    mediapackage.on(DeletePackagingChannelCommand).callsFake(({ ChannelName }: { ChannelName: string }) =>
      this.answer("DeletePackagingChannel", () => {
        const endpoints = this.packaging.get(ChannelName);
        if (!endpoints) throw packagingNotFound();
        if (endpoints.size > 0) throw new PackagingConflictException({ message: "has endpoints", ...metadata });
        this.packaging.delete(ChannelName);
        return {};
      }),
    );
  }

  /** Time passes: MediaLive finishes what it was doing. */
  settle(): void {
    for (const [id, channel] of this.channels) {
      if (channel.State === "STOPPING") channel.State = "IDLE";
      if (channel.State === "DELETING") {
        this.channels.delete(id);
        const input = this.inputs.get(channel.inputId);
        if (input) input.State = "DETACHED";
      }
    }
    for (const [id, input] of this.inputs) if (input.State === "DELETING") this.inputs.delete(id);
  }

  get empty(): boolean {
    return this.channels.size + this.inputs.size + this.securityGroups.size + this.packaging.size === 0;
  }

  private answer<T>(command: string, effect: () => T): T {
    const answer = effect();
    if (this.loseAnswerOf.delete(command)) throw new AnswerLost(`${command} took effect, its answer was lost`);
    return answer;
  }

  private channel(id: string) {
    const channel = this.channels.get(id);
    if (!channel) throw notFound();
    return channel;
  }

  private endpoint({ ChannelName, OriginEndpointName }: EndpointTarget) {
    const endpoint = this.packaging.get(ChannelName)?.get(OriginEndpointName);
    if (!endpoint) throw packagingNotFound();
    return endpoint;
  }

  private inUse(securityGroupId: string): boolean {
    return [...this.inputs.values()].some((input) => input.SecurityGroups.includes(securityGroupId));
  }
}

interface EndpointTarget {
  ChannelName: string;
  OriginEndpointName: string;
}
