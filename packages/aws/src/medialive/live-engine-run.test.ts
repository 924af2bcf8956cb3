import {
  ConflictException,
  DescribeChannelCommand,
  MediaLiveClient,
  StartChannelCommand,
  StopChannelCommand,
  UnprocessableEntityException,
  UpdateChannelCommand,
} from "@aws-sdk/client-medialive";
import { Conflict, InvalidInput, NotFound } from "@visionstream/core/errors";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import {
  channelGroup,
  channelId,
  commandsSent,
  describedChannel,
  engine,
  engineChannelId,
  expectSentOnce,
  liveDestination,
  name,
  notFound,
  recordingDestination,
  rejection,
  roleArn,
} from "./testing.ts";

const medialive = mockClient(MediaLiveClient);
const metadata = { $metadata: {} };

beforeEach(() => {
  medialive.reset();
});

describe("AwsLiveEngine.startChannel, one step at a time", () => {
  it("starts an idle channel whose recording already points at the session: done", async () => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel("IDLE", "s-42"));
    medialive.on(StartChannelCommand).resolves({ State: "STARTING" });

    const step = await engine().startChannel(engineChannelId, "s-42");

    expect(step).toBe("done");
    expect(commandsSent(medialive)).toEqual(["DescribeChannelCommand", "StartChannelCommand"]);
    expectSentOnce(medialive, StartChannelCommand, { ChannelId: engineChannelId });
  });

  it("points each pipeline's recording at the session and waits for the update: pending", async () => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel("IDLE", "unstarted"));
    medialive.on(UpdateChannelCommand).resolves({ Channel: { Id: engineChannelId, State: "UPDATING" } });

    const step = await engine().startChannel(engineChannelId, "s-42");

    expect(step).toBe("pending");
    const idle = describedChannel("IDLE");
    expectSentOnce(medialive, UpdateChannelCommand, {
      ChannelId: engineChannelId,
      Name: name,
      RoleArn: roleArn,
      InputAttachments: idle.InputAttachments,
      InputSpecification: idle.InputSpecification,
      EncoderSettings: idle.EncoderSettings,
      Destinations: [recordingDestination("s-42", 2), liveDestination],
    });
    expect(medialive).not.toHaveReceivedCommand(StartChannelCommand);
  });

  it("starts on the step after the update, once the channel is idle again", async () => {
    medialive
      .on(DescribeChannelCommand)
      .resolvesOnce(describedChannel("IDLE", "unstarted"))
      .resolvesOnce(describedChannel("UPDATING", "s-42"))
      .resolves(describedChannel("IDLE", "s-42"));
    medialive.on(UpdateChannelCommand).resolves({ Channel: { Id: engineChannelId, State: "UPDATING" } });
    medialive.on(StartChannelCommand).resolves({ State: "STARTING" });

    const steps = [];
    for (let step = 0; step < 3; step++) steps.push(await engine().startChannel(engineChannelId, "s-42"));

    expect(steps).toEqual(["pending", "pending", "done"]);
    expect(medialive).toHaveReceivedCommandOnce(UpdateChannelCommand);
    expect(medialive).toHaveReceivedCommandOnce(StartChannelCommand);
  });

  it.each(["CREATING", "UPDATING", "STOPPING"] as const)("sends nothing while the channel is %s: pending", async (state) => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel(state, "unstarted"));

    const step = await engine().startChannel(engineChannelId, "s-42");

    expect(step).toBe("pending");
    expect(commandsSent(medialive)).toEqual(["DescribeChannelCommand"]);
  });

  it.each(["STARTING", "RUNNING"] as const)("is done when the channel is already %s with the session", async (state) => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel(state, "s-42"));

    const step = await engine().startChannel(engineChannelId, "s-42");

    expect(step).toBe("done");
    expect(commandsSent(medialive)).toEqual(["DescribeChannelCommand"]);
  });

  it("leaves it to the next step when another start got there first", async () => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel("IDLE", "s-42"));
    medialive.on(StartChannelCommand).rejects(new ConflictException({ message: "starting", ...metadata }));

    expect(await engine().startChannel(engineChannelId, "s-42")).toBe("pending");
  });

  it("refuses a channel that runs another session", async () => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel("RUNNING", "s-41"));

    const error = await rejection(engine().startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(Conflict);
    expect(medialive).not.toHaveReceivedCommand(StartChannelCommand);
  });

  it.each(["CREATE_FAILED", "DELETING"] as const)("refuses a channel that is %s", async (state) => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel(state));

    const error = await rejection(engine().startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(Conflict);
    expect((error as Error).message).toBe(`MediaLive channel ${engineChannelId} is ${state}, not IDLE`);
  });

  it("makes MediaLive's refusal of the configuration final", async () => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel("IDLE"));
    medialive.on(UpdateChannelCommand).rejects(new UnprocessableEntityException({ message: "bad destination", ...metadata }));

    const error = await rejection(engine().startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(Conflict);
    expect((error as Error).message).toContain("bad destination");
  });

  it("says which channel does not exist", async () => {
    medialive.on(DescribeChannelCommand).rejects(notFound());

    const error = await rejection(engine().startChannel(engineChannelId, "s-42"));

    expect(error).toBeInstanceOf(NotFound);
    expect((error as NotFound).id).toBe(engineChannelId);
  });

  it("refuses a session id that is no folder name", async () => {
    const error = await rejection(engine().startChannel(engineChannelId, "../x"));

    expect(error).toBeInstanceOf(InvalidInput);
    expect(medialive).not.toHaveReceivedAnyCommand();
  });
});

describe("AwsLiveEngine.stopChannel", () => {
  it.each(["RUNNING", "STARTING", "RECOVERING"] as const)("stops a channel that is %s: done", async (state) => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel(state));
    medialive.on(StopChannelCommand).resolves({ State: "STOPPING" });

    const step = await engine().stopChannel(engineChannelId);

    expect(step).toBe("done");
    expectSentOnce(medialive, StopChannelCommand, { ChannelId: engineChannelId });
  });

  it.each([
    ["STOPPING", "done"],
    ["IDLE", "not-running"],
  ] as const)("leaves a channel that is %s alone: %s (STOPPED comes as an event only from a stopping channel)", async (state, step) => {
    medialive.on(DescribeChannelCommand).resolves(describedChannel(state));

    expect(await engine().stopChannel(engineChannelId)).toBe(step);
    expect(medialive).not.toHaveReceivedCommand(StopChannelCommand);
  });

  it("takes a stop MediaLive refused for its state as pending (the next step sees where it went), a channel gone as not running", async () => {
    medialive.on(DescribeChannelCommand).resolvesOnce(describedChannel("RUNNING")).rejects(notFound());
    medialive.on(StopChannelCommand).rejects(new ConflictException({ message: "stopping", ...metadata }));

    expect(await engine().stopChannel(engineChannelId)).toBe("pending");
    expect(await engine().stopChannel(engineChannelId)).toBe("not-running");
    expect(medialive).toHaveReceivedCommandOnce(StopChannelCommand);
  });
});

describe("AwsLiveEngine.livePlayback", () => {
  it("is the MediaPackage v2 egress path of the channel: HLS on TS, HLS and DASH on CMAF, no MSS", () => {
    const root = `out/v1/${channelGroup}/${name}`;
    expect(engine().livePlayback(channelId)).toStrictEqual({
      root,
      hls: `${root}/ts/master.m3u8`,
      hlsCmaf: `${root}/cmaf/master.m3u8`,
      dash: `${root}/cmaf/manifest.mpd`,
      lowLatencyFormat: "hlsCmaf",
      keyServerFormats: ["hls"],
    });
  });
});
