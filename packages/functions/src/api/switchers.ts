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
  type Bus,
} from "@visionstream/core";
import { type CallerEnv, callerAccount } from "./caller.ts";
import { type PagesDeps, pagesUrl, panelLink } from "./playback.ts";
import { idParam, jsonBody, jsonResponse, noContent, securedRoute } from "./route.ts";

const Health = z.object({
  connected: z.boolean(),
  bitrateKbps: z.number(),
  lastKeyframeAgeMs: z.number().nullable(),
  keyframesTimed: z.boolean().optional().openapi({ description: "false where the engine cannot time keyframes (MediaConnect in AWS): lastKeyframeAgeMs is then null" }),
  warnings: z.array(z.string()).openapi({
    description: "TR 101 290 indicators MediaConnect raises on the connected source (ts_sync_loss, continuity_count_error, transport_error, pcr_error): shown, never a reason to fall back",
  }),
  warningsSince: z.string().optional().openapi({ description: "Since when the warnings have been raised" }),
});
const HlsMonitor = z
  .object({ kind: z.literal("hls"), hlsUrl: z.string(), query: z.string(), cookies: z.record(z.string(), z.string()), expiresAt: z.string() })
  .openapi("HlsMonitor", { description: "The bus's HLS playlist on the account's CDN, with its signature (the local runtime)" });
const ThumbnailMonitor = z
  .object({
    kind: z.literal("thumbnail"),
    thumbnailUrl: z.string().openapi({ description: "A path of this API: GET it with the bearer token for the bus's latest JPEG" }),
    refreshMs: z.number().openapi({ description: "How often to fetch it again" }),
  })
  .openapi("ThumbnailMonitor", { description: "The bus as MediaConnect's source thumbnails, refreshed every few seconds (AWS)" });
// Written out: the generator writes the null of a nullable union as a bare {nullable: true} branch, which the pages'
// type generator (openapi-typescript) reads as `unknown`.
const NULLABLE_MONITOR = { oneOf: [{ $ref: "#/components/schemas/HlsMonitor" }, { $ref: "#/components/schemas/ThumbnailMonitor" }], nullable: true };
const Monitor = z.discriminatedUnion("kind", [HlsMonitor, ThumbnailMonitor]).nullable().openapi(NULLABLE_MONITOR);
/** Where the panel fetches a bus's thumbnail: the route below, from the API's origin. */
const thumbnailPath = (switcherId: string, bus: Bus) => `/switchers/${switcherId}/monitors/${bus}/thumbnail`;
const monitorView = (switcherId: string, bus: Bus, monitor: Switcher["monitors"][Bus]) =>
  monitor?.kind === "thumbnail" ? { ...monitor, thumbnailUrl: thumbnailPath(switcherId, bus) } : monitor;

const SwitcherView = z
  .object({
    id: z.string().openapi({ example: exampleId("switcher") }),
    name: z.string(),
    architecture: z.unknown().openapi({ description: "The architecture file" }),
    live: z.string().optional().openapi({ description: "The ingest on air" }),
    preview: z.string().optional(),
    liveIngestLost: z.object({ ingestId: z.string(), since: z.string() }).optional().openapi({ description: "The on-air ingest that was lost" }),
    applyState: z
      .enum(["APPLYING", "APPLIED", "APPLY_FAILED", "AWAITING_FLOWS"])
      .optional()
      .openapi({
        description:
          "Whether the engine runs the stored architecture yet: it is applied after the request answers. AWAITING_FLOWS: in AWS, the switcher's stack is not deployed yet; it is applied when the deployment completes",
      }),
    applyFailure: z.string().optional().openapi({ description: "Why the engine refused the architecture (APPLY_FAILED), or what it waits for (AWAITING_FLOWS)" }),
    schedule: z.array(ScheduledSwitch),
    ingests: z.array(z.object({ id: z.string(), name: z.string(), region: z.string(), port: z.number(), health: Health })),
    monitors: z
      .object({ live: Monitor, preview: Monitor })
      .openapi({ description: "The buses' monitors: HLS on the account's CDN (local), or thumbnails through this API (AWS); null without one" }),
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
  monitors: { live: monitorView(switcher.id, "live", switcher.monitors.live), preview: monitorView(switcher.id, "preview", switcher.monitors.preview) },
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
  thumbnail: securedRoute(
    "get",
    "/switchers/{switcherId}/monitors/{bus}/thumbnail",
    { params: params.extend({ bus: z.enum(["live", "preview"]).openapi({ param: { name: "bus", in: "path" }, example: "live" }) }) },
    {
      200: {
        description: "The latest JPEG of the bus; Last-Modified says when MediaConnect took it",
        content: { "image/jpeg": { schema: z.string().openapi({ type: "string", format: "binary" }) } },
      },
    },
    "The bus's latest thumbnail, where monitors are thumbnails (AWS): 404 until MediaConnect has one",
  ),
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
    .openapi(routes.thumbnail, async (c) => {
      const { switcherId, bus } = c.req.valid("param");
      const { jpeg, at } = await switchers.thumbnail(account(c), switcherId, bus);
      return c.body(jpeg, 200, { "content-type": "image/jpeg", "cache-control": "no-store", "last-modified": new Date(at).toUTCString() });
    })
    .openapi(routes.events, async (c) => c.json({ events: await switchers.events(account(c), c.req.valid("param").switcherId) }, 200));
}
