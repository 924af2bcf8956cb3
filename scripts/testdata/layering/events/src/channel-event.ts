import type { Channel } from "../../packages/core/src/channel.ts";

export interface ChannelEvent {
  detail: Channel;
}
