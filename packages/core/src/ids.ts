import { randomBytes } from "node:crypto";
import { z } from "zod";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const LENGTH = 16;

const KINDS = {
  account: { prefix: "acc-", called: "an account id" },
  channel: { prefix: "ch-", called: "a channel id" },
  recording: { prefix: "rec-", called: "a recording id" },
  media: { prefix: "med-", called: "a media id" },
  switcher: { prefix: "sw-", called: "a switcher id" },
} as const;
export type IdKind = keyof typeof KINDS;

function characters(bytes: Uint8Array, length: number): string {
  let text = "";
  for (let index = 0; index < length; index++) text += ALPHABET[bytes[index]! % ALPHABET.length];
  return text;
}

/** The kind's prefix and sixteen characters of [a-z0-9], one from each of the first sixteen bytes given. */
export const idFrom = (kind: IdKind, bytes: Uint8Array): string => KINDS[kind].prefix + characters(bytes, LENGTH);

export const newId = (kind: IdKind): string => idFrom(kind, randomBytes(LENGTH));

/** A run's recording session: its start time (20261122t120000z) and six random characters. */
export const newSessionId = (now: Date): string =>
  `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "z").toLowerCase()}-${characters(randomBytes(6), 6)}`;

export const exampleId = (kind: IdKind): string => `${KINDS[kind].prefix}0123456789abcdef`;

const idPattern = (kind: IdKind) => new RegExp(`^${KINDS[kind].prefix}[a-z0-9]{${LENGTH}}$`);
const idSchema = (kind: IdKind) => z.string().regex(idPattern(kind), `${KINDS[kind].called} looks like ${exampleId(kind)}`);

export const AccountId = idSchema("account");
export const ChannelId = idSchema("channel");
export const RecordingId = idSchema("recording");
export const MediaId = idSchema("media");
export const SwitcherId = idSchema("switcher");

export const ID_SCHEMAS = { account: AccountId, channel: ChannelId, recording: RecordingId, media: MediaId, switcher: SwitcherId } satisfies Record<IdKind, z.ZodString>;
