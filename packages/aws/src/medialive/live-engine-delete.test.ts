import {
  DeleteChannelCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  DescribeChannelCommand,
  ListChannelsCommand,
  MediaLiveClient,
  StopChannelCommand,
} from "@aws-sdk/client-medialive";
import { DeleteSecretCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { ChannelResources } from "@visionstream/core/channels/channel";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { Packaging, mockPackagingClient } from "../mediapackage/testing.ts";
import { AnswerLost, FakeLiveServices } from "./fake-services-testing.ts";
import {
  accountId,
  channelGroup,
  channelId,
  commandsSent,
  engine,
  engineChannelId,
  expectSentOnce,
  inputsOf,
  name,
  prefix,
  rejection,
} from "./testing.ts";

const medialive = mockClient(MediaLiveClient);
const mediapackage = mockPackagingClient();
const secrets = mockClient(SecretsManagerClient);
const passphraseSecret = `${prefix}/accounts/${accountId}/channels/${channelId}/srt-passphrase`;
const {
  DeleteChannelCommand: DeletePackagingChannelCommand,
  DeleteOriginEndpointCommand,
  DeleteOriginEndpointPolicyCommand,
} = Packaging;

const ours = { "visionstream:prefix": prefix, "visionstream:channelId": channelId };
const theirs = { "visionstream:prefix": prefix, "visionstream:channelId": "ch-fedcba9876543210" };
let services: FakeLiveServices;

/** A channel as createChannel leaves it, next to another channel's input and security group. */
function givenCreated({ state = "IDLE", withEngineChannel = true } = {}) {
  if (withEngineChannel) services.channels.set(engineChannelId, { Name: name, State: state as "IDLE", inputId: "2222222" });
  services.inputs.set("2222222", { Name: name, State: withEngineChannel ? "ATTACHED" : "DETACHED", SecurityGroups: ["1111111"] });
  services.inputs.set("9999999", { Name: "visionstream-test-ch-fedcba9876543210", State: "DETACHED", SecurityGroups: ["8888888"] });
  services.securityGroups.set("1111111", { Tags: ours });
  services.securityGroups.set("8888888", { Tags: theirs });
  services.packaging.set(name, new Map(["ts", "cmaf", "dash"].map((endpoint) => [endpoint, { policy: true }])));
}

/** Runs deletion steps as its driver would, time passing between them, until one says "done". */
async function deleteUntilDone(channel: ChannelResources): Promise<number> {
  for (let step = 1; step <= 10; step++) {
    let result: unknown;
    try {
      result = await engine().deleteChannel(channel);
    } catch (error) {
      if (!(error instanceof AnswerLost)) throw error;
    }
    if (result === "done") return step;
    services.settle();
  }
  throw new Error("the deletion never finished");
}

/** What is left once our channel is gone: the other channel's resources only. */
function expectOnlyTheOtherChannelLeft() {
  expect([...services.channels.keys()]).toEqual([]);
  expect([...services.inputs.keys()]).toEqual(["9999999"]);
  expect([...services.securityGroups.keys()]).toEqual(["8888888"]);
  expect([...services.packaging.keys()]).toEqual([]);
}

/** Each of our resources got exactly one delete request. */
function expectEachDeletedOnce({ engineChannel = true } = {}) {
  expect(inputsOf(medialive, DeleteChannelCommand)).toStrictEqual(engineChannel ? [{ ChannelId: engineChannelId }] : []);
  expect(inputsOf(medialive, DeleteInputCommand)).toStrictEqual([{ InputId: "2222222" }]);
  expect(inputsOf(medialive, DeleteInputSecurityGroupCommand)).toStrictEqual([{ InputSecurityGroupId: "1111111" }]);
  const endpoints = ["ts", "cmaf", "dash"].map((OriginEndpointName) => ({
    ChannelGroupName: channelGroup,
    ChannelName: name,
    OriginEndpointName,
  }));
  expect(inputsOf(mediapackage, DeleteOriginEndpointPolicyCommand)).toStrictEqual(endpoints);
  expect(inputsOf(mediapackage, DeleteOriginEndpointCommand)).toStrictEqual(endpoints);
  expect(inputsOf(mediapackage, DeletePackagingChannelCommand)).toStrictEqual([
    { ChannelGroupName: channelGroup, ChannelName: name },
  ]);
  // The passphrase of these SRT channels, in the last step only, once no input names it.
  expect(inputsOf(secrets, DeleteSecretCommand)).toStrictEqual([{ SecretId: passphraseSecret, ForceDeleteWithoutRecovery: true }]);
}

beforeEach(() => {
  medialive.reset();
  mediapackage.reset();
  secrets.reset();
  secrets.on(DeleteSecretCommand).rejects(new ResourceNotFoundException({ message: "not found", $metadata: {} }));
  services = new FakeLiveServices(medialive, mediapackage);
});

describe("AwsLiveEngine.deleteChannel, one step at a time", () => {
  it("stops a running channel first, and waits", async () => {
    givenCreated({ state: "RUNNING" });

    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("pending");
    expectSentOnce(medialive, StopChannelCommand, { ChannelId: engineChannelId });
    expect(medialive).not.toHaveReceivedCommand(DeleteChannelCommand);
    expect(mediapackage).not.toHaveReceivedAnyCommand();
  });

  it("deletes an idle channel, and waits for MediaLive to finish", async () => {
    givenCreated();

    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("pending");
    expect(commandsSent(medialive)).toEqual(["DescribeChannelCommand", "DeleteChannelCommand"]);
    expectSentOnce(medialive, DeleteChannelCommand, { ChannelId: engineChannelId });
    expect(mediapackage).not.toHaveReceivedAnyCommand();
  });

  it.each(["STOPPING", "DELETING"] as const)("sends nothing while the channel is %s", async (state) => {
    givenCreated({ state: state as "IDLE" });

    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("pending");
    expect(commandsSent(medialive)).toEqual(["DescribeChannelCommand"]);
  });

  it("once the channel is gone, deletes its input and MediaPackage resources, then waits for the input", async () => {
    givenCreated();
    services.channels.clear();
    services.inputs.get("2222222")!.State = "DETACHED";

    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("pending");
    expectSentOnce(medialive, DeleteInputCommand, { InputId: "2222222" });
    expect(medialive).not.toHaveReceivedCommand(DeleteInputSecurityGroupCommand);
    expect(services.packaging.size).toBe(0);
  });

  it("says done once the input is gone and its security group deleted", async () => {
    givenCreated();
    services.channels.clear();
    services.inputs.delete("2222222");
    services.packaging.clear();

    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("done");
    expectSentOnce(medialive, DeleteInputSecurityGroupCommand, { InputSecurityGroupId: "1111111" });
    expectOnlyTheOtherChannelLeft();
  });

  it("says done at once when nothing is left", async () => {
    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("done");
    expect(commandsSent(medialive)).toEqual([
      "DescribeChannelCommand",
      "ListInputsCommand",
      "ListInputSecurityGroupsCommand",
    ]);
    expect(commandsSent(mediapackage)).toEqual(["GetChannelCommand"]);
    expect(commandsSent(secrets)).toEqual(["DeleteSecretCommand"]);
  });

  it("has no passphrase to delete for an RTMP channel", async () => {
    const step = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "RTMP_PUSH" });

    expect(step).toBe("done");
    expect(secrets).not.toHaveReceivedAnyCommand();
  });

  it("deletes an SRT channel's passphrase without recovery once its input is gone, and again without harm", async () => {
    secrets.on(DeleteSecretCommand).resolvesOnce({ Name: passphraseSecret }).rejects(new ResourceNotFoundException({ message: "not found", $metadata: {} }));

    const first = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });
    const again = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect([first, again]).toEqual(["done", "done"]);
    expect(inputsOf(secrets, DeleteSecretCommand)).toStrictEqual([1, 2].map(() => ({ SecretId: passphraseSecret, ForceDeleteWithoutRecovery: true })));
  });

  it("keeps the passphrase while the input is still there", async () => {
    givenCreated({ withEngineChannel: false });

    const step = await engine().deleteChannel({ accountId, channelId, inputType: "SRT_LISTENER" });

    expect(step).toBe("pending");
    expect(secrets).not.toHaveReceivedCommand(DeleteSecretCommand);
  });
});

describe("AwsLiveEngine.deleteChannel, driven to the end", () => {
  it("removes a running channel's resources, each once, in four steps", async () => {
    givenCreated({ state: "RUNNING" });

    const steps = await deleteUntilDone({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(steps).toBe(4);
    expectEachDeletedOnce();
    expectOnlyTheOtherChannelLeft();
  });

  it("finishes a deletion cut off after DeleteChannel and again after an endpoint's deletion, deleting each once", async () => {
    givenCreated();
    services.loseAnswerOf.add("DeleteChannel");
    services.loseAnswerOf.add("DeleteOriginEndpoint");

    const first = await rejection(engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" }));
    const retried = await engine().deleteChannel({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });
    await deleteUntilDone({ accountId, channelId, engineChannelId, inputType: "SRT_LISTENER" });

    expect(first).toBeInstanceOf(AnswerLost);
    expect(retried).toBe("pending");
    expect(services.loseAnswerOf.size).toBe(0);
    expectEachDeletedOnce();
    expectOnlyTheOtherChannelLeft();
  });

  it("cleans up after a creation that never made the MediaLive channel, finding the rest by name and tag", async () => {
    givenCreated({ withEngineChannel: false });

    await deleteUntilDone({ accountId, channelId, inputType: "SRT_LISTENER" });

    expect(medialive).toHaveReceivedCommand(ListChannelsCommand);
    expect(medialive).not.toHaveReceivedCommand(DescribeChannelCommand);
    expectEachDeletedOnce({ engineChannel: false });
    expectOnlyTheOtherChannelLeft();
  });

  it("finds by name a MediaLive channel whose id was never kept", async () => {
    givenCreated();

    await deleteUntilDone({ accountId, channelId, inputType: "SRT_LISTENER" });

    expectEachDeletedOnce();
    expectOnlyTheOtherChannelLeft();
  });
});
