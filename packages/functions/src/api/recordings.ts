import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ChannelId, exampleId, GapReason, type Recording, type Recordings, RecordingStatus } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { PlaybackQuery, playerLink, SignedUrl } from "./playback.ts";
import { idParam, jsonResponse, securedRoute } from "./route.ts";

const GapView = z.object({
  reason: GapReason,
  from: z.string(),
  to: z.string().optional(),
  lostMs: z.number().int().optional(),
  fromSequence: z.number().int().optional(),
  toSequence: z.number().int().optional(),
});

const RecordingView = z
  .object({
    id: z.string().openapi({ example: exampleId("recording") }),
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

const ListQuery = z.object({ channelId: ChannelId.optional().openapi({ param: { name: "channelId", in: "query" } }) });

const params = idParam("recording");
const OneRecording = z.object({ recording: RecordingView });
const view = (recording: Recording) => RecordingView.parse(recording);

export function recordingRoutes({ recordings }: { recordings: Recordings }) {
  const app = new OpenAPIHono<CallerEnv>();
  const account = callerAccount("recordings");

  app.openapi(
    securedRoute("get", "/recordings", {
      summary: "The account's recordings, newest first, optionally of one channel",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(z.object({ recordings: z.array(RecordingView) }), "Recordings") },
    }),
    async (c) => c.json({ recordings: (await recordings.list(account(c), c.req.valid("query").channelId)).map(view) }, 200),
  );

  app.openapi(
    securedRoute("get", "/recordings/{recordingId}", {
      summary: "A recording: RECORDING while the channel runs, ASSEMBLING after it stops, then READY (or FAILED), with its gaps",
      request: { params },
      responses: { 200: jsonResponse(OneRecording, "The recording") },
    }),
    async (c) => c.json({ recording: view(await recordings.get(account(c), c.req.valid("param").recordingId)) }, 200),
  );

  app.openapi(
    securedRoute("post", "/recordings/{recordingId}/retry", {
      summary: "Assemble a FAILED recording again (or one whose job never reported back)",
      request: { params },
      responses: { 202: jsonResponse(OneRecording, "Assembling") },
    }),
    async (c) => c.json({ recording: view(await recordings.retry(account(c), c.req.valid("param").recordingId)) }, 202),
  );

  app.openapi(
    securedRoute("get", "/recordings/{recordingId}/playback", {
      summary: "A CloudFront signed URL (canned policy) to the recording's MP4, and a link to the web player",
      request: { params, query: PlaybackQuery },
      responses: { 200: jsonResponse(SignedUrl("recordingId"), "Signed URL") },
    }),
    async (c) => {
      const playback = await recordings.playback(account(c), c.req.valid("param").recordingId, c.req.valid("query").expiresIn);
      return c.json({ ...playback, playerUrl: playerLink(c.req.url, playback.url) }, 200);
    },
  );

  app.openapi(
    securedRoute("delete", "/recordings/{recordingId}", {
      summary: "Delete a READY or FAILED recording: its MP4 and every segment of its session",
      request: { params },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await recordings.remove(account(c), c.req.valid("param").recordingId);
      return c.body(null, 204);
    },
  );

  return app;
}
