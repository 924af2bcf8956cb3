import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  Architecture,
  architectureFaults,
  InvalidArchitecture,
  InvalidInput,
  IngestId,
  ScheduledSwitch,
  ScheduleEntry,
  SWITCHER_ID_PATTERN,
  SwitchMode,
  SwitchRecord,
  type SwitcherView as Switcher,
} from "@visionstream/core";
import type { ApiEnv } from "./env.ts";
import { accountOf, errorResponses, jsonResponse, secured } from "./schemas.ts";

const SwitcherIdParams = z.object({
  switcherId: z
    .string()
    .regex(SWITCHER_ID_PATTERN, "a switcher id looks like sw-0123456789abcdef")
    .openapi({ param: { name: "switcherId", in: "path" }, example: "sw-0123456789abcdef" }),
});

const Health = z.object({ connected: z.boolean(), bitrateKbps: z.number(), lastKeyframeAgeMs: z.number().nullable() });
const Monitor = z.object({ hlsUrl: z.string(), query: z.string(), cookies: z.record(z.string(), z.string()), expiresAt: z.string() }).nullable();

export const SwitcherView = z
  .object({
    id: z.string().openapi({ example: "sw-0123456789abcdef" }),
    name: z.string(),
    architecture: z.unknown().openapi({ description: "The architecture file" }),
    live: z.string().optional().openapi({ description: "The ingest on air" }),
    preview: z.string().optional(),
    liveIngestLost: z.object({ ingestId: z.string(), since: z.string() }).optional().openapi({ description: "The on-air ingest that was lost" }),
    schedule: z.array(ScheduledSwitch),
    ingests: z.array(z.object({ id: z.string(), name: z.string(), region: z.string(), port: z.number(), health: Health })),
    monitors: z.object({ live: Monitor, preview: Monitor }).openapi({ description: "HLS monitors of the buses on the account's CDN, with their signature" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Switcher");

const view = (switcher: Switcher) => ({
  id: switcher.id,
  name: switcher.architecture.name,
  architecture: switcher.architecture,
  ...(switcher.live ? { live: switcher.live } : {}),
  ...(switcher.preview ? { preview: switcher.preview } : {}),
  ...(switcher.liveIngestLost ? { liveIngestLost: switcher.liveIngestLost } : {}),
  schedule: switcher.schedule,
  ingests: switcher.ingests.map(({ id, name, region, port, health }) => ({ id, name, region, port, health })),
  monitors: switcher.monitors,
  createdAt: switcher.createdAt,
  updatedAt: switcher.updatedAt,
});

const ArchitectureBody = Architecture.clone().openapi("SwitcherArchitecture");

/** An invalid architecture file is answered with every fault at its path (ingests[1].port), as the file's own check names them. */
function architectureHook(result: { success: true } | { success: false; target: string; error: { issues: readonly z.core.$ZodIssue[] } }): undefined {
  if (result.success) return undefined;
  if (result.target === "json") throw new InvalidArchitecture(architectureFaults(result.error.issues));
  const [issue] = result.error.issues;
  throw new InvalidInput(issue?.path.join(".") || result.target, issue?.message ?? "invalid", result.target === "param" ? "path" : "query");
}

const SwitchBody = z.object({ ingestId: IngestId, mode: SwitchMode.default("clean") }).strict().openapi("SwitchLive");
const PreviewBody = z.object({ ingestId: IngestId }).strict().openapi("SwitchPreview");
const TakeBody = z.object({ mode: SwitchMode.default("clean") }).strict().openapi("Take");
const ScheduleBody = z.array(ScheduleEntry).max(200).openapi("Lineup");

export function switcherRoutes() {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(
    createRoute({
      method: "post",
      path: "/switchers",
      summary: "Create a switcher from its architecture file: SRT ingests feeding a live and a preview output",
      security: secured,
      request: { body: { required: true, content: { "application/json": { schema: ArchitectureBody } } } },
      responses: { 201: jsonResponse(z.object({ switcher: SwitcherView }), "Created"), ...errorResponses },
    }),
    async (c) => {
      const switcher = await c.get("switchers").create(accountOf(c.get("caller"), "switchers"), c.req.valid("json"));
      return c.json({ switcher: view(switcher) }, 201);
    },
    architectureHook,
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/switchers",
      summary: "The account's switchers, newest first",
      security: secured,
      responses: { 200: jsonResponse(z.object({ switchers: z.array(z.object({ id: z.string(), name: z.string(), live: z.string().optional(), preview: z.string().optional() })) }), "Switchers"), ...errorResponses },
    }),
    async (c) => {
      const switchers = await c.get("switchers").list(accountOf(c.get("caller"), "switchers"));
      return c.json(
        { switchers: switchers.map((s) => ({ id: s.id, name: s.architecture.name, ...(s.live ? { live: s.live } : {}), ...(s.preview ? { preview: s.preview } : {}) })) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/switchers/{switcherId}",
      summary: "A switcher: its config, which ingest is on live and on preview, each ingest's health, and its monitors",
      security: secured,
      request: { params: SwitcherIdParams },
      responses: { 200: jsonResponse(z.object({ switcher: SwitcherView }), "The switcher"), ...errorResponses },
    }),
    async (c) => {
      const switcher = await c.get("switchers").get(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId);
      return c.json({ switcher: view(switcher) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/switchers/{switcherId}/config",
      summary: "Replace the architecture file; ingests and outputs are rebuilt, the buses keep their ingests where they still exist",
      security: secured,
      request: { params: SwitcherIdParams, body: { required: true, content: { "application/json": { schema: ArchitectureBody } } } },
      responses: { 200: jsonResponse(z.object({ switcher: SwitcherView }), "Updated"), ...errorResponses },
    }),
    async (c) => {
      const switcher = await c.get("switchers").updateConfig(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId, c.req.valid("json"));
      return c.json({ switcher: view(switcher) }, 200);
    },
    architectureHook,
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/switchers/{switcherId}",
      summary: "Delete a switcher: its ingests and outputs stop, its lineup is dropped",
      security: secured,
      request: { params: SwitcherIdParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      await c.get("switchers").remove(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/switchers/{switcherId}/preview",
      summary: "Put an ingest on the preview bus",
      security: secured,
      request: { params: SwitcherIdParams, body: { required: true, content: { "application/json": { schema: PreviewBody } } } },
      responses: { 200: jsonResponse(z.object({ switcher: SwitcherView, switch: SwitchRecord }), "Switched"), ...errorResponses },
    }),
    async (c) => {
      const result = await c.get("switchers").setPreview(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId, c.req.valid("json").ingestId);
      return c.json({ switcher: view(result.switcher), switch: result.switch }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/switchers/{switcherId}/live",
      summary: "Put an ingest on air: clean (at its next keyframe, timeline continued; cut if none comes within 4 s) or cut (at the next packet)",
      security: secured,
      request: { params: SwitcherIdParams, body: { required: true, content: { "application/json": { schema: SwitchBody } } } },
      responses: { 200: jsonResponse(z.object({ switcher: SwitcherView, switch: SwitchRecord }), "Switched"), ...errorResponses },
    }),
    async (c) => {
      const { ingestId, mode } = c.req.valid("json");
      const result = await c.get("switchers").setLive(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId, ingestId, mode);
      return c.json({ switcher: view(result.switcher), switch: result.switch }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/switchers/{switcherId}/take",
      summary: "Take: the preview ingest goes on air and the one on air goes to preview",
      security: secured,
      request: { params: SwitcherIdParams, body: { required: true, content: { "application/json": { schema: TakeBody } } } },
      responses: { 200: jsonResponse(z.object({ switcher: SwitcherView, switches: z.array(SwitchRecord) }), "Taken"), ...errorResponses },
    }),
    async (c) => {
      const result = await c.get("switchers").take(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId, c.req.valid("json").mode);
      return c.json({ switcher: view(result.switcher), switches: result.switches }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/switchers/{switcherId}/schedule",
      summary: "Replace the lineup: switches run on time (EventBridge Scheduler in AWS, a timer locally)",
      security: secured,
      request: { params: SwitcherIdParams, body: { required: true, content: { "application/json": { schema: ScheduleBody } } } },
      responses: { 200: jsonResponse(z.object({ schedule: z.array(ScheduledSwitch) }), "The lineup"), ...errorResponses },
    }),
    async (c) => {
      const schedule = await c.get("switchers").setSchedule(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId, c.req.valid("json"));
      return c.json({ schedule }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/switchers/{switcherId}/events",
      summary: "Recent switches, newest first",
      security: secured,
      request: { params: SwitcherIdParams },
      responses: { 200: jsonResponse(z.object({ events: z.array(SwitchRecord) }), "Switches"), ...errorResponses },
    }),
    async (c) => {
      const events = await c.get("switchers").events(accountOf(c.get("caller"), "switchers"), c.req.valid("param").switcherId);
      return c.json({ events }, 200);
    },
  );

  return app;
}
