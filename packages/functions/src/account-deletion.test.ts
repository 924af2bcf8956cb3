import { CreateDistributionCommand, CreateOriginAccessControlCommand } from "@aws-sdk/client-cloudfront";
import { StopChannelCommand } from "@aws-sdk/client-medialive";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { AnswerLost } from "@visionstream/aws/medialive/fake-services-testing";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  awsPlatform,
  cloudfront,
  deletions,
  medialive,
  mediapackage,
  prefix,
  s3,
  secrets,
  stage,
  type AwsPlatform,
} from "./aws-platform-testing.ts";

const TABLE = "account-deletion";
const { channelGroup } = stage.mediaPackage;
const ENDPOINTS = ["ts", "cmaf"];

let tables: TestTables;
beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
});
afterAll(() => tables.close());

interface Tenant {
  accountId: string;
  apiKey: string;
  channelId: string;
}

/** An account provisioned by its AccountCreated handler, with one channel made through the API. */
async function tenant(platform: AwsPlatform, name: string, inputType: "RTMP_PUSH" | "RTP_PUSH"): Promise<Tenant> {
  const { accountId, apiKey } = await platform.signUp(name);
  const created = await platform.call("POST", "/channels", apiKey, { name: `${name} stage`, inputType, allowCidrs: ["198.51.100.0/24"] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { accountId, apiKey, channelId: created.body.channel.id };
}

/** Starts the channel as the API and the events do, until MediaLive runs it. */
async function putOnAir(platform: AwsPlatform, { apiKey, channelId }: Tenant) {
  expect((await platform.call("POST", `/channels/${channelId}/start`, apiKey)).status).toBe(202);
  await platform.settled();
  for (let round = 0; round < 3; round++) {
    await platform.passTime();
    await platform.sweep();
  }
  expect((await platform.call("GET", `/channels/${channelId}`, apiKey)).body.channel.state).toBe("RUNNING");
}

/** Everything made in AWS for the tenant and its channel, found in the fakes as provisioning and creation left it. */
async function resourcesOf(platform: AwsPlatform, { accountId, channelId }: Tenant) {
  const account = await platform.wired.accounts.get(accountId);
  const name = `${prefix}-${channelId}`;
  const { engineChannelId } = await platform.wired.channels.get(accountId, channelId);
  return {
    engineChannelId: engineChannelId!,
    inputId: [...platform.media.inputs].find(([, input]) => input.Name === name)![0],
    securityGroupId: [...platform.media.securityGroups].find(([, group]) => group.Tags["visionstream:channelId"] === channelId)![0],
    packaging: `${channelGroup}/${name}`,
    distributionId: account.distributionId!,
    keyGroupId: platform.cdn.state.keyGroups.find((group) => group.KeyGroup?.KeyGroupConfig?.Name === `${prefix}-${accountId}`)!.KeyGroup!.Id!,
    publicKeyId: account.publicKeyId!,
    secretName: `${prefix}/accounts/${accountId}/cdn-signing-key`,
    bucketName: account.bucketName!,
  };
}
type Resources = Awaited<ReturnType<typeof resourcesOf>>;

/** One Delete* per resource of the tenant: MediaLive 3, MediaPackage v2 7 (3 policies, 3 endpoints, the channel), CloudFront 3, the secret. */
function onceEach(resources: Resources): Record<string, number> {
  const { engineChannelId, inputId, securityGroupId, packaging, distributionId, keyGroupId, publicKeyId, secretName } = resources;
  return Object.fromEntries(
    [
      `medialive DeleteChannel ${engineChannelId}`,
      `medialive DeleteInput ${inputId}`,
      `medialive DeleteInputSecurityGroup ${securityGroupId}`,
      ...ENDPOINTS.map((endpoint) => `mediapackage DeleteOriginEndpointPolicy ${packaging}/${endpoint}`),
      ...ENDPOINTS.map((endpoint) => `mediapackage DeleteOriginEndpoint ${packaging}/${endpoint}`),
      `mediapackage DeleteChannel ${packaging}`,
      `cloudfront DeleteDistribution ${distributionId}`,
      `cloudfront DeleteKeyGroup ${keyGroupId}`,
      `cloudfront DeletePublicKey ${publicKeyId}`,
      `secrets DeleteSecret ${secretName}`,
    ].map((resource) => [resource, 1]),
  );
}

/** The sweeper runs while time passes (MediaLive settles, CloudFront deploys) until the account is DELETED. */
async function sweepUntilDeleted(platform: AwsPlatform, accountId: string): Promise<number> {
  for (let round = 1; round <= 12; round++) {
    await platform.settled();
    if ((await platform.wired.accounts.get(accountId)).status === "DELETED") return round;
    await platform.passTime();
    await platform.sweep();
  }
  throw new Error(`account ${accountId} is still ${(await platform.wired.accounts.get(accountId)).status}`);
}

/** Nothing of the tenant is left in the fakes but its bucket; its secret waits out its recovery window. */
function expectNothingLeft(platform: AwsPlatform, resources: Resources) {
  const { media, cdn } = platform;
  expect(media.channels.has(resources.engineChannelId)).toBe(false);
  expect(media.inputs.has(resources.inputId)).toBe(false);
  expect(media.securityGroups.has(resources.securityGroupId)).toBe(false);
  expect(media.packaging.has(resources.packaging.split("/")[1]!)).toBe(false);
  expect(cdn.state.distributions.map((entry) => entry.id)).not.toContain(resources.distributionId);
  expect(cdn.state.keyGroups.map((group) => group.KeyGroup?.Id)).not.toContain(resources.keyGroupId);
  expect(cdn.state.publicKeys.map((key) => key.Id)).not.toContain(resources.publicKeyId);
  expect(cdn.state.secrets.get(resources.secretName)?.scheduledForDeletion).toBe(true);
  expect(cdn.state.buckets.has(resources.bucketName)).toBe(true);
}

/** The tenant's resources are all there, as they were made (a running channel still running). */
function expectUntouched(platform: AwsPlatform, resources: Resources, channelState: "IDLE" | "RUNNING") {
  const { media, cdn } = platform;
  expect(media.channels.get(resources.engineChannelId)?.State).toBe(channelState);
  expect(media.inputs.get(resources.inputId)?.State).toBe("ATTACHED");
  expect(media.securityGroups.has(resources.securityGroupId)).toBe(true);
  const endpoints = media.packaging.get(resources.packaging.split("/")[1]!);
  expect([...(endpoints ?? new Map())]).toEqual(ENDPOINTS.map((endpoint) => [endpoint, { policy: true }]));
  expect(cdn.state.distributions.find((entry) => entry.id === resources.distributionId)?.config.Enabled).toBe(true);
  expect(cdn.state.keyGroups.map((group) => group.KeyGroup?.Id)).toContain(resources.keyGroupId);
  expect(cdn.state.publicKeys.map((key) => key.Id)).toContain(resources.publicKeyId);
  expect(cdn.state.secrets.get(resources.secretName)?.scheduledForDeletion).toBe(false);
}

describe("deleting an account, with the AWS adapters", () => {
  it("three accounts share the stage's two origin access controls; none is created", async () => {
    const platform = awsPlatform(tables, TABLE);
    for (const name of ["first", "second", "third"]) await platform.signUp(name);
    const origins = cloudfront
      .commandCalls(CreateDistributionCommand)
      .map((call) => call.args[0].input.DistributionConfig?.Origins?.Items?.map((origin) => origin.OriginAccessControlId));
    expect(cloudfront).toHaveReceivedCommandTimes(CreateOriginAccessControlCommand, 0);
    expect(origins).toEqual(Array(3).fill([stage.originAccessControls.s3, stage.originAccessControls.mediaPackage]));
  });

  it("releases every resource of the account and its channel exactly once, with AccountDeleted delivered twice at once and again later; the bucket and the other accounts stay", async () => {
    const platform = awsPlatform(tables, TABLE, { deliverTwice: ["AccountDeleted"] });
    const doomed = await tenant(platform, "doomed", "RTMP_PUSH");
    const onAir = await tenant(platform, "on air", "RTP_PUSH");
    const quiet = await tenant(platform, "quiet", "RTMP_PUSH");
    await platform.passTime();
    await putOnAir(platform, onAir);
    const gone = await resourcesOf(platform, doomed);
    const running = await resourcesOf(platform, onAir);
    const idle = await resourcesOf(platform, quiet);
    expect(cloudfront).toHaveReceivedCommandTimes(CreateOriginAccessControlCommand, 0);

    // An account with a channel on air is refused (its keys would stop working); the idle one is accepted.
    expect((await platform.call("DELETE", `/accounts/${onAir.accountId}`, ADMIN_TOKEN)).status).toBe(409);
    const answer = await platform.call("DELETE", `/accounts/${doomed.accountId}`, ADMIN_TOKEN);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.account.status).toBe("DELETING");
    const rounds = await sweepUntilDeleted(platform, doomed.accountId);
    const deletedEvents = platform.delivered.filter(
      (event) => event["detail-type"] === "AccountDeleted" && (event.detail as { accountId: string }).accountId === doomed.accountId,
    );
    const stubs = [s3, cloudfront, secrets, medialive, mediapackage];
    const requestsBefore = stubs.map((stub) => stub.calls().length);
    platform.redeliver(deletedEvents[0]!);
    await platform.settled();
    const lateChanges = stubs.flatMap((stub, index) => stub.calls().slice(requestsBefore[index]).filter(changes));
    const { sent, tookEffect } = await deletions();

    expect(rounds).toBeGreaterThan(1);
    expect(deletedEvents.length).toBeGreaterThanOrEqual(4);
    expect((await platform.wired.accounts.get(doomed.accountId)).status).toBe("DELETED");
    expect(tookEffect).toEqual(onceEach(gone));
    expect(sent).toEqual(onceEach(gone));
    expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 0);
    expect(medialive).not.toHaveReceivedCommandWith(StopChannelCommand, { ChannelId: running.engineChannelId });
    // The late delivery finds nothing to do and changes nothing.
    expect(lateChanges).toEqual([]);
    expectNothingLeft(platform, gone);
    expectUntouched(platform, running, "RUNNING");
    expectUntouched(platform, idle, "IDLE");
    expect((await platform.wired.accounts.get(onAir.accountId)).status).toBe("ACTIVE");
    expect((await platform.call("GET", `/channels/${onAir.channelId}`, onAir.apiKey)).body.channel.state).toBe("RUNNING");
    expect((await platform.call("GET", `/channels/${quiet.channelId}`, quiet.apiKey)).status).toBe(200);
    expect(platform.failures).toEqual([]);
    console.info(`account deletion: ${rounds} sweeper rounds, ${deletedEvents.length} AccountDeleted deliveries, ${Object.keys(sent).length} resources deleted once each`);
  });

  it.each(["DeleteChannel", "DeleteInput", "DeleteInputSecurityGroup", "DeleteOriginEndpointPolicy", "DeleteOriginEndpoint", "DeletePackagingChannel"])(
    "a deletion step killed halfway (the answer to %s lost after it took effect) is completed by the retry, nothing leaked",
    async (lost) => {
      const platform = awsPlatform(tables, TABLE);
      const doomed = await tenant(platform, "cut short", "RTP_PUSH");
      await platform.passTime();
      const resources = await resourcesOf(platform, doomed);
      platform.media.loseAnswerOf.add(lost);

      expect((await platform.call("DELETE", `/accounts/${doomed.accountId}`, ADMIN_TOKEN)).status).toBe(202);
      await sweepUntilDeleted(platform, doomed.accountId);
      const { sent, tookEffect } = await deletions();
      const repeated = Object.keys(sent).filter((resource) => sent[resource]! > (tookEffect[resource] ?? 0));

      expect(platform.media.loseAnswerOf.size).toBe(0);
      expect(platform.failures.some((failure) => failure instanceof AnswerLost)).toBe(true);
      expect(tookEffect).toEqual(onceEach(resources));
      // Only the request whose answer was lost may go again, and MediaPackage refuses the repeat: nothing left to delete.
      expect(repeated.filter((resource) => resource.split(" ")[1] !== lost)).toEqual([]);
      expect(platform.media.empty).toBe(true);
      expectNothingLeft(platform, resources);
    },
  );
});

/** A request that changes something (anything but reading). */
function changes(call: { args: unknown[] }): boolean {
  return !/^(Get|List|Describe|Head)/.test((call.args[0] as object).constructor.name);
}
