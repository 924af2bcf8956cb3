import {
  ConflictException,
  CreateChannelCommand,
  CreateOriginEndpointCommand,
  DeleteChannelCommand,
  DeleteOriginEndpointCommand,
  DeleteOriginEndpointPolicyCommand,
  GetChannelCommand,
  GetOriginEndpointCommand,
  MediaPackageV2Client,
  PutOriginEndpointPolicyCommand,
  ResourceNotFoundException,
  paginateListOriginEndpoints,
} from "@aws-sdk/client-mediapackagev2";
import type { LivePlayback } from "@visionstream/core/channels/channel";
import type { StepResult } from "@visionstream/core/ports";
import {
  DASH_MANIFEST,
  HLS_MANIFEST,
  ORIGIN_ENDPOINTS,
  cloudFrontReadPolicy,
  createOriginEndpointRequest,
  originEndpointArn,
  type OriginEndpointSettings,
} from "./origin-endpoints.ts";

export interface PackagingChannelSpec extends OriginEndpointSettings {
  /** The MediaPackage v2 channel name (the MediaLive channel's name). */
  name: string;
  description: string;
  /** The only reader the origin endpoints allow. */
  distributionArn: string;
}

/** MediaPackage answered without the ARN of a channel it created or found. */
export class PackagingChannelMissing extends Error {
  override name = "PackagingChannelMissing";
  constructor(readonly channelName: string) {
    super(`MediaPackage channel ${channelName} has no ARN`);
  }
}

/**
 * The MediaPackage v2 channels that MediaLive pushes to (CMAF ingest), one per VisionStream channel in the stage's
 * channel group, each with the origin endpoints of ./origin-endpoints.ts behind the account's CloudFront distribution.
 */
export class PackagingChannels {
  private readonly mediapackage: MediaPackageV2Client;
  private readonly channelGroup: string;

  constructor({ mediapackage, channelGroup }: { mediapackage: MediaPackageV2Client; channelGroup: string }) {
    this.mediapackage = mediapackage;
    this.channelGroup = channelGroup;
  }

  /** Creates what is missing and (re)sets each endpoint's policy; a few quick requests, safe to repeat. */
  async ensure(spec: PackagingChannelSpec): Promise<void> {
    const channel = { ChannelGroupName: this.channelGroup, ChannelName: spec.name };
    const { Arn: channelArn } = await getOrCreate(
      () => this.mediapackage.send(new GetChannelCommand(channel)),
      () =>
        this.mediapackage.send(new CreateChannelCommand({ ...channel, InputType: "CMAF", Description: spec.description })),
    );
    if (!channelArn) throw new PackagingChannelMissing(spec.name);
    await Promise.all(
      ORIGIN_ENDPOINTS.map(async (endpoint) => {
        const target = { channelGroup: this.channelGroup, channelName: spec.name, endpoint };
        await getOrCreate(
          () => this.mediapackage.send(new GetOriginEndpointCommand({ ...channel, OriginEndpointName: endpoint })),
          () => this.mediapackage.send(new CreateOriginEndpointCommand(createOriginEndpointRequest(target, spec))),
        );
        await this.mediapackage.send(
          new PutOriginEndpointPolicyCommand({
            ...channel,
            OriginEndpointName: endpoint,
            Policy: cloudFrontReadPolicy(originEndpointArn(channelArn, endpoint), spec.distributionArn),
          }),
        );
      }),
    );
  }

  /** Removes the channel's endpoints (with their policies), then the channel: "done" once nothing is left. */
  async remove(name: string): Promise<StepResult> {
    const channel = { ChannelGroupName: this.channelGroup, ChannelName: name };
    if (!(await orUndefinedIfNotFound(this.mediapackage.send(new GetChannelCommand(channel))))) return "done";
    // The paginator writes its tokens into the input it is given.
    for await (const page of paginateListOriginEndpoints({ client: this.mediapackage }, { ...channel })) {
      for (const { OriginEndpointName } of page.Items ?? []) {
        if (!OriginEndpointName) continue;
        const endpoint = { ...channel, OriginEndpointName };
        await orUndefinedIfNotFound(this.mediapackage.send(new DeleteOriginEndpointPolicyCommand(endpoint)));
        await orUndefinedIfNotFound(this.mediapackage.send(new DeleteOriginEndpointCommand(endpoint)));
      }
    }
    try {
      await orUndefinedIfNotFound(this.mediapackage.send(new DeleteChannelCommand(channel)));
    } catch (error) {
      // An endpoint still being deleted keeps the channel: the next step deletes it.
      if (error instanceof ConflictException) return "pending";
      throw error;
    }
    return "done";
  }

  /**
   * The channel's egress paths, which the account's distribution serves under out/v1/<channel group>/: HLS on TS, and
   * HLS and DASH over the shared CMAF segments. No MSS (see ORIGIN_ENDPOINTS).
   */
  playback(name: string): LivePlayback {
    const root = `out/v1/${this.channelGroup}/${name}`;
    return {
      root,
      hls: `${root}/ts/${HLS_MANIFEST}.m3u8`,
      hlsCmaf: `${root}/cmaf/${HLS_MANIFEST}.m3u8`,
      dash: `${root}/cmaf/${DASH_MANIFEST}.mpd`,
      // MediaPackage v2's low latency is LL-HLS on the CMAF endpoint; its CMAF encryption is for DRM vendors' licences.
      lowLatencyFormat: "hlsCmaf",
      keyServerFormats: ["hls"],
    };
  }
}

async function orUndefinedIfNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** The resource, made unless it exists; a ConflictException is a concurrent creation that got there first. */
async function getOrCreate<T>(get: () => Promise<T>, create: () => Promise<T>): Promise<T> {
  const found = await orUndefinedIfNotFound(get());
  if (found) return found;
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof ConflictException)) throw error;
    return get();
  }
}
