import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { CloudFrontPlaybackSigner, documentClient, dynamoClient, ensureTables } from "@visionstream/aws";
import { Authenticator, type Ladder } from "@visionstream/core";
import { type RuleName, stageRules } from "@visionstream/events";
import { createApi } from "@visionstream/functions/api/app";
import { domain } from "@visionstream/functions/domain";
import { errorBody } from "@visionstream/functions/api/errors";
import {
  deprovisionAccountHandler,
  provisionAccountHandler,
  releaseAccountChannelsHandler,
  releaseAccountSwitchersHandler,
} from "@visionstream/functions/handlers/accounts";
import { channelAlertHandler, channelStateChangedHandler, channelStepHandler, stopIdleChannelsHandler } from "@visionstream/functions/handlers/channels";
import { resumePendingWorkHandler } from "@visionstream/functions/handlers/pending-work";
import { recordingGapDetectedHandler, recordingJobChangedHandler, recordingSegmentCreatedHandler, recordingSessionEndedHandler } from "@visionstream/functions/handlers/recordings";
import {
  scheduledSwitchHandler,
  switcherApplyHandler,
  switcherFlowStandbyHandler,
  switcherSourceHealthHandler,
  switcherStackDeployedHandler,
} from "@visionstream/functions/handlers/switchers";
import { Hono } from "hono";
import { LocalAccountInfrastructure, LocalLayout } from "./account-infrastructure.ts";
import { type BusHandler, LOCAL_REGION, LocalBus } from "./eventbridge/bus.ts";
import { startCdnProcess } from "./cloudfront/cdn-process.ts";
import { DEFAULT_MEDIA_NICENESS, type LocalConfig } from "./config.ts";
import { startDynalite } from "./dynamodb/dynalite.ts";
import { logger } from "./logger.ts";
import { invokeAsLambda } from "./lambda-context.ts";
import { LocalUploadSigner } from "./s3/media-uploads.ts";
import { recordChildrenIn } from "./child-processes.ts";
import type { X264Preset } from "./medialive/ladder-args.ts";
import { LocalLiveEngine } from "./medialive/live-engine.ts";
import { LocalSwitchScheduler } from "./scheduler/switch-scheduler.ts";
import { LocalSwitcherEngine } from "./mediaconnect/switcher-engine.ts";
import { LocalVodAssembler } from "./mediaconvert/assembler.ts";
import { LocalObjectStore } from "./s3/object-store.ts";
import { ensureWebBuilt, webApp } from "./web.ts";
import { localKeyServer } from "./key-server.ts";
import { broadcastSecret } from "./secrets/broadcast-secret.ts";
import { startWhipGateway } from "@visionstream/functions/whip-gateway";

export const TABLES = { table: "visionstream", idempotencyTable: "visionstream-idempotency" };
const HOST = "127.0.0.1";

async function listen(app: { fetch: (request: Request) => Response | Promise<Response> }, port: number) {
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname: HOST }, () => resolve(started));
    started.once("error", reject);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type LocalRuntime = Awaited<ReturnType<typeof startLocalRuntime>>;

/** The whole platform on 127.0.0.1: dynalite, the bus and its handlers, the API, the CDN. */
export type RuntimeConfig = Pick<LocalConfig, "dataDir" | "apiPort" | "cdnPort" | "adminToken"> &
  Partial<Pick<LocalConfig, "rtmpPort" | "rtpPort" | "srtPort" | "whipPort" | "mediaNiceness">> & {
    inMemory?: boolean;
    ladder?: Ladder;
    preset?: X264Preset;
    idleStopAfterMs?: number;
    /** See RunOptions.drainTimeoutMs. */
    drainTimeoutMs?: number;
    /** See RunOptions.maxQueuedBytes. */
    maxQueuedBytes?: number;
  };

export async function startLocalRuntime(config: RuntimeConfig) {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close();
  };
  try {
    const leftovers = recordChildrenIn(join(config.dataDir, "children.json"));
    if (leftovers > 0) logger.warn("ended processes an earlier run left behind", { count: leftovers });
    const dynalite = await startDynalite({ path: config.inMemory ? undefined : join(config.dataDir, "dynamo") });
    stops.push(dynalite.close);
    const dynamo = dynamoClient({ region: LOCAL_REGION, endpoint: dynalite.endpoint });
    stops.push(async () => dynamo.destroy());
    await ensureTables(dynamo, TABLES);

    const layout = new LocalLayout(config.dataDir);
    let cdnOrigin = "";
    const bus = new LocalBus();
    stops.push(() => bus.close());
    const infrastructure = new LocalAccountInfrastructure(layout, () => cdnOrigin);
    // Closed after the engine: channels stopped at shutdown still get their recordings assembled.
    const assembler = new LocalVodAssembler({ layout, bus });
    stops.push(() => assembler.close());
    stops.push(() => bus.idle());
    const engine = new LocalLiveEngine({
      layout,
      bus,
      rtmpBasePort: config.rtmpPort ?? 1935,
      rtpBasePort: config.rtpPort ?? 5000,
      srtBasePort: config.srtPort ?? 9200,
      ...(config.ladder ? { ladder: config.ladder } : {}),
      ...(config.preset ? { preset: config.preset } : {}),
      mediaNiceness: config.mediaNiceness ?? DEFAULT_MEDIA_NICENESS,
      cdnOrigin: () => cdnOrigin,
      ...(config.drainTimeoutMs !== undefined ? { drainTimeoutMs: config.drainTimeoutMs } : {}),
      ...(config.maxQueuedBytes !== undefined ? { maxQueuedBytes: config.maxQueuedBytes } : {}),
    });
    stops.push(() => engine.close());
    const signer = new CloudFrontPlaybackSigner(async (accountId) => {
      const key = await infrastructure.signingKey(accountId);
      return { keyPairId: key.publicKeyId, privateKey: key.privateKey };
    });
    const switcherEngine = new LocalSwitcherEngine({ layout, bus, dataDir: config.dataDir });
    stops.push(() => switcherEngine.close());
    let runScheduled: (input: unknown) => Promise<unknown> = async () => undefined;
    const scheduler = new LocalSwitchScheduler((input) => runScheduled(input));
    stops.push(async () => scheduler.close());
    const uploads = new LocalUploadSigner(layout, (bucketName) => `${cdnOrigin}/${infrastructure.distributionId(bucketName.slice("visionstream-local-".length))}`);
    const store = new LocalObjectStore(layout);
    let tokenKey: Promise<Buffer> | undefined;
    const { repository, accounts, channels, recordings, media, switchers, broadcasts } = domain(
      documentClient(dynamo),
      TABLES.table,
      () => ({ publisher: bus, infrastructure, signer, engine, assembler, store, uploads, switcherEngine, scheduler }),
      { idleStopAfterMs: config.idleStopAfterMs, ladder: config.ladder, broadcastSecret: () => (tokenKey ??= broadcastSecret(layout)) },
    );
    const authenticator = Authenticator({ repository, adminToken: config.adminToken });
    runScheduled = invokeAsLambda("scheduledSwitch", scheduledSwitchHandler(switchers));
    const idempotency = { tableName: TABLES.idempotencyTable, client: dynamo };

    const handlers: Record<RuleName, BusHandler> = {
      provisionAccount: invokeAsLambda("provisionAccount", provisionAccountHandler(accounts)),
      releaseAccountChannels: invokeAsLambda("releaseAccountChannels", releaseAccountChannelsHandler(accounts)),
      releaseAccountSwitchers: invokeAsLambda("releaseAccountSwitchers", releaseAccountSwitchersHandler(accounts)),
      deprovisionAccount: invokeAsLambda("deprovisionAccount", deprovisionAccountHandler(accounts)),
      channelStateChanged: invokeAsLambda("channelStateChanged", channelStateChangedHandler(channels)),
      channelAlert: invokeAsLambda("channelAlert", channelAlertHandler(channels, recordings)),
      recordingSegmentCreated: invokeAsLambda("recordingSegmentCreated", recordingSegmentCreatedHandler(recordings, idempotency)),
      recordingSessionEnded: invokeAsLambda("recordingSessionEnded", recordingSessionEndedHandler(recordings, idempotency)),
      recordingJobChanged: invokeAsLambda("recordingJobChanged", recordingJobChangedHandler(recordings, idempotency)),
      recordingGapDetected: invokeAsLambda("recordingGapDetected", recordingGapDetectedHandler(recordings, idempotency)),
      switcherSourceHealth: invokeAsLambda("switcherSourceHealth", switcherSourceHealthHandler(switchers)),
      channelStep: invokeAsLambda("channelStep", channelStepHandler(channels)),
      switcherApply: invokeAsLambda("switcherApply", switcherApplyHandler(switchers)),
      // Nothing emits these locally (the local engine has no stacks and keeps its relays up); wired for parity.
      switcherStackDeployed: invokeAsLambda("switcherStackDeployed", switcherStackDeployedHandler(switchers)),
      switcherFlowStandby: invokeAsLambda("switcherFlowStandby", switcherFlowStandbyHandler(switchers)),
    };
    // The local account buckets are named visionstream-local-<accountId> (LocalAccountInfrastructure).
    const rules = stageRules("visionstream-local");
    for (const rule of Object.keys(handlers) as RuleName[]) bus.subscribe(rule, rules[rule], handlers[rule]);
    const accountIds: string[] = [];
    for (let cursor: string | undefined, page; (page = await repository.list({ limit: 100, ...(cursor ? { cursor } : {}) })); ) {
      accountIds.push(...page.accounts.map((account) => account.id));
      if (!(cursor = page.cursor)) break;
    }
    // Runs cut short by the end of an earlier process (kill -9, power loss) are not resumed but stopped, the MediaLive
    // way: their channels report STOPPED and their recordings are assembled from what was written. Their publishers
    // were cut off with the process anyway; starting the channel again opens a new session. The table is asked as well
    // as the engine's records: a channel on air in it with no run behind it is stopped the same way (a start still
    // pending is carried out instead).
    await engine.recoverInterruptedRuns(await channels.onAir());
    await bus.idle();
    // Assemblies cut short with the process are asked for again (the same job: no second MP4, and the half-written one
    // was never in place), as are those whose STOPPED went with it.
    for (const failure of await recordings.resumeAssembly(accountIds)) logger.error("recording assembly could not resume", failure);

    const cdn = await startCdnProcess({ dataDir: config.dataDir, host: HOST, port: config.cdnPort });
    stops.push(cdn.close);
    cdnOrigin = cdn.url;
    const stopIdle = invokeAsLambda("stopIdleChannels", stopIdleChannelsHandler(channels));
    const resumePending = invokeAsLambda("resumePendingWork", resumePendingWorkHandler(channels, accounts, switchers));
    const idleTimer = setInterval(() => {
      void stopIdle({}).catch(() => undefined);
      void resumePending({}).catch(() => undefined);
    }, 60_000);
    stops.push(async () => clearInterval(idleTimer));

    // Browsers reach it on loopback: its candidates are the loopback address only (other interfaces' would be unreachable or filtered).
    const whip = await startWhipGateway({ broadcasts: broadcasts!, host: HOST, port: config.whipPort ?? 8082, ice: { iceAdditionalHostAddresses: [HOST], iceInterfaceAddresses: { udp4: HOST } } });
    stops.push(whip.close);

    const web = webApp(await ensureWebBuilt());
    const api = createApi({ accounts, authenticator, channels, recordings, media, switchers, broadcasts, whipBaseUrl: whip.url });
    const front = new Hono();
    front.route("/", localKeyServer({ layout, adminToken: config.adminToken }));
    front.route("/", api);
    front.route("/", web);
    front.notFound((c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404));
    const server = await listen(front, config.apiPort);
    stops.push(server.close);

    for (const failure of await switchers.resume(accountIds)) logger.error("switcher could not resume", failure);

    return {
      apiUrl: server.url,
      cdnUrl: cdn.url,
      whipUrl: whip.url,
      whip,
      broadcasts: broadcasts!,
      dynamoEndpoint: dynalite.endpoint,
      dynalite,
      adminToken: config.adminToken,
      dataDir: config.dataDir,
      bus,
      accounts,
      channels,
      recordings,
      media,
      switchers,
      switcherEngine,
      assembler,
      signer,
      engine,
      stopIdle,
      resumePending,
      infrastructure,
      layout,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
