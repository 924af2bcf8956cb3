import { NotFoundException } from "@aws-sdk/client-medialive";
import type { ChannelSpec } from "@visionstream/core/channels/channel";
import { originEndpointId } from "../mediapackage/packaging-channels.ts";

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

export function liveResourceNames(prefix: string, channelId: string): LiveResourceNames {
  const name = `${prefix}-${channelId}`;
  return {
    name,
    originEndpointId: originEndpointId(name),
    inputRequestId: `${name}-input`,
    channelRequestId: `${name}-channel`,
  };
}

export const pipelines = (spec: ChannelSpec) => (spec.redundancy === "STANDARD" ? 2 : 1);

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

export function required(value: string | undefined, resource: string, name: string, field: string): string {
  if (!value) throw new LiveResourceMissing(resource, name, field);
  return value;
}

export async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
}
