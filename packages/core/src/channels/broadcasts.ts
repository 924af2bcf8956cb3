import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { AccountRepository } from "../accounts/account.ts";
import { Conflict, Forbidden, InvalidInput, NotFound, Unauthorized } from "../errors.ts";
import { ipv4AllowList } from "../net/ipv4.ts";
import type { Channel, ChannelRepository, IngestEndpoint } from "./channel.ts";

/** How long a broadcast link lasts unless asked: long enough to set up and go live, short enough that a leaked link soon dies. */
export const BROADCAST_GRANT_DEFAULT_SECONDS = 3_600;
export const BROADCAST_GRANT_MAX_SECONDS = 24 * 3_600;
const TOKEN_VERSION = "b1";

const TokenClaims = z.object({ a: z.string().min(1), c: z.string().min(1), e: z.number().int().positive() });

export interface BroadcastGrant {
  channelId: string;
  token: string;
  expiresAt: string;
}

/** What the broadcast page shows of its channel. */
export interface BroadcastStatus {
  channelId: string;
  name: string;
  state: Channel["state"];
  inputLostSince?: string;
  failureReason?: string;
  expiresAt: string;
}

export interface BroadcastTarget {
  channel: Channel;
  /** The channel's own ingest endpoints, where the gateway publishes what the browser sends (both of a STANDARD channel). */
  ingest: IngestEndpoint[];
}

export interface BroadcastsDeps {
  channels: Pick<ChannelRepository, "get">;
  accounts: Pick<AccountRepository, "get">;
  /** The stage's token key (32 random bytes), from its secret store. */
  secret: () => Promise<Buffer>;
  now?: () => Date;
}

/** Going live from a browser: short-lived tokens bound to one channel, and what a WHIP gateway may do with one. */
export function Broadcasts(deps: BroadcastsDeps) {
  const now = deps.now ?? (() => new Date());

  async function signature(payload: string): Promise<Buffer> {
    return createHmac("sha256", await deps.secret()).update(`${TOKEN_VERSION}.${payload}`).digest();
  }

  async function channelOf(accountId: string, channelId: string): Promise<Channel> {
    const account = await deps.accounts.get(accountId);
    const channel = account?.status === "ACTIVE" ? await deps.channels.get(accountId, channelId) : undefined;
    if (!channel || channel.state === "DELETING" || channel.state === "DELETED") throw new NotFound("channel", channelId);
    return channel;
  }

  async function verify(token: string | undefined): Promise<{ accountId: string; channelId: string; expiresAt: Date }> {
    if (!token) throw new Unauthorized("a broadcast token is required (Authorization: Bearer <token>)");
    const [version, payload, mac, ...rest] = token.split(".");
    if (version !== TOKEN_VERSION || !payload || !mac || rest.length > 0) throw new Unauthorized("the broadcast token is malformed");
    const expected = await signature(payload);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Unauthorized("the broadcast token is not valid");
    const claims = TokenClaims.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    if (!claims.success) throw new Unauthorized("the broadcast token is malformed");
    const expiresAt = new Date(claims.data.e * 1000);
    if (expiresAt.getTime() <= now().getTime()) throw new Unauthorized(`the broadcast token expired at ${expiresAt.toISOString()}: ask for a new broadcast link`);
    return { accountId: claims.data.a, channelId: claims.data.c, expiresAt };
  }

  return {
    verify,

    /** A token that lets its holder publish to this channel (and read its state) until it expires. */
    async grant(accountId: string, channelId: string, { expiresInSeconds = BROADCAST_GRANT_DEFAULT_SECONDS } = {}): Promise<BroadcastGrant> {
      if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 60 || expiresInSeconds > BROADCAST_GRANT_MAX_SECONDS) {
        throw new InvalidInput("expiresIn", `must be a whole number of seconds from 60 to ${BROADCAST_GRANT_MAX_SECONDS}`, "query");
      }
      const channel = await channelOf(accountId, channelId);
      if (channel.inputType !== "RTMP_PUSH") {
        throw new Conflict(`a browser broadcast is published to the channel's RTMP input: channel ${channelId} takes ${channel.inputType}`, { inputType: channel.inputType });
      }
      const expiresAt = Math.floor(now().getTime() / 1000) + expiresInSeconds;
      const payload = Buffer.from(JSON.stringify({ a: accountId, c: channelId, e: expiresAt } satisfies z.infer<typeof TokenClaims>)).toString("base64url");
      const token = `${TOKEN_VERSION}.${payload}.${(await signature(payload)).toString("base64url")}`;
      return { channelId, token, expiresAt: new Date(expiresAt * 1000).toISOString() };
    },

    async status(token: string | undefined): Promise<BroadcastStatus> {
      const { accountId, channelId, expiresAt } = await verify(token);
      const channel = await channelOf(accountId, channelId);
      return {
        channelId,
        name: channel.name,
        state: channel.state,
        ...(channel.inputLostSince ? { inputLostSince: channel.inputLostSince } : {}),
        ...(channel.failureReason ? { failureReason: channel.failureReason } : {}),
        expiresAt: expiresAt.toISOString(),
      };
    },

    /**
     * Where a gateway publishes a browser's media for `channelId`: the token must be this channel's and unexpired, the
     * publisher's address in the channel's allow-list, and the channel running (its ingest open), as for an RTMP publisher.
     */
    async publishTarget(token: string | undefined, request: { channelId: string; remoteAddress: string }): Promise<BroadcastTarget> {
      const claims = await verify(token);
      if (claims.channelId !== request.channelId) throw new Forbidden(`the broadcast token is for another channel than ${request.channelId}`);
      const channel = await channelOf(claims.accountId, claims.channelId);
      if (!ipv4AllowList(channel.allowCidrs)(request.remoteAddress)) {
        throw new Forbidden(`${request.remoteAddress} is not in the channel's allow-list`);
      }
      if (channel.inputType !== "RTMP_PUSH") throw new Conflict(`channel ${channel.id} takes ${channel.inputType}, not a browser broadcast`, { inputType: channel.inputType });
      if (channel.state !== "RUNNING" && channel.state !== "RECOVERING") {
        throw new Conflict(`channel ${channel.id} is ${channel.state}: start it, then go live`, { state: channel.state });
      }
      return { channel, ingest: channel.ingest };
    },
  };
}
export type Broadcasts = ReturnType<typeof Broadcasts>;
