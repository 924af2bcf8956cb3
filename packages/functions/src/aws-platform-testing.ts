import { randomUUID } from "node:crypto";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { MediaConnectClient } from "@aws-sdk/client-mediaconnect";
import { MediaLiveClient } from "@aws-sdk/client-medialive";
import { MediaPackageV2Client } from "@aws-sdk/client-mediapackagev2";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CloudFrontPlaybackSigner, documentClient } from "@visionstream/aws";
import { fakeAws } from "@visionstream/aws/account-fake-aws-testing";
import { AwsAccountInfrastructure, loadSigningKey } from "@visionstream/aws/account-infrastructure";
import { cloudfront, prefix, region, s3, secrets, stage } from "@visionstream/aws/account-infrastructure-testing";
import type { TestTables } from "@visionstream/aws/dynamodb/testing";
import { AwsLiveEngine } from "@visionstream/aws/medialive/live-engine";
import { AwsSwitcherEngine } from "@visionstream/aws/mediaconnect/switcher-engine";
import { AnswerLost } from "@visionstream/aws/medialive/fake-services-testing";
import { mockPackagingClient } from "@visionstream/aws/mediapackage/testing";
import { Authenticator, NotFound } from "@visionstream/core";
import { FakeObjectStore } from "@visionstream/core/testing";
import { matchesPattern, type RuleName, Rules } from "@visionstream/events";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { API_ROUTES } from "./api/app.ts";
import { routedApp } from "./api/routed-app.ts";
import { type ApiFunctionName, apiFunctionFor, routedTo } from "./api-routes.ts";
import { FakeMediaServices, mediaLiveChannelArn, type ReportedState } from "./aws-media-fakes-testing.ts";
import { FakeSwitcherFlows } from "./aws-switcher-fakes-testing.ts";
import { domain, type RuntimeAdapters, type SharedRepositories } from "./domain.ts";
import { type FunctionName, functionPorts, PortNotWired } from "./function-adapters.ts";
import { deprovisionAccountHandler, provisionAccountHandler, releaseAccountChannelsHandler, releaseAccountSwitchersHandler } from "./handlers/accounts.ts";
import { channelStateChangedHandler, channelStepHandler } from "./handlers/channels.ts";
import { switcherApplyHandler, switcherFlowStandbyHandler, switcherSourceHealthHandler, switcherStackDeployedHandler } from "./handlers/switchers.ts";

export { cloudfront, prefix, s3, secrets, stage };
export const medialive = mockClient(MediaLiveClient);
export const mediapackage = mockPackagingClient();
export const roleArn = "arn:aws:iam::111122223333:role/visionstream-test-medialive";
export const ADMIN_TOKEN = "aws-platform-admin-token-0123";
const context = { functionName: "aws-platform", awsRequestId: "r", getRemainingTimeInMillis: () => 20_000 } as unknown as Context;

type Entry = { source: string; "detail-type": string; detail: unknown; resources?: string[]; region?: string };
type Event = Entry & { id: string; time: string };
type Stub = { calls(): { args: unknown[]; returnValue?: unknown }[] };

/**
 * The domain on dynalite with the real AWS adapters (AwsAccountInfrastructure, AwsLiveEngine, the CloudFront signer)
 * over stateful fakes of S3, Secrets Manager, CloudFront, MediaLive and MediaPackage v2, behind the HTTP API, with an
 * in-test bus that delivers every event to the very handlers, asynchronously, as EventBridge would.
 * `deliverTwice` names detail types that the bus delivers twice at once (EventBridge delivers at least once).
 * Switchers run on AwsSwitcherEngine over FakeSwitcherFlows (MediaConnect as the switcher stacks leave it).
 */
export function awsPlatform(tables: TestTables, table: string, { deliverTwice = [] as string[] } = {}) {
  for (const stub of [s3, cloudfront, secrets, medialive, mediapackage]) stub.reset();
  const cdn = fakeAws();
  const deliveries = new Set<Promise<unknown>>();
  const failures: unknown[] = [];
  const delivered: Event[] = [];
  const handlers: Partial<Record<RuleName, (event: unknown) => Promise<unknown>>> = {};
  const deliver = (event: Event) => {
    delivered.push(event);
    for (const rule of Object.keys(handlers) as RuleName[]) {
      if (!matchesPattern(Rules[rule], event)) continue;
      const delivery = new Promise((next) => setImmediate(next)).then(() => handlers[rule]!(event));
      deliveries.add(delivery);
      void delivery.catch((error: unknown) => failures.push(error)).finally(() => deliveries.delete(delivery));
    }
  };
  const publish = (entry: Entry) => {
    const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const event = { version: "0", id: randomUUID(), account: "111122223333", time, region, resources: [], ...entry };
    deliver(event);
    if (deliverTwice.includes(entry["detail-type"])) deliver(event);
  };
  const report = (engineChannelId: string, state: ReportedState) =>
    publish({
      source: "aws.medialive",
      "detail-type": "MediaLive Channel State Change",
      resources: [mediaLiveChannelArn(engineChannelId)],
      detail: { channel_arn: mediaLiveChannelArn(engineChannelId), state, message: state, pipelines_running_count: state === "RUNNING" ? 1 : 0 },
    });
  const media = new FakeMediaServices(medialive, mediapackage, report, stage.mediaPackage.channelGroup);
  const switcherFlows = new FakeSwitcherFlows((entry) => publish(entry));
  const secretsClient = new SecretsManagerClient({ region });
  // The adapters are made once, over the repositories of the first function's domain (in AWS each function reads through
  // its own), and each function's domain has those of its FunctionAdapters entry only, as its entry file wires it in
  // AWS: a handler that reaches another fails by name.
  let made: RuntimeAdapters | undefined;
  const adapters = (repositories: SharedRepositories): RuntimeAdapters => (made ??= allAdapters(repositories));
  const allAdapters = (repositories: SharedRepositories): RuntimeAdapters => ({
    publisher: { publish: async (...entries: Entry[]) => entries.forEach(publish) },
    infrastructure: new AwsAccountInfrastructure({
      s3: new S3Client({ region }),
      cloudfront: new CloudFrontClient({ region: "us-east-1" }),
      secrets: secretsClient,
      region,
      prefix,
      ...stage,
    }),
    signer: new CloudFrontPlaybackSigner(async (accountId) => {
      const account = await repositories.accounts.get(accountId);
      if (!account?.publicKeyId) throw new NotFound("signing key of account", accountId);
      return { keyPairId: account.publicKeyId, privateKey: (await loadSigningKey(secretsClient, prefix, accountId)).privateKey };
    }),
    engine: new AwsLiveEngine({
      medialive: new MediaLiveClient({ region }),
      mediapackage: new MediaPackageV2Client({ region }),
      secrets: secretsClient,
      roleArn,
      prefix,
      channelGroup: stage.mediaPackage.channelGroup,
    }),
    assembler: {} as never,
    store: new FakeObjectStore(),
    uploads: {} as never,
    switcherEngine: new AwsSwitcherEngine({
      client: (flowRegion) => new MediaConnectClient({ region: flowRegion }),
      architectureOf: async (switcherId) => (await repositories.switchers.findById(switcherId))?.architecture,
      debounceMs: 10,
    }),
    scheduler: { replace: async () => undefined },
  });
  const documents = documentClient(tables.client);
  const functionDomain = (name: FunctionName) =>
    domain(documents, table, (repositories) => {
      const all = adapters(repositories);
      return { publisher: all.publisher, ...functionPorts<Omit<RuntimeAdapters, "publisher">>(name, (port) => all[port]) };
    });
  const lambda = <E,>(handler: (event: E, context: Context) => Promise<unknown>) => (event: unknown) => handler(event as E, context);
  Object.assign(handlers, {
    provisionAccount: lambda(provisionAccountHandler(functionDomain("provisionAccount").accounts)),
    releaseAccountChannels: lambda(releaseAccountChannelsHandler(functionDomain("releaseAccountChannels").accounts)),
    releaseAccountSwitchers: lambda(releaseAccountSwitchersHandler(functionDomain("releaseAccountSwitchers").accounts)),
    deprovisionAccount: lambda(deprovisionAccountHandler(functionDomain("deprovisionAccount").accounts)),
    channelStep: lambda(channelStepHandler(functionDomain("channelStep").channels)),
    channelStateChanged: lambda(channelStateChangedHandler(functionDomain("channelStateChanged").channels)),
    switcherApply: lambda(switcherApplyHandler(functionDomain("switcherApply").switchers)),
    switcherStackDeployed: lambda(switcherStackDeployedHandler(functionDomain("switcherStackDeployed").switchers)),
    switcherFlowStandby: lambda(switcherFlowStandbyHandler(functionDomain("switcherFlowStandby").switchers)),
    switcherSourceHealth: lambda(switcherSourceHealthHandler(functionDomain("switcherSourceHealth").switchers)),
  });
  // What a test reads directly goes through the default API function's domain (the table), as a client of the API sees
  // the platform; each request goes to the API function its route is deployed to, its app and its wiring.
  const wired = functionDomain("api");
  const apis = new Map<ApiFunctionName, ReturnType<typeof routedApp>>();
  const apiFor = (name: ApiFunctionName) => {
    if (!apis.has(name)) {
      const own = name === "api" ? wired : functionDomain(name);
      apis.set(name, routedApp({ ...own, authenticator: Authenticator({ repository: own.repository, adminToken: ADMIN_TOKEN }) }, API_ROUTES, routedTo(name)));
    }
    return apis.get(name)!;
  };
  const sweeper = functionDomain("resumePendingWork");

  const settled = async () => {
    while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    // Whatever else a test expects of its failures, a function reaching a port it does not wire is a fault of the wiring.
    const unwired = failures.find((failure) => failure instanceof PortNotWired);
    if (unwired) throw unwired;
  };
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await apiFor(apiFunctionFor(method, path)).request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  return {
    cdn,
    media,
    switcherFlows,
    /** Publishes an event as AWS would (the bus adds id, time, account). */
    publish,
    wired,
    call,
    settled,
    failures,
    delivered,
    /** Delivers an event once more, as EventBridge may at any time. */
    redeliver: (event: Event) => deliver(event),
    /** An account made through the API by the operator, provisioned by the AccountCreated handler. */
    async signUp(name: string) {
      const created = await call("POST", "/accounts", ADMIN_TOKEN, { name });
      if (created.status !== 201) throw new Error(`POST /accounts answered ${created.status}: ${JSON.stringify(created.body)}`);
      await settled();
      return { accountId: created.body.account.id as string, apiKey: created.body.apiKey as string };
    },
    /** Time passes: MediaLive and MediaPackage finish what they were doing, CloudFront deploys every distribution. */
    async passTime() {
      media.settle();
      cdn.deployAll();
      await settled();
    },
    /** The scheduled sweeper, without its grace period. */
    async sweep() {
      const channelIds = await sweeper.channels.resumePending({ graceMs: 0 });
      const accountIds = await sweeper.accounts.resumeDeletions({ graceMs: 0 });
      await settled();
      return { channelIds, accountIds };
    },
  };
}

export type AwsPlatform = ReturnType<typeof awsPlatform>;

/** The resource a Delete* request names: "DeleteInput 1000003", "DeleteOriginEndpoint group/channel/ts". */
function deletedResource(command: object): string | undefined {
  const operation = command.constructor.name.replace(/Command$/, "");
  if (!operation.startsWith("Delete")) return undefined;
  const input = (command as { input: Record<string, string | undefined> }).input;
  const id =
    input.ChannelId ??
    input.InputId ??
    input.InputSecurityGroupId ??
    input.SecretId ??
    input.Id ??
    input.Bucket ??
    [input.ChannelGroupName, input.ChannelName, input.OriginEndpointName].filter(Boolean).join("/");
  return `${operation} ${id}`;
}

/**
 * Every Delete* request the stubs received, per resource: how many were sent, and how many took effect (answered, or
 * lost on the way back after taking effect) rather than being refused (not found, in use, conflict).
 */
export async function deletions(stubs: Record<string, Stub> = { s3, cloudfront, secrets, medialive, mediapackage }) {
  const sent: Record<string, number> = {};
  const tookEffect: Record<string, number> = {};
  for (const [service, stub] of Object.entries(stubs)) {
    for (const call of stub.calls()) {
      const request = deletedResource(call.args[0] as object);
      if (!request) continue;
      const resource = `${service} ${request}`;
      sent[resource] = (sent[resource] ?? 0) + 1;
      const [outcome] = await Promise.allSettled([call.returnValue]);
      if (outcome.status === "fulfilled" || outcome.reason instanceof AnswerLost) tookEffect[resource] = (tookEffect[resource] ?? 0) + 1;
    }
  }
  return { sent, tookEffect };
}
