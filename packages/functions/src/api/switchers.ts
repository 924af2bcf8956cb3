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
import { type PagesDeps, pagesUrl, panelLink } from "./playback.ts";
import { idParam, jsonBody, jsonResponse, noContent, securedRoute } from "./route.ts";

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
    applyState: z
      .enum(["APPLYING", "APPLIED", "APPLY_FAILED"])
      .optional()
      .openapi({ description: "Whether the engine runs the stored architecture yet: it is applied after the request answers" }),
    applyFailure: z.string().optional().openapi({ description: "Why the engine refused the architecture (APPLY_FAILED)" }),
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
  ...(switcher.applyState ? { applyState: switcher.applyState } : {}),
  ...(switcher.applyFailure ? { applyFailure: switcher.applyFailure } : {}),
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
const summaryView = ({ id, architecture, live, preview }: Pick<Switcher, "id" | "architecture" | "live" | "preview">) => ({
  id,
  name: architecture.name,
  ...(live ? { live } : {}),
  ...(preview ? { preview } : {}),
});

const account = callerAccount("switchers");
const params = idParam("switcher");
const OneSwitcher = z.object({ switcher: SwitcherView });
const SwitcherWithPanel = OneSwitcher.extend({
  panelUrl: z.string().openapi({ description: "The control panel of this switcher; add #key=<account API key>" }),
});
const Switched = z.object({ switcher: SwitcherView, switch: SwitchRecord });
const Taken = z.object({ switcher: SwitcherView, switches: z.array(SwitchRecord) });
const Schedule = z.object({ schedule: z.array(ScheduledSwitch) });
const Events = z.object({ events: z.array(SwitchRecord) });
const switched = (result: { switcher: Switcher; switch: SwitchRecord }) => ({ switcher: view(result.switcher), switch: result.switch });

const routes = {
  create: securedRoute("post", "/switchers", { body: jsonBody(ArchitectureBody) }, { 201: jsonResponse(SwitcherWithPanel, "Created") }, "Create a switcher from its architecture file: SRT ingests feeding a live and a preview output"),
  list: securedRoute("get", "/switchers", {}, { 200: jsonResponse(z.object({ switchers: z.array(SwitcherSummary) }), "Switchers") }, "The account's switchers, newest first"),
  get: securedRoute("get", "/switchers/{switcherId}", { params }, { 200: jsonResponse(SwitcherWithPanel, "The switcher") }, "A switcher: its config, which ingest is on live and on preview, each ingest's health, and its monitors"),
  config: securedRoute("put", "/switchers/{switcherId}/config", { params, body: jsonBody(ArchitectureBody) }, { 200: jsonResponse(OneSwitcher, "Updated") }, "Replace the architecture file; ingests and outputs are rebuilt, the buses keep their ingests where they still exist"),
  remove: securedRoute("delete", "/switchers/{switcherId}", { params }, { 204: { description: "Deleted" } }, "Delete a switcher: its ingests and outputs stop, its lineup is dropped"),
  preview: securedRoute("post", "/switchers/{switcherId}/preview", { params, body: jsonBody(PreviewBody) }, { 200: jsonResponse(Switched, "Switched") }, "Put an ingest on the preview bus"),
  live: securedRoute("post", "/switchers/{switcherId}/live", { params, body: jsonBody(SwitchBody) }, { 200: jsonResponse(Switched, "Switched") }, "Put an ingest on air: clean (at its next keyframe, timeline continued; cut if none comes within 4 s) or cut (at the next packet)"),
  take: securedRoute("post", "/switchers/{switcherId}/take", { params, body: jsonBody(TakeBody) }, { 200: jsonResponse(Taken, "Taken") }, "Take: the preview ingest goes on air and the one on air goes to preview"),
  schedule: securedRoute("put", "/switchers/{switcherId}/schedule", { params, body: jsonBody(ScheduleBody) }, { 200: jsonResponse(Schedule, "The lineup") }, "Replace the lineup: switches run on time (EventBridge Scheduler in AWS, a timer locally)"),
  events: securedRoute("get", "/switchers/{switcherId}/events", { params }, { 200: jsonResponse(Events, "Switches") }, "Recent switches, newest first"),
};

export function switcherRoutes(deps: { switchers: Switchers } & PagesDeps) {
  const { switchers } = deps;
  const withPanel = (c: { req: { url: string } }, switcher: Switcher) => ({
    switcher: view(switcher),
    panelUrl: panelLink(pagesUrl(deps, c.req.url), switcher.id),
  });
  return new OpenAPIHono<CallerEnv>()
    .openapi(routes.create, async (c) => c.json(withPanel(c, await switchers.create(account(c), c.req.valid("json"))), 201), architectureHook)
    .openapi(routes.list, async (c) => c.json({ switchers: (await switchers.list(account(c))).map(summaryView) }, 200))
    .openapi(routes.get, async (c) => c.json(withPanel(c, await switchers.get(account(c), c.req.valid("param").switcherId)), 200))
    .openapi(routes.config, async (c) => c.json({ switcher: view(await switchers.updateConfig(account(c), c.req.valid("param").switcherId, c.req.valid("json"))) }, 200), architectureHook)
    .openapi(routes.remove, async (c) => noContent(c, switchers.remove(account(c), c.req.valid("param").switcherId)))
    .openapi(routes.preview, async (c) => c.json(switched(await switchers.setPreview(account(c), c.req.valid("param").switcherId, c.req.valid("json").ingestId)), 200))
    .openapi(routes.live, async (c) => {
      const { ingestId, mode } = c.req.valid("json");
      return c.json(switched(await switchers.setLive(account(c), c.req.valid("param").switcherId, ingestId, mode)), 200);
    })
    .openapi(routes.take, async (c) => {
      const result = await switchers.take(account(c), c.req.valid("param").switcherId, c.req.valid("json").mode);
      return c.json({ switcher: view(result.switcher), switches: result.switches }, 200);
    })
    .openapi(routes.schedule, async (c) => c.json({ schedule: await switchers.setSchedule(account(c), c.req.valid("param").switcherId, c.req.valid("json")) }, 200))
    .openapi(routes.events, async (c) => c.json({ events: await switchers.events(account(c), c.req.valid("param").switcherId) }, 200));
}
