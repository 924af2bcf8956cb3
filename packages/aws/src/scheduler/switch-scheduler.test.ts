import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import type { ScheduledSwitch } from "@visionstream/core/switcher/switcher";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { EventBridgeSwitchScheduler, atExpression } from "./switch-scheduler.ts";

const scheduler = mockClient(SchedulerClient);

const accountId = "acc-0123456789abcdef";
const switcherId = "sw-0123456789abcdef";
const groupName = "visionstream-test-switchers";
const targetArn = "arn:aws:lambda:eu-west-1:111122223333:function:visionstream-test-ScheduledSwitch";
const roleArn = "arn:aws:iam::111122223333:role/visionstream-test-scheduler";
const metadata = { $metadata: {} };
const now = new Date("2025-06-01T18:00:00.000Z");

function switchScheduler() {
  return new EventBridgeSwitchScheduler({ client: new SchedulerClient({ region: "eu-west-1" }), groupName, targetArn, roleArn, now: () => now });
}

const entry = (id: string, at: string, overrides: Partial<ScheduledSwitch> = {}): ScheduledSwitch => ({
  id,
  at,
  bus: "live",
  ingestId: "stage-b",
  mode: "clean",
  ...overrides,
});

beforeEach(() => {
  scheduler.reset();
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [], ...metadata });
  scheduler.on(DeleteScheduleCommand).resolves({ ...metadata });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: "arn", ...metadata });
});

describe("EventBridgeSwitchScheduler.replace", () => {
  it("creates one at() schedule in UTC per pending future entry, invoking the scheduled-switch Lambda", async () => {
    await switchScheduler().replace(accountId, switcherId, [
      entry("e1", "2025-06-01T20:00:00.000Z"),
      entry("e2", "2025-06-01T21:30:15.000Z", { bus: "preview", ingestId: "stage-c", mode: "cut" }),
    ]);

    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      GroupName: groupName,
      Name: `${switcherId}-e1`,
      Description: "live to stage-b (clean)",
      ScheduleExpression: "at(2025-06-01T20:00:00)",
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      Target: {
        Arn: targetArn,
        RoleArn: roleArn,
        Input: JSON.stringify({ accountId, switcherId, entryId: "e1" }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
      },
    });
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: `${switcherId}-e2`,
      ScheduleExpression: "at(2025-06-01T21:30:15)",
    });
  });

  it("deletes the switcher's pending schedules first, page by page", async () => {
    scheduler
      .on(ListSchedulesCommand)
      .resolvesOnce({ Schedules: [{ Name: `${switcherId}-old1` }], NextToken: "next", ...metadata })
      .resolves({ Schedules: [{ Name: `${switcherId}-old2` }], ...metadata });

    await switchScheduler().replace(accountId, switcherId, [entry("e1", "2025-06-01T20:00:00.000Z")]);

    expect(scheduler).toHaveReceivedCommandWith(ListSchedulesCommand, { GroupName: groupName, NamePrefix: `${switcherId}-` });
    expect(scheduler).toHaveReceivedCommandWith(ListSchedulesCommand, { GroupName: groupName, NamePrefix: `${switcherId}-`, NextToken: "next" });
    expect(scheduler).toHaveReceivedCommandTimes(DeleteScheduleCommand, 2);
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { GroupName: groupName, Name: `${switcherId}-old1` });
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { GroupName: groupName, Name: `${switcherId}-old2` });
    const calls = scheduler.calls().map((call) => call.args[0].constructor.name);
    expect(calls.indexOf("CreateScheduleCommand")).toBeGreaterThan(calls.lastIndexOf("DeleteScheduleCommand"));
  });

  it("skips entries that ran and entries whose time has passed", async () => {
    await switchScheduler().replace(accountId, switcherId, [
      entry("ran", "2025-06-01T20:00:00.000Z", { ranAt: "2025-06-01T17:00:00.000Z" }),
      entry("past", "2025-06-01T17:59:59.000Z"),
      entry("now", "2025-06-01T18:00:00.000Z"),
      entry("later", "2025-06-01T18:00:01.000Z"),
    ]);

    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, { Name: `${switcherId}-later` });
  });

  it("clears the lineup when given no entries", async () => {
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: `${switcherId}-e1` }], ...metadata });

    await switchScheduler().replace(accountId, switcherId, []);

    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { GroupName: groupName, Name: `${switcherId}-e1` });
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it("tolerates a schedule that deleted itself meanwhile and one created by a concurrent replace", async () => {
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: `${switcherId}-gone` }], ...metadata });
    scheduler.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: "gone", Message: "gone", ...metadata }));
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: "exists", Message: "exists", ...metadata }));

    await switchScheduler().replace(accountId, switcherId, [entry("e1", "2025-06-01T20:00:00.000Z")]);

    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
  });

  it("writes times with an offset as UTC", () => {
    expect(atExpression("2025-06-01T22:00:00+02:00")).toBe("at(2025-06-01T20:00:00)");
  });
});
