import { describe, expect, it } from "vitest";
import { Conflict, Forbidden, InvalidInput, NotFound, Unauthorized } from "../errors.ts";
import { Broadcasts } from "./broadcasts.ts";
import { channelsOnDynalite } from "./channels-testing.ts";

const channels = channelsOnDynalite("broadcasts");
const SECRET = Buffer.alloc(32, 7);

async function setup() {
  const made = await channels();
  const broadcasts = Broadcasts({ channels: made.repository, accounts: made.accounts, secret: async () => SECRET, now: made.clock.now });
  return { ...made, broadcasts };
}

describe("Broadcasts", () => {
  it("grants a token bound to one channel, which opens that channel's own ingest while it runs, from an allowed address", async () => {
    const { account, broadcasts, running, clock } = await setup();
    const channel = await running();

    const grant = await broadcasts.grant(account.id, channel.id, { expiresInSeconds: 600 });
    const target = await broadcasts.publishTarget(grant.token, { channelId: channel.id, remoteAddress: "203.0.113.7" });

    expect(grant.expiresAt).toBe(new Date(Math.floor(clock.now().getTime() / 1000) * 1000 + 600_000).toISOString());
    expect(target.channel.id).toBe(channel.id);
    expect(target.ingest).toEqual(channel.ingest);
    expect(await broadcasts.status(grant.token)).toEqual({ channelId: channel.id, name: "Main stage", state: "RUNNING", expiresAt: grant.expiresAt });
  });

  it("refuses a missing, malformed, forged or expired token with 401, in words that say which", async () => {
    const { account, broadcasts, running, clock } = await setup();
    const channel = await running();
    const { token } = await broadcasts.grant(account.id, channel.id, { expiresInSeconds: 60 });
    const [version, payload, mac] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ a: account.id, c: channel.id, e: 9_999_999_999 })).toString("base64url");
    const target = (given: string | undefined) => broadcasts.publishTarget(given, { channelId: channel.id, remoteAddress: "203.0.113.7" });

    await expect(target(undefined)).rejects.toThrow(new Unauthorized("a broadcast token is required (Authorization: Bearer <token>)"));
    await expect(target("not-a-token")).rejects.toThrow(/malformed/);
    await expect(target(`${version}.${forgedPayload}.${mac}`)).rejects.toThrow(/not valid/);
    await expect(target(`${version}.${payload}.${Buffer.alloc(32).toString("base64url")}`)).rejects.toBeInstanceOf(Unauthorized);
    const otherKey = Broadcasts({ channels: { get: async () => undefined }, accounts: { get: async () => undefined }, secret: async () => Buffer.alloc(32, 8) });
    await expect(otherKey.verify(token)).rejects.toThrow(/not valid/);
    clock.advance(61_000);
    await expect(target(token)).rejects.toThrow(/expired at .*ask for a new broadcast link/);
  });

  it("refuses another channel's token and an address outside the allow-list with 403", async () => {
    const { account, broadcasts, running } = await setup();
    const first = await running();
    const second = await running();
    const { token } = await broadcasts.grant(account.id, first.id);

    await expect(broadcasts.publishTarget(token, { channelId: second.id, remoteAddress: "203.0.113.7" })).rejects.toThrow(
      new Forbidden(`the broadcast token is for another channel than ${second.id}`),
    );
    await expect(broadcasts.publishTarget(token, { channelId: first.id, remoteAddress: "198.51.100.7" })).rejects.toThrow(
      new Forbidden("198.51.100.7 is not in the channel's allow-list"),
    );
    await expect(broadcasts.publishTarget(token, { channelId: first.id, remoteAddress: "::ffff:203.0.113.7" })).resolves.toMatchObject({ channel: { id: first.id } });
  });

  it("refuses a channel that is not running with 409 naming its state, and a channel of another input type", async () => {
    const { account, broadcasts, use, stopped } = await setup();
    const created = await use.create(account.id, { name: "later", inputType: "RTMP_PUSH", allowCidrs: ["0.0.0.0/0"] });
    const rtp = await use.create(account.id, { name: "contribution", inputType: "RTP_PUSH", allowCidrs: ["0.0.0.0/0"] });
    const ended = await stopped();
    const { token } = await broadcasts.grant(account.id, created.id);

    await expect(broadcasts.publishTarget(token, { channelId: created.id, remoteAddress: "203.0.113.7" })).rejects.toThrow(/is CREATED: start it, then go live/);
    const afterRun = await broadcasts.grant(account.id, ended.id);
    await expect(broadcasts.publishTarget(afterRun.token, { channelId: ended.id, remoteAddress: "203.0.113.7" })).rejects.toBeInstanceOf(Conflict);
    await expect(broadcasts.grant(account.id, rtp.id)).rejects.toThrow(/published to the channel's RTMP input: channel .* takes RTP_PUSH/);
  });

  it("grants only for the account's own channels, for 60 s to 24 h", async () => {
    const { account, broadcasts, running } = await setup();
    const channel = await running();
    const other = await setup();

    await expect(other.broadcasts.grant(other.account.id, channel.id)).rejects.toBeInstanceOf(NotFound);
    await expect(broadcasts.grant(account.id, channel.id, { expiresInSeconds: 59 })).rejects.toThrow(new InvalidInput("expiresIn", "must be a whole number of seconds from 60 to 86400", "query"));
    await expect(broadcasts.grant(account.id, channel.id, { expiresInSeconds: 86_401 })).rejects.toBeInstanceOf(InvalidInput);
    const { token } = await broadcasts.grant(account.id, channel.id, { expiresInSeconds: 86_400 });
    expect((await broadcasts.verify(token)).channelId).toBe(channel.id);
  });
});
