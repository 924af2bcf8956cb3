import { MediaLiveChannelState } from "@visionstream/events";
import { z } from "zod";
import { ChannelId } from "../ids.ts";

/** MediaLive's channel states, as "MediaLive Channel State Change" reports them. */
export const ChannelState = MediaLiveChannelState;
export type ChannelState = z.infer<typeof ChannelState>;

export const InputType = z.enum(["RTMP_PUSH", "RTP_PUSH"]);
export type InputType = z.infer<typeof InputType>;

export const Redundancy = z.enum(["SINGLE", "STANDARD"]);
export type Redundancy = z.infer<typeof Redundancy>;

export const IngestEndpoint = z.object({
  /** rtmp://host:port/app (the stream key is the last path part, given apart) or rtp://host:port */
  url: z.string(),
  streamKey: z.string().optional(),
});
export type IngestEndpoint = z.infer<typeof IngestEndpoint>;

export const Channel = z.object({
  id: ChannelId,
  accountId: z.string(),
  name: z.string(),
  inputType: InputType,
  redundancy: Redundancy,
  allowCidrs: z.array(z.string()),
  state: ChannelState,
  /** The engine's own id (MediaLive channel id, or the local engine's). */
  engineChannelId: z.string().optional(),
  ingest: z.array(IngestEndpoint),
  /** The recording session of the current or last run. */
  sessionId: z.string().optional(),
  /** The EventBridge time of the state change applied last: older events are ignored. */
  stateChangedAt: z.iso.datetime().optional(),
  /** Set while the engine reports no input (MediaLive input-loss alert); cleared when input is back. */
  inputLostSince: z.iso.datetime().optional(),
  failureReason: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Channel = z.infer<typeof Channel>;

/** What the live engine needs to build a channel. */
export interface ChannelSpec {
  channelId: string;
  accountId: string;
  name: string;
  bucketName: string;
  inputType: InputType;
  redundancy: Redundancy;
  allowCidrs: string[];
  /** RTMP only: the stream name a publisher must use. */
  streamKey?: string;
}

/**
 * MediaLive, or ffmpeg locally. Every state change comes back as a "MediaLive Channel State Change" event
 * (channel_arn ends with the engine channel id), and every recorded segment as an S3 "Object Created" event.
 */
export interface LiveEngine {
  createChannel(spec: ChannelSpec): Promise<{ engineChannelId: string; ingest: IngestEndpoint[] }>;
  /** Begins a run; `sessionId` names where its recording goes: recordings/<channelId>/<sessionId>/<rendition>/. */
  startChannel(engineChannelId: string, sessionId: string): Promise<void>;
  stopChannel(engineChannelId: string): Promise<void>;
  deleteChannel(engineChannelId: string): Promise<void>;
}

/** live/<channelId>/master.m3u8 on the account's CDN; renditions at live/<channelId>/<rendition>/index.m3u8. */
export const livePlaylistKey = (channelId: string) => `live/${channelId}/master.m3u8`;

export interface ChannelRepository {
  create(channel: Channel): Promise<void>;
  get(accountId: string, channelId: string): Promise<Channel | undefined>;
  list(accountId: string): Promise<Channel[]>;
  /** Applies the changes only while the channel is in one of `from` (any state when `from` is undefined). */
  update(accountId: string, channelId: string, changes: Partial<Omit<Channel, "id" | "accountId" | "createdAt">>, from?: readonly ChannelState[]): Promise<Channel | undefined>;
  /** Remembers which channel an engine channel id belongs to (events name only the engine's id). */
  linkEngineChannel(engineChannelId: string, accountId: string, channelId: string): Promise<void>;
  findByEngineChannel(engineChannelId: string): Promise<Channel | undefined>;
  listInState(state: ChannelState): Promise<Channel[]>;
}
