import type { Channel } from "../../core/src/channel.ts";
import { packetSize } from "../../mpegts/src/packet.ts";
import { chunkSize } from "./chunk.ts";

export type Publish = (channel: Channel) => void;
export const sizes = [chunkSize, packetSize];
