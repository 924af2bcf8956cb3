import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Channel, CHANNEL_ID_PATTERN, ChannelState, CreateChannelInput, InputType, Redundancy } from "@visionstream/core";
import type { ApiEnv } from "./env.ts";
import { accountOf, errorResponses, jsonResponse, playerLink, secured } from "./schemas.ts";


export const ChannelView = z
  .object({
    id: z.string().openapi({ example: "ch-0123456789abcdef" }),
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

const ChannelIdParams = z.object({
  channelId: z
    .string()
    .regex(CHANNEL_ID_PATTERN, "a channel id looks like ch-0123456789abcdef")
    .openapi({ param: { name: "channelId", in: "path" }, example: "ch-0123456789abcdef" }),
});

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

const view = (channel: Channel) => ChannelView.parse(channel);


export function channelRoutes() {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(
    createRoute({
      method: "post",
      path: "/channels",
      summary: "Create a live channel: RTMP (with a stream key) or RTP ingest, guarded by an IP allow-list; two ingest endpoints for STANDARD",
      security: secured,
      request: { body: { required: true, content: { "application/json": { schema: CreateChannelBody } } } },
      responses: { 201: jsonResponse(z.object({ channel: ChannelView }), "Created"), ...errorResponses },
    }),
    async (c) => {
      const channel = await c.get("channels").create(accountOf(c.get("caller"), "channels"), c.req.valid("json"));
      return c.json({ channel: view(channel) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/channels",
      summary: "The account's channels, newest first",
      security: secured,
      responses: { 200: jsonResponse(z.object({ channels: z.array(ChannelView) }), "Channels"), ...errorResponses },
    }),
    async (c) => c.json({ channels: (await c.get("channels").list(accountOf(c.get("caller"), "channels"))).map(view) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/channels/{channelId}",
      summary: "A channel, with its state and ingest endpoints",
      security: secured,
      request: { params: ChannelIdParams },
      responses: { 200: jsonResponse(z.object({ channel: ChannelView }), "The channel"), ...errorResponses },
    }),
    async (c) => {
      const channel = await c.get("channels").get(accountOf(c.get("caller"), "channels"), c.req.valid("param").channelId);
      return c.json({ channel: view(channel) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/channels/{channelId}/start",
      summary: "Start the channel: a new recording session begins; the state follows the engine's events (STARTING, RUNNING)",
      security: secured,
      request: { params: ChannelIdParams },
      responses: { 202: jsonResponse(z.object({ channel: ChannelView }), "Starting"), ...errorResponses },
    }),
    async (c) => {
      const channel = await c.get("channels").start(accountOf(c.get("caller"), "channels"), c.req.valid("param").channelId);
      return c.json({ channel: view(channel) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/channels/{channelId}/stop",
      summary: "Stop the channel (STOPPING, then STOPPED)",
      security: secured,
      request: { params: ChannelIdParams },
      responses: { 202: jsonResponse(z.object({ channel: ChannelView }), "Stopping"), ...errorResponses },
    }),
    async (c) => {
      const channel = await c.get("channels").stop(accountOf(c.get("caller"), "channels"), c.req.valid("param").channelId);
      return c.json({ channel: view(channel) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/channels/{channelId}",
      summary: "Delete a channel that is not running",
      security: secured,
      request: { params: ChannelIdParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      await c.get("channels").remove(accountOf(c.get("caller"), "channels"), c.req.valid("param").channelId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/channels/{channelId}/playback",
      summary: "Where viewers watch: the live HLS URL on the account's CDN and a time-limited signature for it",
      security: secured,
      request: { params: ChannelIdParams },
      responses: { 200: jsonResponse(Playback, "Playback"), ...errorResponses },
    }),
    async (c) => {
      const playback = await c.get("channels").playback(accountOf(c.get("caller"), "channels"), c.req.valid("param").channelId);
      return c.json({ ...playback, playerUrl: playerLink(c.req.url, playback.hlsUrl, playback.query) }, 200);
    },
  );

  return app;
}
