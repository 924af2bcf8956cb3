import {
  ConflictException,
  CreateChannelCommand,
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  DescribeChannelCommand,
  ListInputsCommand,
  StartChannelCommand,
  UpdateChannelCommand,
  type ChannelState,
  type CreateChannelCommandInput,
  type InputDestination,
} from "@aws-sdk/client-medialive";
import { ConflictException as PackagingConflictException } from "@aws-sdk/client-mediapackagev2";
import { FakeLiveServices } from "@visionstream/aws/medialive/fake-services-testing";
import { notFound, packagingNotFound } from "@visionstream/aws/medialive/testing";
import { Packaging, type mockPackagingClient } from "@visionstream/aws/mediapackage/testing";
import type { mockClient } from "aws-sdk-client-mock";

type Stub = ReturnType<typeof mockClient>;
const metadata = { $metadata: {} };
const AWS_ACCOUNT = "111122223333";
const REGION = "eu-west-1";

export const mediaLiveChannelArn = (engineChannelId: string) => `arn:aws:medialive:${REGION}:${AWS_ACCOUNT}:channel:${engineChannelId}`;

/** What MediaLive reports as "MediaLive Channel State Change" when a channel gets somewhere by itself. */
export type ReportedState = "CREATED" | "RUNNING" | "STOPPED" | "DELETED";

/**
 * fake-services' MediaLive and MediaPackage v2 (deletions, lost answers), plus what creating and running a channel
 * needs: security groups, inputs with their endpoints, channels that remember their configuration, updates and starts,
 * MediaPackage channels, origin endpoints and their policies. Time passes only in `settle`, which reports the states
 * MediaLive announces (it announces nothing for UPDATING → IDLE).
 */
export class FakeMediaServices extends FakeLiveServices {
  /** Each MediaLive channel's configuration as last created or updated. */
  readonly configurations = new Map<string, CreateChannelCommandInput>();
  private readonly inputEndpoints = new Map<string, { Type: string; Destinations: InputDestination[] }>();
  private nextId = 1_000_000;

  constructor(
    medialive: Stub,
    mediapackage: ReturnType<typeof mockPackagingClient>,
    private readonly report: (engineChannelId: string, state: ReportedState) => void,
    readonly channelGroup: string,
  ) {
    super(medialive, mediapackage);
    this.fakeMediaLive(medialive);
    this.fakeMediaPackage(mediapackage);
  }

  /** Time passes: MediaLive finishes creating, updating, starting, stopping and deleting, and says so. */
  override settle(): void {
    const before = new Map([...this.channels].map(([id, channel]) => [id, channel.State]));
    for (const channel of this.channels.values()) {
      if (channel.State === "CREATING" || channel.State === "UPDATING") channel.State = "IDLE";
      if (channel.State === "STARTING") channel.State = "RUNNING";
    }
    super.settle();
    for (const [id, was] of before) {
      const now = this.channels.get(id)?.State;
      if (was === "CREATING" && now === "IDLE") this.report(id, "CREATED");
      if (was === "STARTING" && now === "RUNNING") this.report(id, "RUNNING");
      if (was === "STOPPING" && now === "IDLE") this.report(id, "STOPPED");
      if (was === "DELETING" && now === undefined) this.report(id, "DELETED");
    }
  }

  packagingChannelArn(name: string): string {
    return `arn:aws:mediapackagev2:${REGION}:${AWS_ACCOUNT}:channelGroup/${this.channelGroup}/channel/${name}`;
  }

  private id(): string {
    return String(this.nextId++);
  }

  private fakeMediaLive(medialive: Stub): void {
    medialive.on(CreateInputSecurityGroupCommand).callsFake(({ WhitelistRules, Tags }) => {
      const Id = this.id();
      this.securityGroups.set(Id, { Tags: Tags ?? {} });
      return { SecurityGroup: { Id, Arn: `arn:aws:medialive:${REGION}:${AWS_ACCOUNT}:inputSecurityGroup:${Id}`, State: "IDLE", Tags, WhitelistRules } };
    });
    medialive.on(CreateInputCommand).callsFake(({ Name, Type, InputSecurityGroups, Destinations }) => {
      const Id = this.id();
      const host = `203.0.113.${this.inputs.size + 10}`;
      // An RTMP input has one endpoint per requested destination, an RTP or SRT listener input always two on port 5000.
      const scheme = Type === "SRT_LISTENER" ? "srt" : "rtp";
      const destinations: InputDestination[] =
        Type === "RTMP_PUSH"
          ? (Destinations ?? []).map(({ StreamName }: { StreamName?: string }) => ({ Ip: host, Port: "1935", Url: `rtmp://${host}:1935/${StreamName}` }))
          : [0, 1].map(() => ({ Ip: host, Port: "5000", Url: `${scheme}://${host}:5000` }));
      this.inputs.set(Id, { Name: Name ?? "", State: "DETACHED", SecurityGroups: InputSecurityGroups ?? [] });
      this.inputEndpoints.set(Id, { Type: Type ?? "", Destinations: destinations });
      return { Input: { Id, Name, Type, State: "DETACHED", SecurityGroups: InputSecurityGroups, Destinations: destinations } };
    });
    medialive.on(ListInputsCommand).callsFake(() => ({
      Inputs: [...this.inputs].map(([Id, input]) => ({ Id, ...input, ...this.inputEndpoints.get(Id) })),
    }));
    medialive.on(CreateChannelCommand).callsFake((request: CreateChannelCommandInput) => {
      const same = [...this.configurations].find(([id, created]) => created.RequestId === request.RequestId && this.channels.has(id));
      if (same) return { Channel: this.described(same[0]) };
      const Id = this.id();
      const inputId = request.InputAttachments?.[0]?.InputId ?? "";
      const input = this.inputs.get(inputId);
      if (!input) throw notFound();
      input.State = "ATTACHED";
      this.channels.set(Id, { Name: request.Name ?? "", State: "CREATING", inputId });
      this.configurations.set(Id, structuredClone(request));
      return { Channel: this.described(Id) };
    });
    medialive.on(DescribeChannelCommand).callsFake(({ ChannelId }: { ChannelId: string }) => {
      if (!this.channels.has(ChannelId)) throw notFound();
      return this.described(ChannelId);
    });
    medialive.on(UpdateChannelCommand).callsFake(({ ChannelId, ...changes }) => {
      const channel = this.idle(ChannelId);
      const configuration = this.configurations.get(ChannelId)!;
      for (const [field, value] of Object.entries(changes)) if (value !== undefined) Object.assign(configuration, { [field]: structuredClone(value) });
      channel.State = "UPDATING";
      return { Channel: this.described(ChannelId) };
    });
    medialive.on(StartChannelCommand).callsFake(({ ChannelId }) => {
      this.idle(ChannelId ?? "").State = "STARTING";
      return this.described(ChannelId ?? "");
    });
  }

  private fakeMediaPackage(mediapackage: ReturnType<typeof mockPackagingClient>): void {
    const channelOf = (ChannelGroupName: string, ChannelName: string) => ({
      ChannelGroupName,
      ChannelName,
      Arn: this.packagingChannelArn(ChannelName),
      InputType: "CMAF",
      CreatedAt: new Date(0),
      ModifiedAt: new Date(0),
    });
    mediapackage.on(Packaging.GetChannelCommand).callsFake(({ ChannelGroupName, ChannelName }) => {
      if (!this.packaging.has(ChannelName)) throw packagingNotFound();
      return channelOf(ChannelGroupName, ChannelName);
    });
    mediapackage.on(Packaging.CreateChannelCommand).callsFake(({ ChannelGroupName, ChannelName }) => {
      if (this.packaging.has(ChannelName)) throw new PackagingConflictException({ message: "exists", ...metadata });
      this.packaging.set(ChannelName, new Map());
      return channelOf(ChannelGroupName, ChannelName);
    });
    const endpointOf = ({ ChannelGroupName, ChannelName, OriginEndpointName }: { ChannelGroupName: string; ChannelName: string; OriginEndpointName: string }) => ({
      ChannelGroupName,
      ChannelName,
      OriginEndpointName,
      Arn: `${this.packagingChannelArn(ChannelName)}/originEndpoint/${OriginEndpointName}`,
    });
    mediapackage.on(Packaging.GetOriginEndpointCommand).callsFake((target) => {
      if (!this.packaging.get(target.ChannelName)?.has(target.OriginEndpointName ?? "")) throw packagingNotFound();
      return endpointOf(target);
    });
    mediapackage.on(Packaging.CreateOriginEndpointCommand).callsFake((request) => {
      const endpoints = this.packaging.get(request.ChannelName);
      if (!endpoints) throw packagingNotFound();
      if (endpoints.has(request.OriginEndpointName)) throw new PackagingConflictException({ message: "exists", ...metadata });
      endpoints.set(request.OriginEndpointName, { policy: false });
      return endpointOf(request);
    });
    mediapackage.on(Packaging.PutOriginEndpointPolicyCommand).callsFake(({ ChannelName, OriginEndpointName }) => {
      const endpoint = this.packaging.get(ChannelName)?.get(OriginEndpointName);
      if (!endpoint) throw packagingNotFound();
      endpoint.policy = true;
      return {};
    });
  }

  private idle(ChannelId: string) {
    const channel = this.channels.get(ChannelId);
    if (!channel) throw notFound();
    if (channel.State !== "IDLE") throw new ConflictException({ message: `channel is ${channel.State}`, ...metadata });
    return channel;
  }

  /** DescribeChannel's answer: the configuration MediaLive keeps, in the channel's present state. */
  private described(Id: string) {
    const { Name, State } = this.channels.get(Id)!;
    const { RequestId: _, ...configuration } = this.configurations.get(Id)!;
    const running: ChannelState[] = ["RUNNING", "STARTING", "RECOVERING"];
    return {
      ...configuration,
      Id,
      Arn: mediaLiveChannelArn(Id),
      Name,
      State,
      PipelinesRunningCount: running.includes(State) ? (configuration.ChannelClass === "STANDARD" ? 2 : 1) : 0,
    };
  }
}
