import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ChannelId, exampleId, GapReason, type Recording, type Recordings, RecordingStatus } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { type PagesDeps, pagesUrl, PlaybackQuery, SignedUrl, withPlayer } from "./playback.ts";
import { idParam, jsonResponse, noContent, securedRoute } from "./route.ts";

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

const account = callerAccount("recordings");
const params = idParam("recording");
const OneRecording = z.object({ recording: RecordingView });
const view = (recording: Recording) => RecordingView.parse(recording);

const routes = {
  list: securedRoute("get", "/recordings", { query: ListQuery }, { 200: jsonResponse(z.object({ recordings: z.array(RecordingView) }), "Recordings") }, "The account's recordings, newest first, optionally of one channel"),
  get: securedRoute("get", "/recordings/{recordingId}", { params }, { 200: jsonResponse(OneRecording, "The recording") }, "A recording: RECORDING while the channel runs, ASSEMBLING after it stops, then READY (or FAILED), with its gaps"),
  retry: securedRoute("post", "/recordings/{recordingId}/retry", { params }, { 202: jsonResponse(OneRecording, "Assembling") }, "Assemble a FAILED recording again (or one whose job never reported back)"),
  playback: securedRoute("get", "/recordings/{recordingId}/playback", { params, query: PlaybackQuery }, { 200: jsonResponse(SignedUrl("recordingId"), "Signed URL") }, "A CloudFront signed URL (canned policy) to the recording's MP4, and a link to the web player"),
  remove: securedRoute("delete", "/recordings/{recordingId}", { params }, { 204: { description: "Deleted" } }, "Delete a READY or FAILED recording: its MP4 and every segment of its session"),
};

export function recordingRoutes(deps: { recordings: Recordings } & PagesDeps) {
  const { recordings } = deps;
  return new OpenAPIHono<CallerEnv>()
    .openapi(routes.list, async (c) => c.json({ recordings: (await recordings.list(account(c), c.req.valid("query").channelId)).map(view) }, 200))
    .openapi(routes.get, async (c) => c.json({ recording: view(await recordings.get(account(c), c.req.valid("param").recordingId)) }, 200))
    .openapi(routes.retry, async (c) => c.json({ recording: view(await recordings.retry(account(c), c.req.valid("param").recordingId)) }, 202))
    .openapi(routes.playback, async (c) => c.json(withPlayer(pagesUrl(deps, c.req.url), await recordings.playback(account(c), c.req.valid("param").recordingId, c.req.valid("query").expiresIn)), 200))
    .openapi(routes.remove, async (c) => noContent(c, recordings.remove(account(c), c.req.valid("param").recordingId)));
}
