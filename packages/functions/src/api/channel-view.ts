import { z } from "@hono/zod-openapi";
import { type Channel, ChannelState, Encryption, exampleId, InputType, Latency, Redundancy } from "@visionstream/core";

export const ChannelView = z
  .object({
    id: z.string().openapi({ example: exampleId("channel") }),
    name: z.string(),
    inputType: InputType,
    redundancy: Redundancy,
    allowCidrs: z.array(z.string()),
    latency: Latency,
    encryption: Encryption.optional(),
    state: ChannelState,
    ingest: z.array(
      z.object({
        url: z.string().openapi({ description: "rtmp://host:port/live, rtp://host:port or srt://host:port" }),
        streamKey: z.string().optional().openapi({ description: "RTMP: the stream name to publish with" }),
        passphrase: z.string().optional().openapi({ description: "SRT: the caller's passphrase (AES-128: pbkeylen=16)" }),
      }),
    ),
    sessionId: z.string().optional(),
    inputLostSince: z.string().optional(),
    failureReason: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Channel");

export const OneChannel = z.object({ channel: ChannelView });
export const channelView = (channel: Channel) => ChannelView.parse({ latency: "normal", ...channel });
