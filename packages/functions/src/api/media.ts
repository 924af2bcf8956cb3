import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateMediaInput, exampleId, type Media, MediaContentType, type MediaLibrary, MediaStatus } from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { PlaybackQuery, playerLink, SignedUrl } from "./playback.ts";
import { idParam, jsonBody, jsonResponse, securedRoute } from "./route.ts";

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

const params = idParam("media");
const view = (media: Media) => MediaView.parse(media);

export function mediaRoutes({ media }: { media: MediaLibrary }) {
  const app = new OpenAPIHono<CallerEnv>();
  const account = callerAccount("media items");

  app.openapi(
    securedRoute("post", "/media", {
      summary: "Add a file to the media library: returns the item (UPLOADING) and a presigned PUT valid for 15 minutes",
      request: { body: jsonBody(CreateMediaBody) },
      responses: { 201: jsonResponse(z.object({ media: MediaView, upload: Upload }), "Created; upload the file next") },
    }),
    async (c) => {
      const created = await media.create(account(c), c.req.valid("json"));
      return c.json({ media: view(created.media), upload: created.upload }, 201);
    },
  );

  app.openapi(
    securedRoute("get", "/media", {
      summary: "The account's media library, newest first",
      responses: { 200: jsonResponse(z.object({ media: z.array(MediaView) }), "Media") },
    }),
    async (c) => c.json({ media: (await media.list(account(c))).map(view) }, 200),
  );

  app.openapi(
    securedRoute("get", "/media/{mediaId}", {
      summary: "A media item: UPLOADING until its file is in the bucket, then READY with its size",
      request: { params },
      responses: { 200: jsonResponse(z.object({ media: MediaView }), "The media item") },
    }),
    async (c) => c.json({ media: view(await media.get(account(c), c.req.valid("param").mediaId)) }, 200),
  );

  app.openapi(
    securedRoute("get", "/media/{mediaId}/playback", {
      summary: "A CloudFront signed URL (canned policy) to a READY file, and a link to the web player",
      request: { params, query: PlaybackQuery },
      responses: { 200: jsonResponse(SignedUrl("mediaId"), "Signed URL") },
    }),
    async (c) => {
      const playback = await media.playback(account(c), c.req.valid("param").mediaId, c.req.valid("query").expiresIn);
      return c.json({ ...playback, playerUrl: playerLink(c.req.url, playback.url) }, 200);
    },
  );

  app.openapi(
    securedRoute("delete", "/media/{mediaId}", {
      summary: "Delete a media item and its file",
      request: { params },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await media.remove(account(c), c.req.valid("param").mediaId);
      return c.body(null, 204);
    },
  );

  return app;
}
