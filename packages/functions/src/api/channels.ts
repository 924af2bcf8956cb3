import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Channels } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { ChannelView, channelView as view, OneChannel } from "./channel-view.ts";
import { idParam, jsonResponse, securedRoute } from "./route.ts";

const account = callerAccount("channels");
const params = idParam("channel");

const routes = {
  list: securedRoute("get", "/channels", {}, { 200: jsonResponse(z.object({ channels: z.array(ChannelView) }), "Channels") }, "The account's channels, newest first"),
  get: securedRoute("get", "/channels/{channelId}", { params }, { 200: jsonResponse(OneChannel, "The channel") }, "A channel, with its state and ingest endpoints"),
  start: securedRoute("post", "/channels/{channelId}/start", { params }, { 202: jsonResponse(OneChannel, "Starting") }, "Start the channel: a new recording session begins; the state follows the engine's events (STARTING, RUNNING)"),
  stop: securedRoute("post", "/channels/{channelId}/stop", { params }, { 202: jsonResponse(OneChannel, "Stopping") }, "Stop the channel (STOPPING, then STOPPED)"),
  remove: securedRoute("delete", "/channels/{channelId}", { params }, { 202: jsonResponse(OneChannel, "Deleting") }, "Delete a channel that is not running: DELETING at once, gone (404) once the engine holds nothing of it"),
};

/** A channel's reads and commands: each command is recorded and answered, its steps drive the engine. */
export function channelRoutes({ channels }: { channels: Channels }) {
  return new OpenAPIHono<CallerEnv>()
    .openapi(routes.list, async (c) => c.json({ channels: (await channels.list(account(c))).map(view) }, 200))
    .openapi(routes.get, async (c) => c.json({ channel: view(await channels.get(account(c), c.req.valid("param").channelId)) }, 200))
    .openapi(routes.start, async (c) => c.json({ channel: view(await channels.start(account(c), c.req.valid("param").channelId)) }, 202))
    .openapi(routes.stop, async (c) => c.json({ channel: view(await channels.stop(account(c), c.req.valid("param").channelId)) }, 202))
    .openapi(routes.remove, async (c) => c.json({ channel: view(await channels.remove(account(c), c.req.valid("param").channelId)) }, 202));
}
