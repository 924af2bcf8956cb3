import { NotFoundException } from "@aws-sdk/client-medialive";
import type { ChannelSpec } from "@visionstream/core/channels/channel";

/** Tags on every MediaLive resource of a channel; input security groups have no name, and are found by these. */
export const TAG = {
  prefix: "visionstream:prefix",
  accountId: "visionstream:accountId",
  channelId: "visionstream:channelId",
} as const;

export const RTMP_APPLICATION = "live";

/** The key length SRT encoders use unless told (pbkeylen 16), and what the channel's ingest answer tells them. */
export const SRT_ALGORITHM = "AES128";

export interface LiveResourceNames {
  /** The MediaLive input and channel name, and the MediaPackage v2 channel name. */
  name: string;
  inputRequestId: string;
  channelRequestId: string;
}

export function liveResourceNames(prefix: string, channelId: string): LiveResourceNames {
  const name = `${prefix}-${channelId}`;
  return { name, inputRequestId: `${name}-input`, channelRequestId: `${name}-channel` };
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

export function required(value: string | undefined, resource: string, name: string, field: string): string {
  if (!value) throw new LiveResourceMissing(resource, name, field);
  return value;
}

export async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  await orUndefinedIfNotFound(request);
}

/** The answer, or undefined when MediaLive says the resource does not exist. */
export async function orUndefinedIfNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof NotFoundException) return undefined;
    throw error;
  }
}
