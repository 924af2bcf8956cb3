import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { BROADCAST_GRANT_MAX_SECONDS, type Broadcasts, ChannelState, Conflict, Unauthorized } from "@visionstream/core";
import { cors } from "hono/cors";
import { bearer, type CallerEnv, callerAccount } from "./caller.ts";
import { type PagesDeps, pagesUrl } from "./playback.ts";
import { idParam, jsonResponse, securedRoute } from "./route.ts";

/** Where the WHIP gateway takes offers: POST <gateway>/whip/channels/<channelId>. */
export const WHIP_CHANNELS_PATH = "/whip/channels";

const BroadcastQuery = z.object({
  expiresIn: z.coerce
    .number()
    .int()
    .min(60)
    .max(BROADCAST_GRANT_MAX_SECONDS)
    .optional()
    .openapi({ param: { name: "expiresIn", in: "query" }, description: "Seconds the link and its token stay valid (default 3600)" }),
});

const Broadcast = z
  .object({
    channelId: z.string(),
    whipUrl: z.string().openapi({ description: "The channel's WHIP endpoint (RFC 9725): POST an SDP offer with Authorization: Bearer <token>; OBS 30+ publishes here too" }),
    token: z.string().openapi({ description: "Bound to this channel, valid until expiresAt: the WHIP bearer token" }),
    expiresAt: z.string(),
    broadcastUrl: z.string().openapi({ description: "The broadcast page, ready to go live on this channel from a browser (the token is in its fragment)" }),
  })
  .openapi("Broadcast");

const BroadcastStatus = z
  .object({
    channelId: z.string(),
    name: z.string(),
    state: ChannelState,
    inputLostSince: z.string().optional(),
    failureReason: z.string().optional(),
    expiresAt: z.string(),
  })
  .openapi("BroadcastStatus");

const routes = {
  grant: securedRoute(
    "post",
    "/channels/{channelId}/broadcast",
    { params: idParam("channel"), query: BroadcastQuery },
    { 200: jsonResponse(Broadcast, "The broadcast link") },
    "A signed, time-limited link to the broadcast page, and the WHIP endpoint and token behind it (RTMP_PUSH channels)",
  ),
  status: createRoute({
    method: "get",
    path: "/broadcast/channel",
    summary: "The channel a broadcast token is for, as its broadcast page shows it",
    security: [{ bearer: [] }],
    responses: {
      200: jsonResponse(BroadcastStatus, "The channel's state"),
      401: { description: "No valid broadcast token" },
      404: { description: "The channel is gone" },
    },
  }),
};

export interface BroadcastDeps extends PagesDeps {
  broadcasts?: Broadcasts | undefined;
  /** The WHIP gateway's origin; absent where none runs. */
  whipBaseUrl?: string | undefined;
}

export function broadcastRoutes(deps: BroadcastDeps) {
  const account = callerAccount("channels");
  const app = new OpenAPIHono<CallerEnv>();
  // The page calls with the token it was given, from wherever the pages are hosted: no cookies, no other authority.
  app.use("/broadcast/*", cors({ origin: "*", allowHeaders: ["authorization"], allowMethods: ["GET"] }));
  return app
    .openapi(routes.grant, async (c) => {
      if (!deps.whipBaseUrl || !deps.broadcasts) throw new Conflict("browser broadcasts need the WHIP gateway, which this deployment does not run");
      const { channelId } = c.req.valid("param");
      const { expiresIn } = c.req.valid("query");
      const grant = await deps.broadcasts.grant(account(c), channelId, expiresIn !== undefined ? { expiresInSeconds: expiresIn } : {});
      const whipUrl = `${deps.whipBaseUrl}${WHIP_CHANNELS_PATH}/${channelId}`;
      const page = new URL("/broadcast.html", pagesUrl(deps, c.req.url));
      page.searchParams.set("whip", whipUrl);
      page.searchParams.set("api", new URL(c.req.url).origin);
      page.hash = new URLSearchParams({ token: grant.token }).toString();
      return c.json({ ...grant, whipUrl, broadcastUrl: page.toString() }, 200);
    })
    .openapi(routes.status, async (c) => {
      if (!deps.broadcasts) throw new Unauthorized("this deployment takes no browser broadcasts");
      return c.json(await deps.broadcasts.status(bearer(c.req.header("authorization"))), 200);
    });
}
