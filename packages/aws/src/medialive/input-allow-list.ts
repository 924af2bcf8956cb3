import { setTimeout as sleep } from "node:timers/promises";
import {
  ConflictException,
  DescribeInputSecurityGroupCommand,
  UpdateInputSecurityGroupCommand,
  type InputSecurityGroup,
  type MediaLiveClient,
} from "@aws-sdk/client-medialive";
import type { Channel } from "@visionstream/core/channels/channel";
import { Busy, Conflict } from "@visionstream/core/errors";
import { ipv4AllowList } from "@visionstream/core/net/ipv4";
import { MediaLiveInputs } from "./inputs.ts";
import { LiveResourceMissing, required } from "./live-resources.ts";

/** MediaLive takes at most this many rules (CIDRs) in one input security group. */
export const MAX_INPUT_SECURITY_GROUP_RULES = 10;

export interface InputAllowListOptions {
  medialive: MediaLiveClient;
  prefix: string;
  /** How long a publish waits for MediaLive to apply a change of the allow-list before it is answered Busy. */
  settleWithinMs?: number;
  pollEveryMs?: number;
}

/** What admitting an address took: nothing, or a rule added in place of earlier gateways' addresses. */
export type Admission = { updated: false } | { updated: true; added: string; replaced: string[] };

type GroupState = Pick<InputSecurityGroup, "State" | "WhitelistRules">;

const cidrsOf = (group: GroupState) => (group.WhitelistRules ?? []).flatMap((rule) => (rule.Cidr ? [rule.Cidr] : []));

/**
 * A channel's MediaLive input takes pushes only from its input security group's CIDRs: the channel's allow-list as the
 * live engine created it, and the address of the WHIP gateway that forwards browsers' broadcasts to it. A gateway task
 * has a new public address each time it starts, so its address takes the place of the ones before: the /32 rules
 * outside the channel's allow-list (no one else adds single addresses; ranges added by hand stay). Nothing long: a
 * change MediaLive has not applied within a few seconds is answered Busy, and the publisher tries again.
 */
export class InputAllowList {
  private readonly medialive: MediaLiveClient;
  private readonly inputs: MediaLiveInputs;
  private readonly settleWithinMs: number;
  private readonly pollEveryMs: number;

  constructor({ medialive, prefix, settleWithinMs = 5_000, pollEveryMs = 1_000 }: InputAllowListOptions) {
    this.medialive = medialive;
    this.inputs = new MediaLiveInputs({ medialive, prefix });
    this.settleWithinMs = settleWithinMs;
    this.pollEveryMs = pollEveryMs;
  }

  /** Makes the channel's input admit `address` (IPv4), once MediaLive has applied it. */
  async admit(channel: Pick<Channel, "id" | "allowCidrs">, address: string): Promise<Admission> {
    const deadline = Date.now() + this.settleWithinMs;
    const [found] = await this.inputs.securityGroupsOf(channel.id);
    if (!found) throw new LiveResourceMissing("channel", channel.id, "MediaLive input security group");
    const groupId = required(found.Id, "MediaLive input security group of channel", channel.id, "Id");
    let group: GroupState = found;
    let admission: Admission | undefined;
    for (;;) {
      if (group.State !== "UPDATING") {
        const cidrs = cidrsOf(group);
        if (ipv4AllowList(cidrs)(address)) return admission ?? { updated: false };
        // Applied, yet without this address: another change (another gateway task) replaced it meanwhile.
        if (admission) throw this.busy(channel.id);
        const answer = await this.update(groupId, channel, cidrs, address);
        admission = answer?.admission;
        if (answer?.group) {
          group = answer.group;
          continue;
        }
      }
      group = await this.later(groupId, channel.id, deadline);
    }
  }

  /** The group's rules with this address in place of earlier gateways'; undefined when MediaLive is applying another change. */
  private async update(groupId: string, channel: Pick<Channel, "id" | "allowCidrs">, cidrs: string[], address: string) {
    const added = `${address}/32`;
    const replaced = cidrs.filter((cidr) => cidr.endsWith("/32") && !channel.allowCidrs.includes(cidr));
    const kept = cidrs.filter((cidr) => !replaced.includes(cidr));
    if (kept.length >= MAX_INPUT_SECURITY_GROUP_RULES) {
      throw new Conflict(
        `channel ${channel.id}'s MediaLive input allow-list is full: MediaLive takes ${MAX_INPUT_SECURITY_GROUP_RULES} rules, ` +
          `and the channel's allowCidrs leave none for the WHIP gateway's address (${added}); a channel with at most ` +
          `${MAX_INPUT_SECURITY_GROUP_RULES - 1} allowCidrs takes browser broadcasts`,
        { field: "allowCidrs", rules: MAX_INPUT_SECURITY_GROUP_RULES, gatewayAddress: added },
      );
    }
    try {
      const { SecurityGroup: group } = await this.medialive.send(
        new UpdateInputSecurityGroupCommand({ InputSecurityGroupId: groupId, WhitelistRules: [...kept, added].map((Cidr) => ({ Cidr })) }),
      );
      return { admission: { updated: true, added, replaced } as const, group };
    } catch (error) {
      if (error instanceof ConflictException) return undefined;
      throw error;
    }
  }

  private async later(groupId: string, channelId: string, deadline: number): Promise<GroupState> {
    if (Date.now() + this.pollEveryMs > deadline) throw this.busy(channelId);
    await sleep(this.pollEveryMs);
    return this.medialive.send(new DescribeInputSecurityGroupCommand({ InputSecurityGroupId: groupId }));
  }

  private busy(channelId: string): Busy {
    return new Busy(
      `MediaLive is still applying a change of channel ${channelId}'s input allow-list (the WHIP gateway's address): try again in a few seconds`,
      Math.ceil(this.settleWithinMs / 1_000),
    );
  }
}
