import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { documentClient, DynamoSwitcherRepository } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { Authenticator, flowName, recordingIdOf } from "@visionstream/core";
import {
  channelAlert,
  channelStateChange,
  flowStatusChange,
  jobStateChange,
  objectCreated,
  sourceHealth,
  switcherStackDeployed,
} from "@visionstream/core/testing";
import { type RuleName, stageRules, visionStreamEntry } from "@visionstream/events";
import { API_ROUTES } from "@visionstream/functions/api/app";
import { routedApp } from "@visionstream/functions/api/routed-app";
import { apiFunction } from "@visionstream/functions/api-function";
import { API_FUNCTIONS, type ApiFunctionName, apiFunctionFor, routedTo } from "@visionstream/functions/api-routes";
import { domain } from "@visionstream/functions/domain";
import {
  deprovisionAccountHandler,
  provisionAccountHandler,
  releaseAccountChannelsHandler,
  releaseAccountSwitchersHandler,
} from "@visionstream/functions/handlers/accounts";
import { channelAlertHandler, channelStateChangedHandler, channelStepHandler, stopIdleChannelsHandler } from "@visionstream/functions/handlers/channels";
import { resumePendingWorkHandler } from "@visionstream/functions/handlers/pending-work";
import {
  recordingGapDetectedHandler,
  recordingJobChangedHandler,
  recordingSegmentCreatedHandler,
  recordingSessionEndedHandler,
} from "@visionstream/functions/handlers/recordings";
import {
  scheduledSwitchHandler,
  switcherApplyHandler,
  switcherFlowStandbyHandler,
  switcherSourceHealthHandler,
  switcherStackDeployedHandler,
} from "@visionstream/functions/handlers/switchers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Adapter, FunctionAdapters, type FunctionName } from "./function-permissions.ts";
import {
  beyondTable,
  describeUngranted,
  eventTime,
  type LambdaHandler,
  lambdaContext,
  ReachRecorder,
  reachingAdapters,
  StageBus,
  withoutAdapter,
} from "./function-reach-testing.ts";
import { ApiHandlers } from "./api-functions.ts";
import { RuleHandlers } from "./rules.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The local stage's resource prefix: its account buckets are `<prefix>-<accountId>`, which its segment rule matches. */
const PREFIX = "visionstream-local";
const TABLE = "function-reach";
const ADMIN = "function-reach-admin-token-0123";
const IDLE_STOP_MS = 10 * 60_000;
/** Longer than the sweeper's grace period (30 s) before it asks again for a step. */
const SWEEP_AFTER_MS = 60_000;
/** The schedules' functions, as stacks/bus.ts deploys them (the rules' are in stacks/rules.ts, the API's in stacks/api.ts). */
const CRON_ENTRIES = {
  stopIdleChannels: "packages/functions/src/stop-idle-channels.handler",
  resumePendingWork: "packages/functions/src/resume-pending-work.handler",
  scheduledSwitch: "packages/functions/src/scheduled-switch.handler",
} as const;
type Cron = keyof typeof CRON_ENTRIES;

const recorder = new ReachRecorder();
const bus = new StageBus(stageRules(PREFIX), recorder);
const { fakes, adapters } = reachingAdapters(recorder, bus.publisher, PREFIX);
let tables: TestTables;

/** The deployed functions, each built by the factory its entry file calls, over one domain on dynalite. */
function platform() {
  const wired = domain(documentClient(tables.client), TABLE, () => adapters, { idleStopAfterMs: IDLE_STOP_MS });
  const idempotency = { tableName: `${TABLE}-idempotency`, client: tables.client };
  const rules = {
    provisionAccount: provisionAccountHandler(wired.accounts),
    releaseAccountChannels: releaseAccountChannelsHandler(wired.accounts),
    releaseAccountSwitchers: releaseAccountSwitchersHandler(wired.accounts),
    deprovisionAccount: deprovisionAccountHandler(wired.accounts),
    channelStateChanged: channelStateChangedHandler(wired.channels),
    channelAlert: channelAlertHandler(wired.channels, wired.recordings),
    recordingSegmentCreated: recordingSegmentCreatedHandler(wired.recordings, idempotency),
    recordingSessionEnded: recordingSessionEndedHandler(wired.recordings, idempotency),
    recordingJobChanged: recordingJobChangedHandler(wired.recordings, idempotency),
    recordingGapDetected: recordingGapDetectedHandler(wired.recordings, idempotency),
    switcherSourceHealth: switcherSourceHealthHandler(wired.switchers),
    channelStep: channelStepHandler(wired.channels),
    switcherApply: switcherApplyHandler(wired.switchers),
    switcherStackDeployed: switcherStackDeployedHandler(wired.switchers),
    switcherFlowStandby: switcherFlowStandbyHandler(wired.switchers),
  } satisfies Record<RuleName, LambdaHandler>;
  const crons = {
    stopIdleChannels: stopIdleChannelsHandler(wired.channels),
    resumePendingWork: resumePendingWorkHandler(wired.channels, wired.accounts, wired.switchers),
    scheduledSwitch: scheduledSwitchHandler(wired.switchers),
  } satisfies Record<Cron, LambdaHandler>;
  bus.connect(rules);
  const deps = { ...wired, authenticator: Authenticator({ repository: wired.repository, adminToken: ADMIN }) };
  const apis = new Map(API_FUNCTIONS.map((name) => [name, routedApp(deps, API_ROUTES, routedTo(name))]));

  /** One API request (one invocation of the API function its route is deployed to); answers its body, after checking its status. */
  async function call(token: string, method: string, path: string, body: unknown, status: number) {
    const name = apiFunctionFor(method, path);
    const response = await recorder.as(name, async () =>
      apis.get(name)!.request(path, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(status);
    return (text ? JSON.parse(text) : undefined) as Record<string, any>;
  }

  /** A schedule fires: EventBridge's scheduled event, or the Scheduler's input for a lineup entry. */
  const cron = (name: Cron, input?: unknown) => {
    const scheduled = { version: "0", "detail-type": "Scheduled Event", source: "aws.events", time: eventTime(), region: "eu-west-1", resources: [], detail: {} };
    return recorder.as(name, () => crons[name]((input ?? scheduled) as never, lambdaContext(name)));
  };
  // The test reads switchers from the table: Switchers.get would ask the engine and the signer, outside any function.
  const switchers = new DynamoSwitcherRepository(documentClient(tables.client), TABLE);
  const switcher = async (accountId: string, switcherId: string) => (await switchers.get(accountId, switcherId))!;
  return { wired, call, cron, switcher };
}

/** Moves the clock (Date only: timers stay real), as the minutes between a sweep and the next pass. */
const tick = (ms = 1_000) => vi.setSystemTime(Date.now() + ms);

/** A stage's life: an account with channels, a recording and a switcher, until the account is deleted. */
async function scenario() {
  const { wired, call, cron, switcher } = platform();
  const drain = () => bus.drain();

  const { account, apiKey } = await call(ADMIN, "POST", "/accounts", { name: "reach" }, 201);
  const accountId: string = account.id;
  const bucket = `${PREFIX}-${accountId}`;
  await drain();
  expect((await wired.repository.get(accountId))?.status).toBe("ACTIVE");

  // A channel started: MediaLive is still busy at the first step and after its IDLE event; the sweeper asks again, and it runs.
  const allowCidrs = ["203.0.113.0/24"];
  const channelId: string = (await call(apiKey, "POST", "/channels", { name: "main", inputType: "RTMP_PUSH", allowCidrs }, 201)).channel.id;
  await call(apiKey, "POST", "/channels", { name: "spare", inputType: "RTP_PUSH", allowCidrs }, 201);
  fakes.engine.pendNext("startChannel", 2);
  await call(apiKey, "POST", `/channels/${channelId}/start`, undefined, 202);
  await drain();
  const { engineChannelId, sessionId } = await wired.channels.get(accountId, channelId);
  bus.emit(channelStateChange(engineChannelId!, "IDLE", eventTime()));
  await drain();
  tick(SWEEP_AFTER_MS);
  await cron("resumePendingWork");
  await drain();
  expect(fakes.engine.callsOf("startChannel")).toHaveLength(3);
  tick();
  bus.emit(channelStateChange(engineChannelId!, "RUNNING", eventTime(), 1));
  await drain();
  expect((await wired.channels.get(accountId, channelId)).state).toBe("RUNNING");
  await call(apiKey, "GET", `/channels/${channelId}/playback`, undefined, 200);

  // Recording: segments written by MediaLive, an input loss, a gap the engine measured; then the stop ends the session.
  for (const sequence of ["000001", "000002"])
    bus.emit(objectCreated(bucket, `recordings/${channelId}/${sessionId}/pipeline-0/index_1080p_${sequence}.ts`, eventTime()));
  tick();
  bus.emit(channelAlert(engineChannelId!, "SET", eventTime()));
  const lost = eventTime();
  tick(2_000);
  await bus.publisher.publish(visionStreamEntry("RecordingGapDetected", { accountId, channelId, sessionId: sessionId!, reason: "no-input", from: lost, to: eventTime(), lostMs: 2_000 }));
  await drain();
  await call(apiKey, "POST", `/channels/${channelId}/stop`, undefined, 202);
  await drain();
  tick();
  bus.emit(channelStateChange(engineChannelId!, "STOPPED", eventTime()));
  await drain();
  const recordingId = recordingIdOf(channelId, sessionId!);
  const { jobId } = await wired.recordings.get(accountId, recordingId);
  expect(jobId).toBeDefined();
  bus.emit(jobStateChange(jobId!, { recordingId }, { status: "COMPLETE", mp4Path: `s3://${bucket}/vod/${recordingId}.mp4`, durationMs: 6_000 }, eventTime()));
  await drain();
  expect((await wired.recordings.get(accountId, recordingId)).status).toBe("READY");
  await call(apiKey, "GET", `/recordings/${recordingId}/playback`, undefined, 200);

  // A second run loses its input and is stopped by the idle sweep; its assembly fails and is retried.
  const { channel: second } = await call(apiKey, "POST", `/channels/${channelId}/start`, undefined, 202);
  await drain();
  tick();
  bus.emit(channelStateChange(engineChannelId!, "RUNNING", eventTime(), 1));
  bus.emit(objectCreated(bucket, `recordings/${channelId}/${second.sessionId}/pipeline-0/index_1080p_000001.ts`, eventTime()));
  bus.emit(channelAlert(engineChannelId!, "SET", eventTime()));
  await drain();
  tick(IDLE_STOP_MS + SWEEP_AFTER_MS);
  await cron("stopIdleChannels");
  await drain();
  tick();
  bus.emit(channelStateChange(engineChannelId!, "STOPPED", eventTime()));
  await drain();
  expect((await wired.channels.get(accountId, channelId)).state).toBe("STOPPED");
  expect(fakes.engine.callsOf("stopChannel")).toHaveLength(2);
  const failing = await wired.recordings.get(accountId, recordingIdOf(channelId, second.sessionId));
  bus.emit(jobStateChange(failing.jobId!, { recordingId: failing.id }, { status: "ERROR", errorCode: 1030, errorMessage: "no input" }, eventTime()));
  await drain();
  expect((await call(apiKey, "POST", `/recordings/${failing.id}/retry`, undefined, 202)).recording.status).toBe("ASSEMBLING");

  // The media library: an upload, its file read, then deleted; the recording deleted too.
  const { media } = await call(apiKey, "POST", "/media", { name: "intro.mp4", contentType: "video/mp4" }, 201);
  await fakes.store.put(bucket, `media/${media.id}/intro.mp4`, "mp4 bytes", "video/mp4");
  await call(apiKey, "GET", `/media/${media.id}`, undefined, 200);
  await call(apiKey, "DELETE", `/media/${media.id}`, undefined, 204);
  await call(apiKey, "DELETE", `/recordings/${recordingId}`, undefined, 204);

  // A switcher: applied by its event, its live ingest lost (the fallback goes on air), a lineup entry run on time.
  const architecture: unknown = JSON.parse(await readFile(`${root}examples/switcher.local.json`, "utf8"));
  const switcherId: string = (await call(apiKey, "POST", "/switchers", architecture, 201)).switcher.id;
  await drain();
  expect((await switcher(accountId, switcherId)).applyState).toBe("APPLIED");
  // Its stack deployed, and one of its flows back in STANDBY: each asks for the apply again.
  bus.emit(switcherStackDeployed(PREFIX, switcherId, "eu-west-1", eventTime()));
  bus.emit(flowStatusChange(flowName(switcherId, "stage-b"), "STANDBY", "STOPPING", eventTime()));
  await drain();
  expect((await switcher(accountId, switcherId)).applyState).toBe("APPLIED");
  await call(apiKey, "GET", `/switchers/${switcherId}`, undefined, 200);
  tick();
  bus.emit(sourceHealth(flowName(switcherId, "stage-a"), true, eventTime()));
  await drain();
  expect((await switcher(accountId, switcherId)).live).toBe("stage-b");
  const lineup = [{ at: new Date(Date.now() + 3_600_000).toISOString(), bus: "live", ingestId: "stage-c", mode: "cut" }];
  const { schedule } = await call(apiKey, "PUT", `/switchers/${switcherId}/schedule`, lineup, 200);
  tick(3_600_000);
  await cron("scheduledSwitch", { accountId, switcherId, entryId: schedule[0].id });
  expect((await switcher(accountId, switcherId)).live).toBe("stage-c");

  // The account deleted with its channels and switcher still there; MediaLive and CloudFront take more than one pass.
  fakes.engine.pendNext("deleteChannel");
  fakes.infrastructure.pendNextDeprovision();
  await call(ADMIN, "DELETE", `/accounts/${accountId}`, undefined, 202);
  await drain();
  for (let sweep = 0; (await wired.repository.get(accountId))?.status !== "DELETED"; sweep++) {
    if (sweep === 5) throw new Error(`account ${accountId} is not DELETED after ${sweep} sweeps`);
    tick(SWEEP_AFTER_MS);
    await cron("resumePendingWork");
    await drain();
  }
  expect(fakes.engine.callsOf("deleteChannel").length).toBeGreaterThanOrEqual(3);
  expect(fakes.switcherEngine.callsOf("remove")).toEqual([[switcherId]]);
}

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  vi.useFakeTimers({ toFake: ["Date"] });
  await scenario();
}, 30_000);
afterAll(async () => {
  vi.useRealTimers();
  await tables?.close();
});

const functionNames = Object.keys(FunctionAdapters) as FunctionName[];
const reachOf = (name: FunctionName) => [...(recorder.reach.get(name)?.keys() ?? [])].sort();

describe("what each function reaches, derived by running the real handlers on fakes", () => {
  it("every function of FunctionAdapters is exercised, and every adapter is reached by one of them", () => {
    const deployed = [...Object.keys(RuleHandlers), ...Object.keys(ApiHandlers), ...Object.keys(CRON_ENTRIES)].sort();
    expect(deployed).toEqual([...functionNames].sort());
    expect(functionNames.filter((name) => !recorder.invocations.get(name))).toEqual([]);
    expect(recorder.unattributed).toEqual([]);
    const listed = new Set(functionNames.flatMap((name): readonly Adapter[] => FunctionAdapters[name]));
    expect(new Set(functionNames.flatMap(reachOf))).toEqual(listed);
    console.info(
      `derived reach (${functionNames.length} functions, ${bus.deliveries.length} deliveries):\n` +
        functionNames.map((name) => `  ${name} ×${recorder.invocations.get(name)}: ${reachOf(name).join(", ") || "(none)"}`).join("\n"),
    );
  });

  it("each function reaches only adapters its FunctionAdapters entry lists", () => {
    const ungranted = beyondTable(recorder.reach, FunctionAdapters);
    expect(ungranted, describeUngranted(ungranted)).toEqual([]);
    const unused = functionNames.flatMap((name) => FunctionAdapters[name].filter((adapter) => !recorder.reach.get(name)?.has(adapter)).map((adapter) => `${name}: ${adapter}`));
    if (unused.length > 0) console.info(`listed but not reached in this scenario:\n  ${unused.join("\n  ")}`);
  });

  it("the functions it runs are those deployed: each entry file calls the factory the scenario used", async () => {
    const apiEntries = Object.fromEntries(Object.entries(ApiHandlers).map(([name, entry]) => [name, [entry, apiFunction]])) as Record<ApiFunctionName, [string, typeof apiFunction]>;
    const entries: Record<FunctionName, [entry: string, factory: { name: string }]> = {
      ...apiEntries,
      provisionAccount: [RuleHandlers.provisionAccount, provisionAccountHandler],
      releaseAccountChannels: [RuleHandlers.releaseAccountChannels, releaseAccountChannelsHandler],
      releaseAccountSwitchers: [RuleHandlers.releaseAccountSwitchers, releaseAccountSwitchersHandler],
      deprovisionAccount: [RuleHandlers.deprovisionAccount, deprovisionAccountHandler],
      channelStateChanged: [RuleHandlers.channelStateChanged, channelStateChangedHandler],
      channelAlert: [RuleHandlers.channelAlert, channelAlertHandler],
      recordingSegmentCreated: [RuleHandlers.recordingSegmentCreated, recordingSegmentCreatedHandler],
      recordingSessionEnded: [RuleHandlers.recordingSessionEnded, recordingSessionEndedHandler],
      recordingJobChanged: [RuleHandlers.recordingJobChanged, recordingJobChangedHandler],
      recordingGapDetected: [RuleHandlers.recordingGapDetected, recordingGapDetectedHandler],
      switcherSourceHealth: [RuleHandlers.switcherSourceHealth, switcherSourceHealthHandler],
      channelStep: [RuleHandlers.channelStep, channelStepHandler],
      switcherApply: [RuleHandlers.switcherApply, switcherApplyHandler],
      switcherStackDeployed: [RuleHandlers.switcherStackDeployed, switcherStackDeployedHandler],
      switcherFlowStandby: [RuleHandlers.switcherFlowStandby, switcherFlowStandbyHandler],
      stopIdleChannels: [CRON_ENTRIES.stopIdleChannels, stopIdleChannelsHandler],
      resumePendingWork: [CRON_ENTRIES.resumePendingWork, resumePendingWorkHandler],
      scheduledSwitch: [CRON_ENTRIES.scheduledSwitch, scheduledSwitchHandler],
    };
    const stacks = (await readFile(`${root}stacks/bus.ts`, "utf8")) + (await readFile(`${root}stacks/api-functions.ts`, "utf8"));
    for (const entry of [...Object.values(ApiHandlers), ...Object.values(CRON_ENTRIES)]) expect(stacks).toContain(`"${entry}"`);
    for (const [name, [entry, factory]] of Object.entries(entries)) {
      const source = await readFile(`${root}${entry.replace(/\.handler$/, ".ts")}`, "utf8");
      expect(source, `${name}: ${entry}`).toContain(`${factory.name}(`);
    }
    // Each API function's entry is the app the scenario ran, over its own wiring.
    for (const name of Object.keys(ApiHandlers)) expect(await readFile(`${root}${ApiHandlers[name as ApiFunctionName].replace(/\.handler$/, ".ts")}`, "utf8")).toContain(`apiFunction("${name}"`);
    expect(await readFile(`${root}packages/functions/src/api-function.ts`, "utf8")).toContain(`${routedApp.name}(`);
  });

  it("a planted fault: the table without an adapter a function needs fails, naming both", () => {
    const planted = withoutAdapter(FunctionAdapters, "releaseAccountSwitchers", "switcherEngine");
    const found = beyondTable(recorder.reach, planted);
    expect(found.map(({ functionName, adapter }) => `${functionName}/${adapter}`)).toEqual(["releaseAccountSwitchers/switcherEngine"]);
    expect(describeUngranted(found)).toBe("releaseAccountSwitchers reaches switcherEngine (switcherEngine.remove) but FunctionAdapters.releaseAccountSwitchers lacks it");
    // Any adapter the scenario showed a function needs is caught the same way.
    const reached = functionNames.flatMap((name) => reachOf(name).map((adapter) => [name, adapter] as const));
    expect(reached.length).toBeGreaterThan(10);
    for (const [name, adapter] of reached)
      expect(beyondTable(recorder.reach, withoutAdapter(FunctionAdapters, name, adapter)).map((u) => `${u.functionName}/${u.adapter}`)).toEqual([`${name}/${adapter}`]);
  });
});
