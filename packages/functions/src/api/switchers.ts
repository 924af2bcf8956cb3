import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  Architecture,
  exampleId,
  architectureFaults,
  InvalidArchitecture,
  InvalidInput,
  IngestId,
  ScheduledSwitch,
  ScheduleEntry,
  type Switchers,
  SwitchMode,
  SwitchRecord,
  type SwitcherView as Switcher,
} from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { idParam, jsonBody, jsonResponse, securedRoute } from "./route.ts";

const Health = z.object({ connected: z.boolean(), bitrateKbps: z.number(), lastKeyframeAgeMs: z.number().nullable() });
const Monitor = z.object({ hlsUrl: z.string(), query: z.string(), cookies: z.record(z.string(), z.string()), expiresAt: z.string() }).nullable();

const SwitcherView = z
  .object({
    id: z.string().openapi({ example: exampleId("switcher") }),
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

const SwitcherSummary = z.object({ id: z.string(), name: z.string(), live: z.string().optional(), preview: z.string().optional() });

const params = idParam("switcher");
const OneSwitcher = z.object({ switcher: SwitcherView });
const Switched = z.object({ switcher: SwitcherView, switch: SwitchRecord });
const switched = (result: { switcher: Switcher; switch: SwitchRecord }) => ({ switcher: view(result.switcher), switch: result.switch });

export function switcherRoutes({ switchers }: { switchers: Switchers }) {
  const app = new OpenAPIHono<CallerEnv>();
  const account = callerAccount("switchers");

  app.openapi(
    securedRoute("post", "/switchers", {
      summary: "Create a switcher from its architecture file: SRT ingests feeding a live and a preview output",
      request: { body: jsonBody(ArchitectureBody) },
      responses: { 201: jsonResponse(OneSwitcher, "Created") },
    }),
    async (c) => c.json({ switcher: view(await switchers.create(account(c), c.req.valid("json"))) }, 201),
    architectureHook,
  );

  app.openapi(
    securedRoute("get", "/switchers", {
      summary: "The account's switchers, newest first",
      responses: { 200: jsonResponse(z.object({ switchers: z.array(SwitcherSummary) }), "Switchers") },
    }),
    async (c) => {
      const list = await switchers.list(account(c));
      return c.json({ switchers: list.map((s) => ({ id: s.id, name: s.architecture.name, ...(s.live ? { live: s.live } : {}), ...(s.preview ? { preview: s.preview } : {}) })) }, 200);
    },
  );

  app.openapi(
    securedRoute("get", "/switchers/{switcherId}", {
      summary: "A switcher: its config, which ingest is on live and on preview, each ingest's health, and its monitors",
      request: { params },
      responses: { 200: jsonResponse(OneSwitcher, "The switcher") },
    }),
    async (c) => c.json({ switcher: view(await switchers.get(account(c), c.req.valid("param").switcherId)) }, 200),
  );

  app.openapi(
    securedRoute("put", "/switchers/{switcherId}/config", {
      summary: "Replace the architecture file; ingests and outputs are rebuilt, the buses keep their ingests where they still exist",
      request: { params, body: jsonBody(ArchitectureBody) },
      responses: { 200: jsonResponse(OneSwitcher, "Updated") },
    }),
    async (c) => c.json({ switcher: view(await switchers.updateConfig(account(c), c.req.valid("param").switcherId, c.req.valid("json"))) }, 200),
    architectureHook,
  );

  app.openapi(
    securedRoute("delete", "/switchers/{switcherId}", {
      summary: "Delete a switcher: its ingests and outputs stop, its lineup is dropped",
      request: { params },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await switchers.remove(account(c), c.req.valid("param").switcherId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    securedRoute("post", "/switchers/{switcherId}/preview", {
      summary: "Put an ingest on the preview bus",
      request: { params, body: jsonBody(PreviewBody) },
      responses: { 200: jsonResponse(Switched, "Switched") },
    }),
    async (c) => c.json(switched(await switchers.setPreview(account(c), c.req.valid("param").switcherId, c.req.valid("json").ingestId)), 200),
  );

  app.openapi(
    securedRoute("post", "/switchers/{switcherId}/live", {
      summary: "Put an ingest on air: clean (at its next keyframe, timeline continued; cut if none comes within 4 s) or cut (at the next packet)",
      request: { params, body: jsonBody(SwitchBody) },
      responses: { 200: jsonResponse(Switched, "Switched") },
    }),
    async (c) => {
      const { ingestId, mode } = c.req.valid("json");
      return c.json(switched(await switchers.setLive(account(c), c.req.valid("param").switcherId, ingestId, mode)), 200);
    },
  );

  app.openapi(
    securedRoute("post", "/switchers/{switcherId}/take", {
      summary: "Take: the preview ingest goes on air and the one on air goes to preview",
      request: { params, body: jsonBody(TakeBody) },
      responses: { 200: jsonResponse(z.object({ switcher: SwitcherView, switches: z.array(SwitchRecord) }), "Taken") },
    }),
    async (c) => {
      const result = await switchers.take(account(c), c.req.valid("param").switcherId, c.req.valid("json").mode);
      return c.json({ switcher: view(result.switcher), switches: result.switches }, 200);
    },
  );

  app.openapi(
    securedRoute("put", "/switchers/{switcherId}/schedule", {
      summary: "Replace the lineup: switches run on time (EventBridge Scheduler in AWS, a timer locally)",
      request: { params, body: jsonBody(ScheduleBody) },
      responses: { 200: jsonResponse(z.object({ schedule: z.array(ScheduledSwitch) }), "The lineup") },
    }),
    async (c) => c.json({ schedule: await switchers.setSchedule(account(c), c.req.valid("param").switcherId, c.req.valid("json")) }, 200),
  );

  app.openapi(
    securedRoute("get", "/switchers/{switcherId}/events", {
      summary: "Recent switches, newest first",
      request: { params },
      responses: { 200: jsonResponse(z.object({ events: z.array(SwitchRecord) }), "Switches") },
    }),
    async (c) => c.json({ events: await switchers.events(account(c), c.req.valid("param").switcherId) }, 200),
  );

  return app;
}
