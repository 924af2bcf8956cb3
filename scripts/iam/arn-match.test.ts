import { describe, expect, it } from "vitest";
import { arnFits } from "./arn-match.ts";

const bucket = "arn:${Partition}:s3:::${BucketName}";
const object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
const channel = "arn:${Partition}:medialive:${Region}:${Account}:channel:${ChannelId}";
const packagingChannel = "arn:${Partition}:mediapackagev2:${Region}:${Account}:channelGroup/${ChannelGroupName}/channel/${ChannelName}";
const packagingGroup = "arn:${Partition}:mediapackagev2:${Region}:${Account}:channelGroup/${ChannelGroupName}";
const role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
const lambda = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}";

describe("arnFits", () => {
  it("matches an ARN, with or without wildcards, to its resource type", () => {
    expect(arnFits("*", channel)).toBe(true);
    expect(arnFits("arn:aws:s3:::visionstream-test-acc-*", bucket)).toBe(true);
    expect(arnFits("arn:aws:s3:::visionstream-test-acc-*/recordings/*", object)).toBe(true);
    expect(arnFits("arn:aws:medialive:*:*:channel:*", channel)).toBe(true);
    expect(arnFits("arn:aws:medialive:eu-west-1:111122223333:channel:1234567", channel)).toBe(true);
    expect(arnFits("arn:aws:mediapackagev2:*:*:channelGroup/visionstream-test/channel/visionstream-test-*", packagingChannel)).toBe(true);
    expect(arnFits("arn:aws:iam::111122223333:role/service/visionstream-MediaLiveRole", role)).toBe(true);
    expect(arnFits("arn:aws:lambda:eu-west-1:111122223333:function:f:*", lambda)).toBe(true);
    expect(arnFits("arn:aws:medialive:eu-west-?:*:channel:*", channel)).toBe(true);
  });

  it("tells apart the types of one service", () => {
    expect(arnFits("arn:aws:s3:::visionstream-test-acc-*/recordings/*", bucket)).toBe(false);
    expect(arnFits("arn:aws:medialive:*:*:input:*", channel)).toBe(false);
    expect(arnFits("arn:aws:mediapackagev2:*:*:channelGroup/visionstream-test/channel/x", packagingGroup)).toBe(false);
    expect(arnFits("arn:aws:mediapackagev2:*:*:channelGroup/visionstream-test", packagingChannel)).toBe(false);
    expect(arnFits("arn:aws:mediapackagev2:*:*:channelGroup/g/channel/c/originEndpoint/ts", packagingChannel)).toBe(false);
  });

  it("refuses another service, account digits that are not digits, and upper case in a bucket", () => {
    expect(arnFits("arn:aws:mediapackage:*:*:channels/*", packagingChannel)).toBe(false);
    expect(arnFits("arn:aws:medialive:eu-west-1:account:channel:1", channel)).toBe(false);
    expect(arnFits("arn:aws:s3:::Bucket", bucket)).toBe(false);
  });
});
