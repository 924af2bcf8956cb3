import { randomBytes } from "node:crypto";
import type { MediaLiveChannelAlert, MediaLiveChannelStateChange } from "@visionstream/events";
import { z } from "zod";
import type { AccountRepository } from "../accounts/account.ts";
import { AccountNeeds } from "../accounts/account-needs.ts";
import { Conflict, NotFound } from "../errors.ts";
import {
  type Channel,
  type ChannelRepository,
  type ChannelState,
  InputType,
  type LiveEngine,
  livePlaylistKey,
  Redundancy,
} from "./channel.ts";
import { RecentReads } from "../recent-reads.ts";
import { newId, newSessionId } from "../ids.ts";
import { PLAYBACK_ANSWER_TTL_MS, type PathSignature, type PlaybackSigner } from "./playback.ts";

export const CreateChannelInput = z.object({
  name: z.string().trim().min(1).max(100).regex(/^[^\p{Cc}]*$/u, "must not contain control characters"),
  inputType: InputType,
  redundancy: Redundancy.default("SINGLE"),
  allowCidrs: z.array(z.cidrv4("an IPv4 CIDR such as 203.0.113.0/24")).min(1).max(10),
});
export type CreateChannelInput = z.input<typeof CreateChannelInput>;

export interface ChannelsDeps {
  channels: ChannelRepository;
  accounts: Pick<AccountRepository, "get">;
  engine: LiveEngine;
  signer: PlaybackSigner;
  /** How long a running channel may go without input before it is stopped to save cost. */
  idleStopAfterMs?: number;
  playbackTtlMs?: number;
  now?: () => Date;
}

const STARTABLE: readonly ChannelState[] = ["CREATED", "IDLE", "STOPPED"];
const STOPPABLE: readonly ChannelState[] = ["STARTING", "RUNNING", "RECOVERING"];
const DELETABLE: readonly ChannelState[] = ["CREATED", "IDLE", "STOPPED", "CREATE_FAILED"];
export const ALERTS_OF_INPUT_LOSS = /input|not received|no (audio|video)|loss/i;

/** Where a state sits in a run's life: among events of the same second, the later stage wins. */
const LIFECYCLE: Partial<Record<ChannelState, number>> = {
  CREATING: 0,
  CREATED: 1,
  CREATE_FAILED: 1,
  IDLE: 1,
  STARTING: 2,
  RUNNING: 3,
  RECOVERING: 3,
  UPDATING: 3,
  UPDATE_FAILED: 3,
  STOPPING: 4,
  STOPPED: 5,
  DELETING: 6,
  DELETED: 7,
};

/** A time as EventBridge writes it (whole seconds), for comparing with events' times. */
const eventTime = (date: Date) => date.toISOString().replace(/\.\d+Z$/, "Z");

/** EventBridge times have whole seconds: an event of the same second counts only if it is a later stage. */
function isNewer(time: string, state: ChannelState, channel: Channel): boolean {
  if (!channel.stateChangedAt || time > channel.stateChangedAt) return true;
  return time === channel.stateChangedAt && (LIFECYCLE[state] ?? 0) > (LIFECYCLE[channel.state] ?? 0);
}
/** arn:aws:medialive:eu-west-1:111122223333:channel:1234567 → "1234567", as MediaLive's events name a channel. */
export function engineChannelIdFromArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:medialive:[^:]*:[^:]*:channel:([^:/]+)$/.exec(arn)?.[1];
}

export function Channels(deps: ChannelsDeps) {
  const now = () => deps.now?.() ?? new Date();
  const idleStopAfterMs = deps.idleStopAfterMs ?? 30 * 60_000;
  const playbackTtlMs = deps.playbackTtlMs ?? 60 * 60_000;
  const playbackAnswers = new RecentReads<PathSignature & { channelId: string; state: ChannelState; hlsUrl: string }>({
    ttlMs: PLAYBACK_ANSWER_TTL_MS,
    now: () => now().getTime(),
  });

  async function get(accountId: string, channelId: string): Promise<Channel> {
    const channel = await deps.channels.get(accountId, channelId);
    if (!channel || channel.state === "DELETED") throw new NotFound("channel", channelId);
    return channel;
  }

  const needs = AccountNeeds(deps.accounts);
  const activeAccount = (accountId: string) => needs.active(accountId, "channels need");

  /** Asks the engine to stop; if it refuses, the channel goes back to the state it had, so it can be stopped again. */
  async function stopInEngine(channel: Channel): Promise<void> {
    try {
      await deps.engine.stopChannel(channel.engineChannelId!);
    } catch (error) {
      await deps.channels.update(
        channel.accountId,
        channel.id,
        { state: channel.state, failureReason: `stop failed: ${error instanceof Error ? error.message : String(error)}`, updatedAt: now().toISOString() },
        ["STOPPING"],
      );
      throw error;
    }
  }

  function conflict(channel: Channel, action: string, allowed: readonly ChannelState[]): never {
    throw new Conflict(`channel ${channel.id} is ${channel.state}; it can ${action} only when ${allowed.join(" or ")}`, {
      state: channel.state,
    });
  }

  return {
    get,

    async list(accountId: string): Promise<Channel[]> {
      return (await deps.channels.list(accountId)).filter((channel) => channel.state !== "DELETED");
    },

    async create(accountId: string, input: CreateChannelInput): Promise<Channel> {
      const parsed = CreateChannelInput.parse(input);
      const account = await activeAccount(accountId);
      const timestamp = now().toISOString();
      const channel: Channel = {
        id: newId("channel"),
        accountId,
        ...parsed,
        state: "CREATING",
        ingest: [],
        createdAt: timestamp,
        updatedAt: timestamp,
      };
      const streamKey = parsed.inputType === "RTMP_PUSH" ? randomBytes(18).toString("base64url") : undefined;
      await deps.channels.create(channel);
      let created;
      try {
        created = await deps.engine.createChannel({ channelId: channel.id, accountId, bucketName: account.bucketName, ...parsed, streamKey });
      } catch (error) {
        await deps.channels.update(accountId, channel.id, {
          state: "CREATE_FAILED",
          failureReason: error instanceof Error ? error.message : String(error),
          updatedAt: now().toISOString(),
        });
        throw error;
      }
      await deps.channels.linkEngineChannel(created.engineChannelId, accountId, channel.id);
      const stored = await deps.channels.update(
        accountId,
        channel.id,
        { engineChannelId: created.engineChannelId, ingest: created.ingest, state: "CREATED", updatedAt: now().toISOString() },
        ["CREATING"],
      );
      return stored ?? get(accountId, channel.id);
    },

    async start(accountId: string, channelId: string): Promise<Channel> {
      const channel = await get(accountId, channelId);
      if (!STARTABLE.includes(channel.state) || !channel.engineChannelId) conflict(channel, "start", STARTABLE);
      const sessionId = newSessionId(now());
      const starting = await deps.channels.update(
        accountId,
        channelId,
        { state: "STARTING", sessionId, stateChangedAt: eventTime(now()), inputLostSince: undefined, failureReason: undefined, updatedAt: now().toISOString() },
        STARTABLE,
      );
      if (!starting) conflict(await get(accountId, channelId), "start", STARTABLE);
      try {
        await deps.engine.startChannel(channel.engineChannelId!, sessionId);
      } catch (error) {
        await deps.channels.update(
          accountId,
          channelId,
          {
            state: channel.state,
            sessionId: channel.sessionId,
            failureReason: `start failed: ${error instanceof Error ? error.message : String(error)}`,
            updatedAt: now().toISOString(),
          },
          ["STARTING"],
        );
        throw error;
      }
      return starting;
    },

    async stop(accountId: string, channelId: string): Promise<Channel> {
      const channel = await get(accountId, channelId);
      if (!STOPPABLE.includes(channel.state) || !channel.engineChannelId) conflict(channel, "stop", STOPPABLE);
      const stopping = await deps.channels.update(
        accountId,
        channelId,
        { state: "STOPPING", stateChangedAt: eventTime(now()), updatedAt: now().toISOString() },
        STOPPABLE,
      );
      if (!stopping) conflict(await get(accountId, channelId), "stop", STOPPABLE);
      await stopInEngine(channel);
      return stopping;
    },

    async remove(accountId: string, channelId: string): Promise<void> {
      const channel = await get(accountId, channelId);
      if (!DELETABLE.includes(channel.state)) conflict(channel, "be deleted", DELETABLE);
      if (channel.engineChannelId) await deps.engine.deleteChannel(channel.engineChannelId);
      await playbackAnswers.writing(
        (key) => key === `${accountId}/${channelId}`,
        () => deps.channels.update(accountId, channelId, { state: "DELETED", updatedAt: now().toISOString() }, DELETABLE),
      );
    },

    playback(accountId: string, channelId: string) {
      return playbackAnswers.read(`${accountId}/${channelId}`, async () => {
        const channel = await get(accountId, channelId);
        const account = await activeAccount(accountId);
        const expiresAt = new Date(now().getTime() + playbackTtlMs);
        const signature = await deps.signer.signPath(accountId, `${account.cdnBaseUrl}/live/${channel.id}/*`, expiresAt);
        return { channelId: channel.id, state: channel.state, hlsUrl: `${account.cdnBaseUrl}/${livePlaylistKey(channel.id)}`, ...signature };
      });
    },

    /** Reaction to "MediaLive Channel State Change": the channel takes the engine's state, newest event wins. */
    async onStateChange(event: MediaLiveChannelStateChange): Promise<Channel | undefined> {
      const engineChannelId = engineChannelIdFromArn(event.detail.channel_arn);
      if (!engineChannelId) return undefined;
      const state = event.detail.state;
      // A standard channel reports each pipeline: it has stopped only when no pipeline runs any more.
      if (state === "STOPPED" && event.detail.pipelines_running_count > 0) return deps.channels.findByEngineChannel(engineChannelId);
      for (let attempt = 0; attempt < 5; attempt++) {
        const channel = await deps.channels.findByEngineChannel(engineChannelId);
        if (!channel || channel.state === "DELETED") return undefined;
        if (!isNewer(event.time, state, channel)) return channel;
        const updated = await deps.channels.update(
          channel.accountId,
          channel.id,
          {
            state,
            stateChangedAt: event.time,
            ...(state === "STOPPED" || state === "IDLE" ? { inputLostSince: undefined } : {}),
            updatedAt: now().toISOString(),
          },
          [channel.state],
        );
        if (updated) return updated;
      }
      return deps.channels.findByEngineChannel(engineChannelId);
    },

    /** Reaction to "MediaLive Channel Alert": input loss is remembered, so an idle channel can be stopped. */
    async onAlert(event: MediaLiveChannelAlert): Promise<Channel | undefined> {
      if (!ALERTS_OF_INPUT_LOSS.test(event.detail.alert_type)) return undefined;
      const engineChannelId = engineChannelIdFromArn(event.detail.channel_arn);
      const channel = engineChannelId ? await deps.channels.findByEngineChannel(engineChannelId) : undefined;
      if (!channel || !STOPPABLE.includes(channel.state)) return channel;
      if (event.detail.alarm_state === "SET")
        return channel.inputLostSince
          ? channel
          : deps.channels.update(channel.accountId, channel.id, { inputLostSince: event.time, updatedAt: now().toISOString() });
      return deps.channels.update(channel.accountId, channel.id, { inputLostSince: undefined, updatedAt: now().toISOString() });
    },

    /** Scheduled: stops running channels that have had no input for longer than the idle limit. */
    async stopIdle(): Promise<string[]> {
      const stopped: string[] = [];
      const limit = now().getTime() - idleStopAfterMs;
      for (const channel of await deps.channels.listInState("RUNNING")) {
        if (!channel.inputLostSince || Date.parse(channel.inputLostSince) > limit || !channel.engineChannelId) continue;
        const stopping = await deps.channels.update(channel.accountId, channel.id, { state: "STOPPING", updatedAt: now().toISOString() }, ["RUNNING"]);
        if (!stopping) continue;
        // One channel the engine refuses must not keep the others running.
        await stopInEngine(channel).then(
          () => stopped.push(channel.id),
          () => undefined,
        );
      }
      return stopped;
    },
  };
}

export type Channels = ReturnType<typeof Channels>;
