import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type Channels, ChannelState, Latency, type PlaybackFormats } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { type PagesDeps, pagesUrl, playerLink } from "./playback.ts";
import { idParam, jsonResponse, securedRoute } from "./route.ts";

const Format = z.enum(["hls", "hlsCmaf", "dash", "mss"]);
const Formats = z.object({
  hls: z.string().openapi({ description: "HLS on MPEG-TS" }),
  hlsCmaf: z.string().optional().openapi({ description: "HLS on CMAF (fragmented MP4); for an encrypted channel where our key server's keys open it" }),
  dash: z.string().optional().openapi({ description: "DASH on the same CMAF segments (low-latency DASH on a low-latency channel)" }),
  mss: z.string().optional().openapi({ description: "Smooth Streaming (clear channels only)" }),
});

const Playback = z
  .object({
    channelId: z.string(),
    state: ChannelState,
    latency: Latency,
    encrypted: z.boolean().openapi({ description: "The media itself is encrypted (HLS AES-128, CMAF common encryption); keys come from the CDN under the same grant" }),
    hlsUrl: z.string().openapi({ description: "The master playlist on the account's CDN (HLS on MPEG-TS)" }),
    formats: Formats.openapi({ description: "Every format the channel is packaged in, from one encode" }),
    players: Formats.openapi({ description: "The web player, ready to play each format" }),
    preferredFormat: Format.openapi({ description: "What playerUrl plays: DASH for low latency, HLS on MPEG-TS otherwise" }),
    query: z.string().openapi({ description: "CloudFront signature (custom policy over the stream's path): append to every playlist and segment request" }),
    cookies: z.record(z.string(), z.string()).openapi({ description: "The same grant as CloudFront-* signed cookies" }),
    expiresAt: z.string(),
    playerUrl: z.string().openapi({ description: "The web player, ready to play this stream in its preferred format" }),
  })
  .openapi("Playback");

const account = callerAccount("channels");

const routes = {
  playback: securedRoute("get", "/channels/{channelId}/playback", { params: idParam("channel") }, { 200: jsonResponse(Playback, "Playback") }, "Where viewers watch: the live HLS URL on the account's CDN and a time-limited signature for it"),
};

/** A channel's live playback, signed, with the web player ready to play each of its formats. */
export function channelPlaybackRoutes(deps: { channels: Channels } & PagesDeps) {
  const { channels } = deps;
  return new OpenAPIHono<CallerEnv>().openapi(routes.playback, async (c) => {
    const playback = await channels.playback(account(c), c.req.valid("param").channelId);
    const pages = pagesUrl(deps, c.req.url);
    const player = (format: keyof PlaybackFormats, src: string) => playerLink(pages, src, playback.query, format);
    const players = Object.fromEntries(Object.entries(playback.formats).map(([format, src]) => [format, player(format as keyof PlaybackFormats, src)])) as PlaybackFormats;
    return c.json({ ...playback, players, playerUrl: players[playback.preferredFormat] ?? players.hls }, 200);
  });
}
