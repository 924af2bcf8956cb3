import type { Channel } from "./channel.ts";

export interface Session {
  channel: Channel;
}
