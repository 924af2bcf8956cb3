import { MediaLiveChannelState } from "@visionstream/events";
import { z } from "zod";
import { ChannelId } from "../ids.ts";
import type { StepResult } from "../ports.ts";

/** MediaLive's channel states, as "MediaLive Channel State Change" reports them. */
export const ChannelState = MediaLiveChannelState;
export type ChannelState = z.infer<typeof ChannelState>;

/** SRT_LISTENER: the engine listens and the encoder calls it, encrypted with the channel's passphrase (MediaLive's name). */
export const InputType = z.enum(["RTMP_PUSH", "RTP_PUSH", "SRT_LISTENER"]);
export type InputType = z.infer<typeof InputType>;

export const Redundancy = z.enum(["SINGLE", "STANDARD"]);
export type Redundancy = z.infer<typeof Redundancy>;

/** "low": DASH with chunked CMAF, for a glass-to-glass of a few seconds; HLS stays at normal latency either way. */
export const Latency = z.enum(["normal", "low"]);
export type Latency = z.infer<typeof Latency>;

/** The channel's media encrypted with keys of our own key server, a new key every keyRotationSeconds. */
export const Encryption = z.object({
  keyRotationSeconds: z.number().int().min(60).max(86_400).default(3_600),
});
export type Encryption = z.infer<typeof Encryption>;

export const IngestEndpoint = z.object({
  /** rtmp://host:port/app (the stream key is the last path part, given apart), rtp://host:port or srt://host:port */
  url: z.string(),
  streamKey: z.string().optional(),
  /** SRT: what the caller encrypts with (AES-128, pbkeylen 16), kept among the account's secrets. */
  passphrase: z.string().optional(),
});
export type IngestEndpoint = z.infer<typeof IngestEndpoint>;

export const Channel = z.object({
  id: ChannelId,
  accountId: z.string(),
  name: z.string(),
  inputType: InputType,
  redundancy: Redundancy,
  allowCidrs: z.array(z.string()),
  /** Absent on channels made before latency could be chosen: normal. */
  latency: Latency.optional(),
  encryption: Encryption.optional(),
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
  /** A start, stop or deletion asked for and not carried out yet: its steps run from events, retried until done. */
  command: z
    .object({
      /** Names this command among those of the channel: a step writes only while its own command is pending. */
      id: z.string().optional(),
      name: z.enum(["start", "stop", "delete"]),
      /** The state the channel had when it was asked, where a failed command leaves it. */
      from: MediaLiveChannelState,
      /** The session of the run before a start, kept if the start fails. */
      fromSessionId: z.string().optional(),
      requestedAt: z.iso.datetime(),
      /** Times the sweeper found it not done and asked for its next step again. */
      attempts: z.number().int().nonnegative(),
    })
    .optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Channel = z.infer<typeof Channel>;
export type ChannelCommand = NonNullable<Channel["command"]>;

/** What the engine needs to find everything of a channel: the input type says whether it has an SRT passphrase to remove. */
export interface ChannelResources {
  accountId: string;
  channelId: string;
  engineChannelId?: string;
  inputType: InputType;
}

/** What the live engine needs to build a channel. */
export interface ChannelSpec {
  channelId: string;
  accountId: string;
  name: string;
  bucketName: string;
  inputType: InputType;
  redundancy: Redundancy;
  allowCidrs: string[];
  latency?: Latency;
  /** Absent: the media is served in the clear (access is still signed). */
  encryption?: Encryption;
  /** RTMP only: the stream name a publisher must use. */
  streamKey?: string;
  /**
   * SRT only: a passphrase made for the channel. The engine keeps it as the account's secret srtPassphraseSecret(channelId),
   * or keeps the one already kept there (a creation run again), and answers the one it keeps.
   */
  srtPassphrase?: string;
  /** The account distribution's ARN (AWS): the only reader allowed by the packaging endpoints' policy. */
  distributionArn?: string;
}

/** Where a channel's live playlists are on the account's CDN, as paths without a leading slash. */
export interface LivePlayback {
  /** Everything of the channel's live output is under this folder: the playback grant signs `<root>/*`. */
  root: string;
  /** The HLS (MPEG-TS) master playlist. */
  hls: string;
  /** The HLS multivariant playlist over CMAF (fragmented MP4) segments. */
  hlsCmaf: string;
  /** The DASH manifest over the same CMAF segments. */
  dash: string;
  /** The Smooth Streaming manifest, where the channel offers it. */
  mss?: string;
  /** The format that carries a low-latency channel's low latency: DASH (chunked CMAF) unless told. */
  lowLatencyFormat?: "dash" | "hlsCmaf";
  /**
   * The formats a browser plays with our own key server's keys when the channel is encrypted (AES-128 HLS, ClearKey);
   * all but MSS unless told. The others need a DRM vendor's licences.
   */
  keyServerFormats?: readonly ("hls" | "hlsCmaf" | "dash")[];
}

/**
 * MediaLive, or ffmpeg locally. Every state change comes back as a "MediaLive Channel State Change" event
 * (channel_arn ends with the engine channel id), and every recorded segment as an S3 "Object Created" event.
 */
export interface LiveEngine {
  /** Makes the channel's resources (a few quick requests, no waiting); idempotent by channel id. */
  createChannel(spec: ChannelSpec): Promise<{ engineChannelId: string; ingest: IngestEndpoint[] }>;
  /**
   * One step towards a run whose recording goes to recordings/<channelId>/<sessionId>/: "done" once the start has been
   * asked of the engine (its state changes then come as events), "pending" while the engine channel is settling.
   * Never waits for the engine; safe to call again.
   */
  startChannel(engineChannelId: string, sessionId: string): Promise<StepResult>;
  /**
   * One step towards stopping: "done" once the stop has been asked (its STOPPED comes as an event), "not-running" when
   * nothing was on air (no event will come), "pending" when the engine could not take it yet. Never waits for a drain.
   */
  stopChannel(engineChannelId: string): Promise<StepResult | "not-running">;
  /**
   * One step towards removing everything the channel has in the engine, found by the channel id when the engine channel
   * is already gone (a retried or interrupted deletion): "done" only when nothing is left.
   */
  deleteChannel(channel: ChannelResources): Promise<StepResult>;
  /** Where the channel's live output is served on the account's CDN. */
  livePlayback(channelId: string): LivePlayback;
}

/** An SRT channel's passphrase among its account's secrets (the same name in both runtimes, under the account's namespace). */
export const srtPassphraseSecret = (channelId: string) => `channels/${channelId}/srt-passphrase`;

/** The SRT receive latency both engines listen with: room for retransmissions over the internet (MediaLive takes 120–15000 ms). */
export const SRT_LATENCY_MS = 1_000;

/** live/<channelId>/master.m3u8 on the local CDN; renditions at live/<channelId>/<rendition>/index.m3u8. */
export const livePlaylistKey = (channelId: string) => `live/${channelId}/master.m3u8`;

/** Where the local engine serves a channel: HLS-TS at the root, CMAF (HLS and DASH) under cmaf/, MSS under mss/. */
export function localLivePlayback(channelId: string): LivePlayback {
  const root = `live/${channelId}`;
  return { root, hls: livePlaylistKey(channelId), hlsCmaf: `${root}/cmaf/master.m3u8`, dash: `${root}/cmaf/manifest.mpd`, mss: `${root}/mss/Manifest` };
}

export interface ChannelRepository {
  create(channel: Channel): Promise<void>;
  get(accountId: string, channelId: string): Promise<Channel | undefined>;
  list(accountId: string): Promise<Channel[]>;
  /**
   * Applies the changes only while the channel is in one of `from` (any state when `from` is undefined) and, when
   * `whileCommand` is given, only while its pending command is the one of that id.
   */
  update(
    accountId: string,
    channelId: string,
    changes: Partial<Omit<Channel, "id" | "accountId" | "createdAt">>,
    from?: readonly ChannelState[],
    whileCommand?: string,
  ): Promise<Channel | undefined>;
  /** Remembers which channel an engine channel id belongs to (events name only the engine's id). */
  linkEngineChannel(engineChannelId: string, accountId: string, channelId: string): Promise<void>;
  findByEngineChannel(engineChannelId: string): Promise<Channel | undefined>;
  listInState(state: ChannelState): Promise<Channel[]>;
}
