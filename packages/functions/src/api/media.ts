import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateMediaInput, exampleId, type Media, MediaContentType, type MediaLibrary, MediaStatus } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { type PagesDeps, pagesUrl, PlaybackQuery, SignedUrl, withPlayer } from "./playback.ts";
import { idParam, jsonBody, jsonResponse, noContent, securedRoute } from "./route.ts";

const MediaView = z
  .object({
    id: z.string().openapi({ example: exampleId("media") }),
    name: z.string().openapi({ example: "opening-titles.mp4" }),
    contentType: MediaContentType,
    status: MediaStatus,
    sizeBytes: z.number().int().optional(),
    key: z.string().openapi({ description: "The object key in the account's bucket: media/<mediaId>/<name>" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Media");

const Upload = z
  .object({
    url: z.string().openapi({ description: "PUT the file's bytes here, with exactly these headers, before expiresAt" }),
    method: z.literal("PUT"),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .openapi("MediaUpload");

const CreateMediaBody = CreateMediaInput.strict().openapi("CreateMedia");

const account = callerAccount("media items");
const params = idParam("media");
const OneMedia = z.object({ media: MediaView });
const CreatedMedia = z.object({ media: MediaView, upload: Upload });
const view = (media: Media) => MediaView.parse(media);

const routes = {
  create: securedRoute("post", "/media", { body: jsonBody(CreateMediaBody) }, { 201: jsonResponse(CreatedMedia, "Created; upload the file next") }, "Add a file to the media library: returns the item (UPLOADING) and a presigned PUT valid for 15 minutes"),
  list: securedRoute("get", "/media", {}, { 200: jsonResponse(z.object({ media: z.array(MediaView) }), "Media") }, "The account's media library, newest first"),
  get: securedRoute("get", "/media/{mediaId}", { params }, { 200: jsonResponse(OneMedia, "The media item") }, "A media item: UPLOADING until its file is in the bucket, then READY with its size"),
  playback: securedRoute("get", "/media/{mediaId}/playback", { params, query: PlaybackQuery }, { 200: jsonResponse(SignedUrl("mediaId"), "Signed URL") }, "A CloudFront signed URL (canned policy) to a READY file, and a link to the web player"),
  remove: securedRoute("delete", "/media/{mediaId}", { params }, { 204: { description: "Deleted" } }, "Delete a media item and its file"),
};

export function mediaRoutes(deps: { media: MediaLibrary } & PagesDeps) {
  const { media } = deps;
  return new OpenAPIHono<CallerEnv>()
    .openapi(routes.create, async (c) => {
      const created = await media.create(account(c), c.req.valid("json"));
      return c.json({ media: view(created.media), upload: created.upload }, 201);
    })
    .openapi(routes.list, async (c) => c.json({ media: (await media.list(account(c))).map(view) }, 200))
    .openapi(routes.get, async (c) => c.json({ media: view(await media.get(account(c), c.req.valid("param").mediaId)) }, 200))
    .openapi(routes.playback, async (c) => c.json(withPlayer(pagesUrl(deps, c.req.url), await media.playback(account(c), c.req.valid("param").mediaId, c.req.valid("query").expiresIn)), 200))
    .openapi(routes.remove, async (c) => noContent(c, media.remove(account(c), c.req.valid("param").mediaId)));
}
