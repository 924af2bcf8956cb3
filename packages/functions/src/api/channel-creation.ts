import { OpenAPIHono } from "@hono/zod-openapi";
import { type Channels, CreateChannelInput } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { channelView as view, OneChannel } from "./channel-view.ts";
import { jsonBody, jsonResponse, securedRoute } from "./route.ts";

const CreateChannelBody = CreateChannelInput.strict().openapi("CreateChannel");

const account = callerAccount("channels");

const routes = {
  create: securedRoute("post", "/channels", { body: jsonBody(CreateChannelBody) }, { 201: jsonResponse(OneChannel, "Created") }, "Create a live channel: RTMP (with a stream key), RTP or SRT (the encoder calls, with a passphrase) ingest, guarded by an IP allow-list; two ingest endpoints for STANDARD"),
};

/** A new channel, answered with the ingest endpoints the engine gives its input. */
export function channelCreationRoutes({ channels }: { channels: Channels }) {
  return new OpenAPIHono<CallerEnv>().openapi(routes.create, async (c) => c.json({ channel: view(await channels.create(account(c), c.req.valid("json"))) }, 201));
}
