import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Caller } from "@visionstream/core";
import type { MediaLibrary } from "@visionstream/core/media/media-library";
import { CreateMediaInput, type Media, MEDIA_ID_PATTERN, MediaContentType, MediaStatus } from "@visionstream/core/media/media";
import { accountOf, errorResponses, jsonResponse, PlaybackQuery, playerLink, secured } from "./schemas.ts";

export type MediaEnv = { Variables: { caller: Caller; media: MediaLibrary } };

export const MediaView = z
  .object({
    id: z.string().openapi({ example: "med-0123456789abcdef" }),
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

const MediaIdParams = z.object({
  mediaId: z
    .string()
    .regex(MEDIA_ID_PATTERN, "a media id looks like med-0123456789abcdef")
    .openapi({ param: { name: "mediaId", in: "path" }, example: "med-0123456789abcdef" }),
});


const view = (media: Media) => MediaView.parse(media);


export function mediaRoutes() {
  const app = new OpenAPIHono<MediaEnv>();

  app.openapi(
    createRoute({
      method: "post",
      path: "/media",
      summary: "Add a file to the media library: returns the item (UPLOADING) and a presigned PUT valid for 15 minutes",
      security: secured,
      request: { body: { required: true, content: { "application/json": { schema: CreateMediaBody } } } },
      responses: { 201: jsonResponse(z.object({ media: MediaView, upload: Upload }), "Created; upload the file next"), ...errorResponses },
    }),
    async (c) => {
      const { media, upload } = await c.get("media").create(accountOf(c.get("caller"), "media items"), c.req.valid("json"));
      return c.json({ media: view(media), upload }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/media",
      summary: "The account's media library, newest first",
      security: secured,
      responses: { 200: jsonResponse(z.object({ media: z.array(MediaView) }), "Media"), ...errorResponses },
    }),
    async (c) => c.json({ media: (await c.get("media").list(accountOf(c.get("caller"), "media items"))).map(view) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/media/{mediaId}",
      summary: "A media item: UPLOADING until its file is in the bucket, then READY with its size",
      security: secured,
      request: { params: MediaIdParams },
      responses: { 200: jsonResponse(z.object({ media: MediaView }), "The media item"), ...errorResponses },
    }),
    async (c) => c.json({ media: view(await c.get("media").get(accountOf(c.get("caller"), "media items"), c.req.valid("param").mediaId)) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/media/{mediaId}/playback",
      summary: "A CloudFront signed URL (canned policy) to a READY file, and a link to the web player",
      security: secured,
      request: { params: MediaIdParams, query: PlaybackQuery },
      responses: {
        200: jsonResponse(z.object({ mediaId: z.string(), url: z.string(), expiresAt: z.string(), playerUrl: z.string() }), "Signed URL"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const playback = await c.get("media").playback(accountOf(c.get("caller"), "media items"), c.req.valid("param").mediaId, c.req.valid("query").expiresIn);
      return c.json({ ...playback, playerUrl: playerLink(c.req.url, playback.url) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/media/{mediaId}",
      summary: "Delete a media item and its file",
      security: secured,
      request: { params: MediaIdParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      await c.get("media").remove(accountOf(c.get("caller"), "media items"), c.req.valid("param").mediaId);
      return c.body(null, 204);
    },
  );

  return app;
}
