import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { CHANNEL_ID_PATTERN, GapReason, type Recording, RECORDING_ID_PATTERN, RecordingStatus } from "@visionstream/core";
import type { ApiEnv } from "./env.ts";
import { accountOf, errorResponses, jsonResponse, PlaybackQuery, playerLink, secured } from "./schemas.ts";

const GapView = z.object({
  reason: GapReason,
  from: z.string(),
  to: z.string().optional(),
  lostMs: z.number().int().optional(),
  fromSequence: z.number().int().optional(),
  toSequence: z.number().int().optional(),
});

export const RecordingView = z
  .object({
    id: z.string().openapi({ example: "rec-0123456789abcdef" }),
    channelId: z.string(),
    sessionId: z.string(),
    status: RecordingStatus,
    durationMs: z.number().int().optional(),
    sizeBytes: z.number().int().optional(),
    gaps: z.array(GapView),
    attempts: z.number().int(),
    failureReason: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Recording");

const RecordingIdParams = z.object({
  recordingId: z
    .string()
    .regex(RECORDING_ID_PATTERN, "a recording id looks like rec-0123456789abcdef")
    .openapi({ param: { name: "recordingId", in: "path" }, example: "rec-0123456789abcdef" }),
});

const ListQuery = z.object({
  channelId: z
    .string()
    .regex(CHANNEL_ID_PATTERN, "a channel id looks like ch-0123456789abcdef")
    .optional()
    .openapi({ param: { name: "channelId", in: "query" } }),
});


const view = (recording: Recording) => RecordingView.parse(recording);


export function recordingRoutes() {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(
    createRoute({
      method: "get",
      path: "/recordings",
      summary: "The account's recordings, newest first, optionally of one channel",
      security: secured,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(z.object({ recordings: z.array(RecordingView) }), "Recordings"), ...errorResponses },
    }),
    async (c) => {
      const recordings = await c.get("recordings").list(accountOf(c.get("caller"), "recordings"), c.req.valid("query").channelId);
      return c.json({ recordings: recordings.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/recordings/{recordingId}",
      summary: "A recording: RECORDING while the channel runs, ASSEMBLING after it stops, then READY (or FAILED), with its gaps",
      security: secured,
      request: { params: RecordingIdParams },
      responses: { 200: jsonResponse(z.object({ recording: RecordingView }), "The recording"), ...errorResponses },
    }),
    async (c) => {
      const recording = await c.get("recordings").get(accountOf(c.get("caller"), "recordings"), c.req.valid("param").recordingId);
      return c.json({ recording: view(recording) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/recordings/{recordingId}/retry",
      summary: "Assemble a FAILED recording again (or one whose job never reported back)",
      security: secured,
      request: { params: RecordingIdParams },
      responses: { 202: jsonResponse(z.object({ recording: RecordingView }), "Assembling"), ...errorResponses },
    }),
    async (c) => {
      const recording = await c.get("recordings").retry(accountOf(c.get("caller"), "recordings"), c.req.valid("param").recordingId);
      return c.json({ recording: view(recording) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/recordings/{recordingId}/playback",
      summary: "A CloudFront signed URL (canned policy) to the recording's MP4, and a link to the web player",
      security: secured,
      request: { params: RecordingIdParams, query: PlaybackQuery },
      responses: {
        200: jsonResponse(z.object({ recordingId: z.string(), url: z.string(), expiresAt: z.string(), playerUrl: z.string() }), "Signed URL"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const playback = await c.get("recordings").playback(accountOf(c.get("caller"), "recordings"), c.req.valid("param").recordingId, c.req.valid("query").expiresIn);
      return c.json({ ...playback, playerUrl: playerLink(c.req.url, playback.url) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/recordings/{recordingId}",
      summary: "Delete a READY or FAILED recording: its MP4 and every segment of its session",
      security: secured,
      request: { params: RecordingIdParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      await c.get("recordings").remove(accountOf(c.get("caller"), "recordings"), c.req.valid("param").recordingId);
      return c.body(null, 204);
    },
  );

  return app;
}
