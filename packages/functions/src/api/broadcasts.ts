import { OpenAPIHono, z } from "@hono/zod-openapi";
import { BROADCAST_GRANT_MAX_SECONDS, type Broadcasts, Conflict } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
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

const routes = {
  grant: securedRoute(
    "post",
    "/channels/{channelId}/broadcast",
    { params: idParam("channel"), query: BroadcastQuery },
    { 200: jsonResponse(Broadcast, "The broadcast link") },
    "A signed, time-limited link to the broadcast page, and the WHIP endpoint and token behind it (RTMP_PUSH channels)",
  ),
};

export interface BroadcastDeps extends PagesDeps {
  broadcasts?: Broadcasts | undefined;
  /** The WHIP gateway's origin; absent where none runs. */
  whipBaseUrl?: string | undefined;
}

/** A channel's broadcast link: the page that goes live on it from a browser, the WHIP endpoint and the token for both. */
export function broadcastRoutes(deps: BroadcastDeps) {
  const account = callerAccount("channels");
  return new OpenAPIHono<CallerEnv>().openapi(routes.grant, async (c) => {
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
  });
}
