import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type Channel, type Channels, ChannelState, CreateChannelInput, exampleId, InputType, Redundancy } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { playerLink } from "./playback.ts";
import { idParam, jsonBody, jsonResponse, securedRoute } from "./route.ts";

const ChannelView = z
  .object({
    id: z.string().openapi({ example: exampleId("channel") }),
    name: z.string(),
    inputType: InputType,
    redundancy: Redundancy,
    allowCidrs: z.array(z.string()),
    state: ChannelState,
    ingest: z.array(z.object({ url: z.string(), streamKey: z.string().optional() })),
    sessionId: z.string().optional(),
    inputLostSince: z.string().optional(),
    failureReason: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Channel");

const CreateChannelBody = CreateChannelInput.strict().openapi("CreateChannel");

const Playback = z
  .object({
    channelId: z.string(),
    state: ChannelState,
    hlsUrl: z.string().openapi({ description: "The master playlist on the account's CDN" }),
    query: z.string().openapi({ description: "CloudFront signature (custom policy over the stream's path): append to every playlist and segment request" }),
    cookies: z.record(z.string(), z.string()).openapi({ description: "The same grant as CloudFront-* signed cookies" }),
    expiresAt: z.string(),
    playerUrl: z.string().openapi({ description: "The web player, ready to play this stream" }),
  })
  .openapi("Playback");

const params = idParam("channel");
const OneChannel = z.object({ channel: ChannelView });
const view = (channel: Channel) => ChannelView.parse(channel);

export function channelRoutes({ channels }: { channels: Channels }) {
  const app = new OpenAPIHono<CallerEnv>();
  const account = callerAccount("channels");

  app.openapi(
    securedRoute("post", "/channels", {
      summary: "Create a live channel: RTMP (with a stream key) or RTP ingest, guarded by an IP allow-list; two ingest endpoints for STANDARD",
      request: { body: jsonBody(CreateChannelBody) },
      responses: { 201: jsonResponse(OneChannel, "Created") },
    }),
    async (c) => c.json({ channel: view(await channels.create(account(c), c.req.valid("json"))) }, 201),
  );

  app.openapi(
    securedRoute("get", "/channels", {
      summary: "The account's channels, newest first",
      responses: { 200: jsonResponse(z.object({ channels: z.array(ChannelView) }), "Channels") },
    }),
    async (c) => c.json({ channels: (await channels.list(account(c))).map(view) }, 200),
  );

  app.openapi(
    securedRoute("get", "/channels/{channelId}", {
      summary: "A channel, with its state and ingest endpoints",
      request: { params },
      responses: { 200: jsonResponse(OneChannel, "The channel") },
    }),
    async (c) => c.json({ channel: view(await channels.get(account(c), c.req.valid("param").channelId)) }, 200),
  );

  app.openapi(
    securedRoute("post", "/channels/{channelId}/start", {
      summary: "Start the channel: a new recording session begins; the state follows the engine's events (STARTING, RUNNING)",
      request: { params },
      responses: { 202: jsonResponse(OneChannel, "Starting") },
    }),
    async (c) => c.json({ channel: view(await channels.start(account(c), c.req.valid("param").channelId)) }, 202),
  );

  app.openapi(
    securedRoute("post", "/channels/{channelId}/stop", {
      summary: "Stop the channel (STOPPING, then STOPPED)",
      request: { params },
      responses: { 202: jsonResponse(OneChannel, "Stopping") },
    }),
    async (c) => c.json({ channel: view(await channels.stop(account(c), c.req.valid("param").channelId)) }, 202),
  );

  app.openapi(
    securedRoute("delete", "/channels/{channelId}", {
      summary: "Delete a channel that is not running",
      request: { params },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await channels.remove(account(c), c.req.valid("param").channelId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    securedRoute("get", "/channels/{channelId}/playback", {
      summary: "Where viewers watch: the live HLS URL on the account's CDN and a time-limited signature for it",
      request: { params },
      responses: { 200: jsonResponse(Playback, "Playback") },
    }),
    async (c) => {
      const playback = await channels.playback(account(c), c.req.valid("param").channelId);
      return c.json({ ...playback, playerUrl: playerLink(c.req.url, playback.hlsUrl, playback.query) }, 200);
    },
  );

  return app;
}
