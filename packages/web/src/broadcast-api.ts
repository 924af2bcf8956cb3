import type { Answer } from "./api.ts";
import { errorMessageOf, type Fetch } from "./broadcast-whip.ts";

/** `GET /broadcast/channel`'s answer: the channel the broadcast token is bound to, and when the link expires. */
export type BroadcastChannel = Answer<"/broadcast/channel", "get">;

export class ChannelUnavailable extends Error {
  override name = "ChannelUnavailable";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function isBroadcastChannel(body: unknown): body is BroadcastChannel {
  const value = body as Partial<BroadcastChannel> | null;
  return typeof value?.channelId === "string" && typeof value.name === "string" && typeof value.state === "string" && typeof value.expiresAt === "string";
}

/** The channel the token is bound to, from the API at `apiBase`. */
export async function broadcastChannel(apiBase: string, token: string, fetchFn: Fetch = fetch): Promise<BroadcastChannel> {
  let response: Response;
  try {
    response = await fetchFn(`${apiBase}/broadcast/channel`, { cache: "no-store", headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new ChannelUnavailable(`the API did not answer (${error instanceof Error ? error.message : String(error)})`, 0);
  }
  const text = await response.text();
  if (!response.ok) {
    const message = errorMessageOf(text);
    if (response.status === 401) throw new ChannelUnavailable(`this broadcast link has expired or is not valid${message ? ` (${message})` : ""}`, 401);
    throw new ChannelUnavailable(`the API answered HTTP ${response.status}${message ? `: ${message}` : ""}`, response.status);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!isBroadcastChannel(body)) throw new ChannelUnavailable("the API's answer is not a channel", response.status);
  return body;
}

const STATE_WORDS: Record<BroadcastChannel["state"], string> = {
  CREATING: "Being created",
  CREATED: "Created, not started",
  CREATE_FAILED: "Could not be created",
  IDLE: "Stopped",
  STARTING: "Starting",
  RUNNING: "Running",
  RECOVERING: "Recovering",
  STOPPING: "Stopping",
  STOPPED: "Stopped",
  UPDATING: "Being updated",
  UPDATE_FAILED: "Could not be updated",
  DELETING: "Being deleted",
  DELETED: "Deleted",
};

/** Whether the channel takes a broadcast now (its ingest is open). */
export const isRunning = (channel: BroadcastChannel) => channel.state === "RUNNING" || channel.state === "RECOVERING";

/** "Running", "Running, no input for 12 s" (after an input loss the channel noticed), "Stopped: <reason>". */
export function describeChannel(channel: BroadcastChannel, now: number): string {
  // A state the API learnt after this page was built is shown as it is.
  const state = (STATE_WORDS as Partial<Record<string, string>>)[channel.state] ?? channel.state;
  if (!isRunning(channel)) return channel.failureReason ? `${state}: ${channel.failureReason}` : state;
  if (!channel.inputLostSince) return state;
  const lostMs = now - Date.parse(channel.inputLostSince);
  return Number.isFinite(lostMs) ? `${state}, no input for ${Math.max(0, Math.round(lostMs / 1000))} s` : `${state}, no input`;
}
