import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Broadcasts, ChannelState, Unauthorized } from "@visionstream/core";
import { cors } from "hono/cors";
import { bearer, type CallerEnv } from "./caller.ts";
import { jsonResponse } from "./route.ts";

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

/** The broadcast page's view of its channel, for the holder of a broadcast token. */
export function broadcastStatusRoutes(deps: { broadcasts?: Broadcasts | undefined }) {
  const app = new OpenAPIHono<CallerEnv>();
  // The page calls with the token it was given, from wherever the pages are hosted: no cookies, no other authority.
  app.use("/broadcast/*", cors({ origin: "*", allowHeaders: ["authorization"], allowMethods: ["GET"] }));
  return app.openapi(routes.status, async (c) => {
    if (!deps.broadcasts) throw new Unauthorized("this deployment takes no browser broadcasts");
    return c.json(await deps.broadcasts.status(bearer(c.req.header("authorization"))), 200);
  });
}
