import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type Channel, type Channels, ChannelState, CreateChannelInput, Encryption, exampleId, InputType, Latency, type PlaybackFormats, Redundancy } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { type PagesDeps, pagesUrl, playerLink } from "./playback.ts";
import { idParam, jsonBody, jsonResponse, securedRoute } from "./route.ts";

const ChannelView = z
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

const CreateChannelBody = CreateChannelInput.strict().openapi("CreateChannel");

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
const params = idParam("channel");
const OneChannel = z.object({ channel: ChannelView });
const view = (channel: Channel) => ChannelView.parse({ latency: "normal", ...channel });

const routes = {
  create: securedRoute("post", "/channels", { body: jsonBody(CreateChannelBody) }, { 201: jsonResponse(OneChannel, "Created") }, "Create a live channel: RTMP (with a stream key), RTP or SRT (the encoder calls, with a passphrase) ingest, guarded by an IP allow-list; two ingest endpoints for STANDARD"),
  list: securedRoute("get", "/channels", {}, { 200: jsonResponse(z.object({ channels: z.array(ChannelView) }), "Channels") }, "The account's channels, newest first"),
  get: securedRoute("get", "/channels/{channelId}", { params }, { 200: jsonResponse(OneChannel, "The channel") }, "A channel, with its state and ingest endpoints"),
  start: securedRoute("post", "/channels/{channelId}/start", { params }, { 202: jsonResponse(OneChannel, "Starting") }, "Start the channel: a new recording session begins; the state follows the engine's events (STARTING, RUNNING)"),
  stop: securedRoute("post", "/channels/{channelId}/stop", { params }, { 202: jsonResponse(OneChannel, "Stopping") }, "Stop the channel (STOPPING, then STOPPED)"),
  remove: securedRoute("delete", "/channels/{channelId}", { params }, { 202: jsonResponse(OneChannel, "Deleting") }, "Delete a channel that is not running: DELETING at once, gone (404) once the engine holds nothing of it"),
  playback: securedRoute("get", "/channels/{channelId}/playback", { params }, { 200: jsonResponse(Playback, "Playback") }, "Where viewers watch: the live HLS URL on the account's CDN and a time-limited signature for it"),
};

export function channelRoutes(deps: { channels: Channels } & PagesDeps) {
  const { channels } = deps;
  return new OpenAPIHono<CallerEnv>()
    .openapi(routes.create, async (c) => c.json({ channel: view(await channels.create(account(c), c.req.valid("json"))) }, 201))
    .openapi(routes.list, async (c) => c.json({ channels: (await channels.list(account(c))).map(view) }, 200))
    .openapi(routes.get, async (c) => c.json({ channel: view(await channels.get(account(c), c.req.valid("param").channelId)) }, 200))
    .openapi(routes.start, async (c) => c.json({ channel: view(await channels.start(account(c), c.req.valid("param").channelId)) }, 202))
    .openapi(routes.stop, async (c) => c.json({ channel: view(await channels.stop(account(c), c.req.valid("param").channelId)) }, 202))
    .openapi(routes.remove, async (c) => c.json({ channel: view(await channels.remove(account(c), c.req.valid("param").channelId)) }, 202))
    .openapi(routes.playback, async (c) => {
      const playback = await channels.playback(account(c), c.req.valid("param").channelId);
      const pages = pagesUrl(deps, c.req.url);
      const player = (format: keyof PlaybackFormats, src: string) => playerLink(pages, src, playback.query, format);
      const players = Object.fromEntries(Object.entries(playback.formats).map(([format, src]) => [format, player(format as keyof PlaybackFormats, src)])) as PlaybackFormats;
      return c.json({ ...playback, players, playerUrl: players[playback.preferredFormat] ?? players.hls }, 200);
    });
}
