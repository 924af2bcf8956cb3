import {
  ConflictException,
  DescribeInputSecurityGroupCommand,
  ListInputSecurityGroupsCommand,
  MediaLiveClient,
  UpdateInputSecurityGroupCommand,
  type InputSecurityGroup,
} from "@aws-sdk/client-medialive";
import { Busy, Conflict } from "@visionstream/core/errors";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { InputAllowList } from "./input-allow-list.ts";
import { LiveResourceMissing } from "./live-resources.ts";
import { channelId, commandsSent, expectSentOnce, inputsOf, prefix, rejection } from "./testing.ts";

const medialive = mockClient(MediaLiveClient);
/** The gateway task's public address (a documentation address, RFC 5737). */
const GATEWAY = "203.0.113.7";
const GROUP_ID = "1111111";
const channel = { id: channelId, allowCidrs: ["198.51.100.0/24", "192.0.2.44/32"] };
const ours = { "visionstream:prefix": prefix, "visionstream:accountId": "acc-0123456789abcdef", "visionstream:channelId": channelId };
const rules = (...cidrs: string[]) => cidrs.map((Cidr) => ({ Cidr }));

function group(state: InputSecurityGroup["State"], cidrs: string[]): InputSecurityGroup {
  return { Id: GROUP_ID, Arn: `arn:aws:medialive:eu-west-1:111122223333:inputSecurityGroup:${GROUP_ID}`, State: state, Tags: ours, WhitelistRules: rules(...cidrs), Inputs: ["2222222"] };
}

/** The channel's group as ListInputSecurityGroups shows it, next to another channel's and another stage's. */
function given(state: InputSecurityGroup["State"], cidrs: string[]) {
  medialive.on(ListInputSecurityGroupsCommand).resolves({
    InputSecurityGroups: [
      { Id: "8888888", State: "IN_USE", Tags: { ...ours, "visionstream:channelId": "ch-fedcba9876543210" }, WhitelistRules: rules("0.0.0.0/0") },
      { Id: "7777777", State: "IN_USE", Tags: { ...ours, "visionstream:prefix": "visionstream-other" }, WhitelistRules: rules("0.0.0.0/0") },
      group(state, cidrs),
    ],
  });
}

const allowList = (settleWithinMs = 200) => new InputAllowList({ medialive: new MediaLiveClient({ region: "eu-west-1" }), prefix, settleWithinMs, pollEveryMs: 10 });

beforeEach(() => {
  medialive.reset();
});

describe("InputAllowList.admit (the WHIP gateway's address on a channel's MediaLive input)", () => {
  it("changes nothing when the group already admits the address, as a rule of its own or in one of the channel's ranges", async () => {
    given("IN_USE", [...channel.allowCidrs, `${GATEWAY}/32`]);
    const asRule = await allowList().admit(channel, GATEWAY);
    const inRange = await allowList().admit(channel, "198.51.100.23");

    expect(asRule).toEqual({ updated: false });
    expect(inRange).toEqual({ updated: false });
    expect(commandsSent(medialive)).toEqual(["ListInputSecurityGroupsCommand", "ListInputSecurityGroupsCommand"]);
  });

  it("adds the address to the channel's rules, and answers once MediaLive has applied it", async () => {
    given("IN_USE", channel.allowCidrs);
    medialive.on(UpdateInputSecurityGroupCommand).resolves({ SecurityGroup: group("UPDATING", [...channel.allowCidrs, `${GATEWAY}/32`]) });
    medialive
      .on(DescribeInputSecurityGroupCommand, { InputSecurityGroupId: GROUP_ID })
      .resolvesOnce(group("UPDATING", [...channel.allowCidrs, `${GATEWAY}/32`]))
      .resolves(group("IN_USE", [...channel.allowCidrs, `${GATEWAY}/32`]));

    const admission = await allowList().admit(channel, GATEWAY);

    expect(admission).toEqual({ updated: true, added: `${GATEWAY}/32`, replaced: [] });
    expectSentOnce(medialive, UpdateInputSecurityGroupCommand, { InputSecurityGroupId: GROUP_ID, WhitelistRules: rules(...channel.allowCidrs, `${GATEWAY}/32`) });
    expect(commandsSent(medialive)).toEqual([
      "ListInputSecurityGroupsCommand",
      "UpdateInputSecurityGroupCommand",
      "DescribeInputSecurityGroupCommand",
      "DescribeInputSecurityGroupCommand",
    ]);
  });

  it("puts the address in place of an earlier gateway's, keeping the channel's own single addresses and ranges added by hand", async () => {
    const byHand = "10.20.0.0/16";
    given("IN_USE", [...channel.allowCidrs, "192.0.2.200/32", byHand]);
    medialive.on(UpdateInputSecurityGroupCommand).resolves({ SecurityGroup: group("IN_USE", [...channel.allowCidrs, byHand, `${GATEWAY}/32`]) });

    const admission = await allowList().admit(channel, GATEWAY);

    expect(admission).toEqual({ updated: true, added: `${GATEWAY}/32`, replaced: ["192.0.2.200/32"] });
    expectSentOnce(medialive, UpdateInputSecurityGroupCommand, { InputSecurityGroupId: GROUP_ID, WhitelistRules: rules(...channel.allowCidrs, byHand, `${GATEWAY}/32`) });
    expect(medialive).not.toHaveReceivedCommand(DescribeInputSecurityGroupCommand);
  });

  it("refuses (Conflict, naming allowCidrs) when the channel's rules fill the group, and changes nothing", async () => {
    const ten = Array.from({ length: 10 }, (_, index) => `198.51.100.${index}/32`);
    given("IN_USE", ten);

    const refused = await rejection(allowList().admit({ id: channelId, allowCidrs: ten }, GATEWAY));

    expect(refused).toBeInstanceOf(Conflict);
    expect((refused as Conflict).message).toMatch(/allow-list is full: MediaLive takes 10 rules/);
    expect((refused as Conflict).details).toEqual({ field: "allowCidrs", rules: 10, gatewayAddress: `${GATEWAY}/32` });
    expect(medialive).not.toHaveReceivedCommand(UpdateInputSecurityGroupCommand);
  });

  it("fits the address in a group of nine channel rules and an earlier gateway's", async () => {
    const nine = Array.from({ length: 9 }, (_, index) => `198.51.100.${index}/32`);
    given("IN_USE", [...nine, "192.0.2.200/32"]);
    medialive.on(UpdateInputSecurityGroupCommand).resolves({ SecurityGroup: group("IN_USE", [...nine, `${GATEWAY}/32`]) });

    const admission = await allowList().admit({ id: channelId, allowCidrs: nine }, GATEWAY);

    expect(admission).toEqual({ updated: true, added: `${GATEWAY}/32`, replaced: ["192.0.2.200/32"] });
    expect(inputsOf(medialive, UpdateInputSecurityGroupCommand)[0]!.WhitelistRules).toHaveLength(10);
  });

  it("answers Busy, with a retry delay, when MediaLive is still applying the change after a few seconds", async () => {
    given("IN_USE", channel.allowCidrs);
    medialive.on(UpdateInputSecurityGroupCommand).resolves({ SecurityGroup: group("UPDATING", [...channel.allowCidrs, `${GATEWAY}/32`]) });
    medialive.on(DescribeInputSecurityGroupCommand).resolves(group("UPDATING", [...channel.allowCidrs, `${GATEWAY}/32`]));
    const started = Date.now();

    const refused = await rejection(allowList(300).admit(channel, GATEWAY));

    expect(refused).toBeInstanceOf(Busy);
    expect((refused as Busy).retryAfterSeconds).toBe(1);
    expect((refused as Busy).message).toMatch(/still applying a change of channel .*'s input allow-list/);
    expect(Date.now() - started).toBeLessThan(800);
    expectSentOnce(medialive, UpdateInputSecurityGroupCommand, { InputSecurityGroupId: GROUP_ID, WhitelistRules: rules(...channel.allowCidrs, `${GATEWAY}/32`) });
  });

  it("waits out another change in progress before its own, and answers Busy if that one outlasts the wait", async () => {
    given("UPDATING", channel.allowCidrs);
    medialive
      .on(DescribeInputSecurityGroupCommand)
      .resolvesOnce(group("UPDATING", channel.allowCidrs))
      .resolvesOnce(group("IN_USE", channel.allowCidrs))
      .resolvesOnce(group("IN_USE", channel.allowCidrs))
      .resolves(group("IN_USE", [...channel.allowCidrs, `${GATEWAY}/32`]));
    medialive
      .on(UpdateInputSecurityGroupCommand)
      .rejectsOnce(new ConflictException({ message: "The input security group is being updated", $metadata: {} }))
      .resolves({ SecurityGroup: group("UPDATING", [...channel.allowCidrs, `${GATEWAY}/32`]) });

    const admission = await allowList().admit(channel, GATEWAY);
    medialive.on(DescribeInputSecurityGroupCommand).resolves(group("UPDATING", channel.allowCidrs));
    const stuck = await rejection(allowList(100).admit(channel, GATEWAY));

    expect(admission).toEqual({ updated: true, added: `${GATEWAY}/32`, replaced: [] });
    expect(inputsOf(medialive, UpdateInputSecurityGroupCommand)).toHaveLength(2);
    expect(stuck).toBeInstanceOf(Busy);
    expect(inputsOf(medialive, UpdateInputSecurityGroupCommand)).toHaveLength(2);
  });

  it("fails, naming the channel, when the channel has no input security group of this stage", async () => {
    medialive.on(ListInputSecurityGroupsCommand).resolves({ InputSecurityGroups: [{ ...group("IN_USE", channel.allowCidrs), Tags: { ...ours, "visionstream:prefix": "visionstream-other" } }] });

    const failed = await rejection(allowList().admit(channel, GATEWAY));

    expect(failed).toBeInstanceOf(LiveResourceMissing);
    expect((failed as Error).message).toBe(`channel ${channelId} has no MediaLive input security group`);
  });
});
