import { randomBytes, randomUUID } from "node:crypto";
import { type MediaLiveChannelAlert, type MediaLiveChannelStateChange, visionStreamEntry } from "@visionstream/events";
import { z } from "zod";
import type { AccountRepository } from "../accounts/account.ts";
import { AccountNeeds } from "../accounts/account-needs.ts";
import { Conflict, InvalidInput, NotFound } from "../errors.ts";
import type { EventPublisher, StepResult } from "../ports.ts";
import {
  type Channel,
  type ChannelCommand,
  type ChannelRepository,
  type ChannelState,
  Encryption,
  InputType,
  Latency,
  type LiveEngine,
  type LivePlayback,
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
  latency: Latency.default("normal"),
  encryption: Encryption.optional(),
});
export type CreateChannelInput = z.input<typeof CreateChannelInput>;

export type PlaybackFormat = "hls" | "hlsCmaf" | "dash" | "mss";
export type PlaybackFormats = { hls: string } & { [format in Exclude<PlaybackFormat, "hls">]?: string };

/** Whether a browser opens `format` of the channel: any format in the clear; an encrypted one only where our own keys open it (all but MSS unless the engine says which). */
function opens(live: LivePlayback, encrypted: boolean, format: PlaybackFormat): boolean {
  return !encrypted || (format !== "mss" && (live.keyServerFormats ?? ["hls", "hlsCmaf", "dash"]).includes(format));
}

/** What a viewer gets unless they choose: the low-latency format for low latency, HLS-TS (plays everywhere) otherwise, and only what our own keys open when the channel is encrypted. */
function preferredFormat(live: LivePlayback, latency: Latency, encrypted: boolean): PlaybackFormat {
  const wanted = latency === "low" ? (live.lowLatencyFormat ?? "dash") : "hls";
  return opens(live, encrypted, wanted) ? wanted : "hls";
}

export type PlaybackAnswer = PathSignature & {
  channelId: string;
  state: ChannelState;
  latency: Latency;
  encrypted: boolean;
  hlsUrl: string;
  formats: PlaybackFormats;
  preferredFormat: PlaybackFormat;
};

export interface ChannelsDeps {
  channels: ChannelRepository;
  accounts: Pick<AccountRepository, "get">;
  engine: LiveEngine;
  signer: PlaybackSigner;
  publisher: EventPublisher;
  /** How long a running channel may go without input before it is stopped to save cost. */
  idleStopAfterMs?: number;
  playbackTtlMs?: number;
  now?: () => Date;
}

const STARTABLE: readonly ChannelState[] = ["CREATED", "IDLE", "STOPPED"];
const COMMAND_STATE = { start: "STARTING", stop: "STOPPING", delete: "DELETING" } as const satisfies Record<ChannelCommand["name"], ChannelState>;
/** The engine's states that show a command has taken effect (DELETED is the deletion step's own to set). */
const COMMAND_DONE_IN: Record<ChannelCommand["name"], readonly ChannelState[]> = {
  start: ["STARTING", "RUNNING", "RECOVERING"],
  stop: ["STOPPING", "STOPPED", "IDLE"],
  delete: [],
};
const STOPPABLE: readonly ChannelState[] = ["STARTING", "RUNNING", "RECOVERING"];
/** States in which the engine runs the channel, or has been asked to: a run is under way, starting or draining. */
export const ON_AIR: readonly ChannelState[] = ["STARTING", "RUNNING", "RECOVERING", "UPDATING", "STOPPING"];
const DELETABLE: readonly ChannelState[] = ["CREATED", "IDLE", "STOPPED", "CREATE_FAILED"];
const ABANDONED_CREATION_MS = 60_000;
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
/** The session to go back to if the command fails: the one before a pending command, else the channel's. */
const commandSession = (channel: Channel) => (channel.command ? channel.command.fromSessionId : channel.sessionId);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * 32 characters of base64url: within SRT's 10–79, and no "&", which srt-live-transmit's URI query would split on.
 * 24 random bytes are more than the AES-128 key it derives.
 */
export const newSrtPassphrase = () => randomBytes(24).toString("base64url");

/** arn:aws:medialive:eu-west-1:111122223333:channel:1234567 → "1234567", as MediaLive's events name a channel. */
export function engineChannelIdFromArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:medialive:[^:]*:[^:]*:channel:([^:/]+)$/.exec(arn)?.[1];
}

export function Channels(deps: ChannelsDeps) {
  const now = () => deps.now?.() ?? new Date();
  const idleStopAfterMs = deps.idleStopAfterMs ?? 30 * 60_000;
  const playbackTtlMs = deps.playbackTtlMs ?? 60 * 60_000;
  const playbackAnswers = new RecentReads<PlaybackAnswer>({
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

  /** Records the command (the state shows it), then asks for its first step; the request answers without waiting. */
  async function command(channel: Channel, name: ChannelCommand["name"], allowed: readonly ChannelState[], changes: Partial<Channel> = {}) {
    const timestamp = now();
    const stored = await deps.channels.update(
      channel.accountId,
      channel.id,
      {
        state: COMMAND_STATE[name],
        stateChangedAt: eventTime(timestamp),
        // A command that replaces one still pending keeps where that one started from: a failure goes back there.
        command: {
          id: randomUUID(),
          name,
          from: channel.command?.from ?? channel.state,
          ...(commandSession(channel) ? { fromSessionId: commandSession(channel) } : {}),
          requestedAt: timestamp.toISOString(),
          attempts: 0,
        },
        failureReason: undefined,
        updatedAt: timestamp.toISOString(),
        ...changes,
      },
      allowed,
    );
    if (!stored) return undefined;
    await deps.publisher.publish(visionStreamEntry("ChannelStepRequested", { accountId: channel.accountId, channelId: channel.id }));
    return stored;
  }

  /** A command that cannot succeed by retrying leaves the channel as it was, with the reason. */
  async function fail(channel: Channel, reason: string): Promise<Channel | undefined> {
    const { command } = channel;
    if (!command) return channel;
    const failed = await deps.channels.update(
      channel.accountId,
      channel.id,
      {
        state: command.from,
        ...(command.name === "start" ? { sessionId: command.fromSessionId } : {}),
        command: undefined,
        failureReason: `${command.name} failed: ${reason}`,
        updatedAt: now().toISOString(),
      },
      [channel.state],
      command.id,
    );
    // Not failed when another command has replaced this one meanwhile: the channel as it is now.
    return failed ?? deps.channels.get(channel.accountId, channel.id);
  }

  /** The command's next step in the engine: each step is a few requests, safe to run again; events bring the rest. */
  async function advance(channel: Channel): Promise<Channel | undefined> {
    const { command } = channel;
    if (!command) return channel;
    let step: StepResult | "not-running";
    try {
      if (command.name === "delete") step = await deps.engine.deleteChannel({
          accountId: channel.accountId,
          channelId: channel.id,
          engineChannelId: channel.engineChannelId,
          inputType: channel.inputType,
        });
      else if (!channel.engineChannelId) throw new Conflict(`channel ${channel.id} has no engine channel`);
      else if (command.name === "start") step = await deps.engine.startChannel(channel.engineChannelId, channel.sessionId!);
      else step = await deps.engine.stopChannel(channel.engineChannelId);
    } catch (error) {
      // Refusals are final; anything else (throttling, a timeout, the network) is retried by the bus and the sweeper.
      if (error instanceof Conflict || error instanceof NotFound || error instanceof InvalidInput) return fail(channel, messageOf(error));
      throw error;
    }
    if (step === "pending") return channel;
    // Every write of a step holds only while its command is still the pending one: a newer command is not undone.
    const finish = async (changes: Partial<Channel>) =>
      (await deps.channels.update(channel.accountId, channel.id, { ...changes, command: undefined, updatedAt: now().toISOString() }, [channel.state], command.id)) ??
      deps.channels.get(channel.accountId, channel.id);
    if (command.name === "delete") {
      return playbackAnswers.writing((key) => key === `${channel.accountId}/${channel.id}`, () => finish({ state: "DELETED" }));
    }
    // Nothing was on air, so no engine event will end the stop: it ends here.
    if (step === "not-running") return finish({ state: "STOPPED", stateChangedAt: eventTime(now()), inputLostSince: undefined });
    return finish({});
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
      const srtPassphrase = parsed.inputType === "SRT_LISTENER" ? newSrtPassphrase() : undefined;
      await deps.channels.create(channel);
      let created;
      try {
        created = await deps.engine.createChannel({
          channelId: channel.id,
          accountId,
          bucketName: account.bucketName,
          ...parsed,
          streamKey,
          ...(srtPassphrase ? { srtPassphrase } : {}),
          ...(account.distributionArn ? { distributionArn: account.distributionArn } : {}),
        });
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

    /** Asks for a run (202): STARTING at once, the engine is started by the step that follows. */
    async start(accountId: string, channelId: string): Promise<Channel> {
      const channel = await get(accountId, channelId);
      if (!STARTABLE.includes(channel.state) || !channel.engineChannelId) conflict(channel, "start", STARTABLE);
      const starting = await command(channel, "start", STARTABLE, { sessionId: newSessionId(now()), inputLostSince: undefined });
      return starting ?? conflict(await get(accountId, channelId), "start", STARTABLE);
    },

    /** Asks for a stop (202): STOPPING at once; the engine drains in the background and STOPPED follows as an event. */
    async stop(accountId: string, channelId: string): Promise<Channel> {
      const channel = await get(accountId, channelId);
      if (!STOPPABLE.includes(channel.state) || !channel.engineChannelId) conflict(channel, "stop", STOPPABLE);
      // A stop replaces a start still pending: its step stops what the start may have begun, or ends at once (not-running).
      const stopping = await command(channel, "stop", STOPPABLE);
      return stopping ?? conflict(await get(accountId, channelId), "stop", STOPPABLE);
    },

    /** Asks for a deletion (202): DELETING at once, DELETED once the engine holds nothing of the channel. */
    async remove(accountId: string, channelId: string): Promise<Channel> {
      const channel = await get(accountId, channelId);
      // A creation cut short (its request timed out) leaves CREATING behind: after a minute it can be deleted too.
      const abandoned = channel.state === "CREATING" && Date.parse(channel.updatedAt) < now().getTime() - ABANDONED_CREATION_MS;
      const deletable = abandoned ? [...DELETABLE, "CREATING" as const] : DELETABLE;
      if (!deletable.includes(channel.state)) conflict(channel, "be deleted", DELETABLE);
      const deleting = await command(channel, "delete", deletable);
      return deleting ?? conflict(await get(accountId, channelId), "be deleted", DELETABLE);
    },

    /** Reaction to ChannelStepRequested: the pending command's next step. */
    async step(accountId: string, channelId: string): Promise<Channel | undefined> {
      const channel = await deps.channels.get(accountId, channelId);
      return channel?.command ? advance(channel) : channel;
    },

    /**
     * Everything of an account goes (the account is being deleted): running channels too. "done" once every channel
     * is DELETED; each call takes every channel one step further.
     */
    async releaseAll(accountId: string): Promise<StepResult> {
      let pending = false;
      for (const channel of await deps.channels.list(accountId)) {
        if (channel.state === "DELETED") continue;
        const deleting = channel.command?.name === "delete" ? channel : await command(channel, "delete", [channel.state]);
        const after = deleting && (await advance(deleting));
        if (after?.state !== "DELETED") pending = true;
      }
      return pending ? "pending" : "done";
    },

    /**
     * Scheduled: asks again for the next step of every command older than `graceMs` (a step the engine left pending,
     * or one cut short by a timeout); after `maxAttempts` it gives up, and the channel shows why.
     */
    async resumePending({ graceMs = 30_000, maxAttempts = 30 }: { graceMs?: number; maxAttempts?: number } = {}): Promise<string[]> {
      const resumed: string[] = [];
      const limit = now().getTime() - graceMs;
      for (const state of Object.values(COMMAND_STATE)) {
        for (const channel of await deps.channels.listInState(state)) {
          const { command: pending } = channel;
          if (!pending || Date.parse(channel.updatedAt) > limit) continue;
          if (pending.attempts >= maxAttempts) {
            await fail(channel, `not done after ${pending.attempts} attempts since ${pending.requestedAt}`);
            continue;
          }
          const counted = await deps.channels.update(
            channel.accountId,
            channel.id,
            { command: { ...pending, attempts: pending.attempts + 1 }, updatedAt: now().toISOString() },
            [channel.state],
            pending.id,
          );
          if (!counted) continue;
          await deps.publisher.publish(visionStreamEntry("ChannelStepRequested", { accountId: channel.accountId, channelId: channel.id }));
          resumed.push(channel.id);
        }
      }
      return resumed;
    },

    /**
     * The runs the table shows on air (or asked for): after a restart, what an engine whose runs ended with the process
     * (the local one) has to account for, even where it kept no trace of the run.
     */
    async onAir(): Promise<{ engineChannelId: string; sessionId?: string }[]> {
      const listed = await Promise.all(ON_AIR.map((state) => deps.channels.listInState(state)));
      return listed.flat().flatMap(({ engineChannelId, sessionId }) => (engineChannelId ? [{ engineChannelId, ...(sessionId ? { sessionId } : {}) }] : []));
    },

    playback(accountId: string, channelId: string) {
      return playbackAnswers.read(`${accountId}/${channelId}`, async () => {
        const channel = await get(accountId, channelId);
        const account = await activeAccount(accountId);
        const expiresAt = new Date(now().getTime() + playbackTtlMs);
        const live = deps.engine.livePlayback(channel.id);
        const signature = await deps.signer.signPath(accountId, `${account.cdnBaseUrl}/${live.root}/*`, expiresAt);
        const url = (path: string) => `${account.cdnBaseUrl}/${path}`;
        // An encrypted channel lists what a browser opens with our own keys: no MSS (its encryption would be PlayReady's,
        // never the clear), and in MediaPackage no CMAF (its encryption is for DRM vendors' licences).
        const encrypted = channel.encryption !== undefined;
        const formats: PlaybackFormats = {
          hls: url(live.hls),
          ...(opens(live, encrypted, "hlsCmaf") ? { hlsCmaf: url(live.hlsCmaf) } : {}),
          ...(opens(live, encrypted, "dash") ? { dash: url(live.dash) } : {}),
          ...(live.mss && opens(live, encrypted, "mss") ? { mss: url(live.mss) } : {}),
        };
        const latency = channel.latency ?? "normal";
        return {
          channelId: channel.id,
          state: channel.state,
          latency,
          encrypted,
          hlsUrl: formats.hls,
          formats,
          /** The format a viewer gets unless they choose: DASH carries the low latency, HLS-TS plays everywhere. */
          preferredFormat: preferredFormat(live, latency, encrypted),
          ...signature,
        };
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
        // While a command is under way, only a state that shows it took effect is taken; any other change may unblock its next step.
        if (channel.command && !COMMAND_DONE_IN[channel.command.name].includes(state)) return advance(channel);
        if (!isNewer(event.time, state, channel)) return channel;
        const updated = await deps.channels.update(
          channel.accountId,
          channel.id,
          {
            state,
            stateChangedAt: event.time,
            command: undefined,
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
        if (await command(channel, "stop", ["RUNNING"])) stopped.push(channel.id);
      }
      return stopped;
    },
  };
}

export type Channels = ReturnType<typeof Channels>;
