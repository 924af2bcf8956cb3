import { CreateScheduleCommand, SchedulerClient, type CreateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { InvalidAwsRequests, checkCapturedRequests } from "./capture.ts";

// mockClient here is the one scripts/aws-definitions/setup.ts wraps, as in every adapter test.
const scheduler = mockClient(SchedulerClient);
const client = new SchedulerClient({ region: "eu-west-1" });

const valid: CreateScheduleCommandInput = {
  Name: "sw-0123456789abcdef-take-1",
  ScheduleExpression: "at(2030-01-01T10:00:00)",
  FlexibleTimeWindow: { Mode: "OFF" },
  Target: { Arn: "arn:aws:lambda:eu-west-1:111122223333:function:f", RoleArn: "arn:aws:iam::111122223333:role/scheduler" },
};
const planted = { ...valid, Name: "take one", FlexibleTimeWindow: { Mode: "ON" } } as unknown as CreateScheduleCommandInput;

function failure(): string {
  try {
    checkCapturedRequests();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAwsRequests);
    return (error as Error).message;
  }
  throw new Error("the check passed");
}

beforeEach(() => {
  scheduler.reset();
});

describe("requests captured from mockClient stubs", () => {
  it("pass the after-each check when AWS would accept them", async () => {
    await client.send(new CreateScheduleCommand(valid));

    expect(() => checkCapturedRequests()).not.toThrow();
  });

  it("fail the after-each check, naming the client, operation, path and fault, when AWS would refuse them", async () => {
    await client.send(new CreateScheduleCommand(planted));

    expect(failure()).toBe(
      [
        "AWS would refuse these requests (scripts/aws-definitions):",
        `  - SchedulerClient CreateSchedule: Name: "take one" does not match Name's pattern ^[0-9a-zA-Z-_.]+$`,
        `  - SchedulerClient CreateSchedule: FlexibleTimeWindow.Mode: "ON" is not one of FlexibleTimeWindowMode's values (OFF, FLEXIBLE)`,
      ].join("\n"),
    );
  });

  // Expected to fail: the setup file's after-each hook finds the planted request and fails this very test.
  it.fails("fail the test that sent them, through the setup file's after-each hook", async () => {
    await client.send(new CreateScheduleCommand(planted));
  });

  it("are kept when a test resets the stub's history halfway, and checked once", async () => {
    await client.send(new CreateScheduleCommand(planted));
    scheduler.resetHistory();
    await client.send(new CreateScheduleCommand(valid));

    expect(failure()).toContain("SchedulerClient CreateSchedule: Name:");
    expect(() => checkCapturedRequests()).not.toThrow();
  });
});
