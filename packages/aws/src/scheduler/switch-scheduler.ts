import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  paginateListSchedules,
} from "@aws-sdk/client-scheduler";
import type { ScheduledSwitch, ScheduledSwitchInput, SwitchScheduler } from "@visionstream/core/switcher/switcher";

export interface EventBridgeSwitchSchedulerOptions {
  client: SchedulerClient;
  /** The schedule group that holds every switcher's lineup (created by the stack). */
  groupName: string;
  /** The scheduled-switch Lambda. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  now?: () => Date;
}

/** Schedules are named <switcherId>-<entryId>, so a switcher's lineup is found by prefix in the group. */
export const scheduleName = (switcherId: string, entryId: string) => `${switcherId}-${entryId}`;

/** at(yyyy-mm-ddThh:mm:ss), read in UTC. */
export const atExpression = (at: string) => `at(${new Date(at).toISOString().slice(0, 19)})`;

/** A switch that fires later than this is dropped rather than switching at a surprising time. */
const MAXIMUM_LATENESS_SECONDS = 300;

/** A switcher's lineup as one-time EventBridge Scheduler schedules that invoke the scheduled-switch Lambda. */
export class EventBridgeSwitchScheduler implements SwitchScheduler {
  private readonly client: SchedulerClient;
  private readonly groupName: string;
  private readonly targetArn: string;
  private readonly roleArn: string;
  private readonly now: () => Date;

  constructor({ client, groupName, targetArn, roleArn, now = () => new Date() }: EventBridgeSwitchSchedulerOptions) {
    this.client = client;
    this.groupName = groupName;
    this.targetArn = targetArn;
    this.roleArn = roleArn;
    this.now = now;
  }

  async replace(accountId: string, switcherId: string, entries: readonly ScheduledSwitch[]): Promise<void> {
    for await (const page of paginateListSchedules({ client: this.client }, { GroupName: this.groupName, NamePrefix: `${switcherId}-` })) {
      for (const schedule of page.Schedules ?? []) {
        if (!schedule.Name) continue;
        try {
          await this.client.send(new DeleteScheduleCommand({ GroupName: this.groupName, Name: schedule.Name }));
        } catch (error) {
          // It ran (and deleted itself) meanwhile.
          if (!(error instanceof ResourceNotFoundException)) throw error;
        }
      }
    }
    const now = this.now().getTime();
    for (const entry of entries) {
      if (entry.ranAt || new Date(entry.at).getTime() <= now) continue;
      const input: ScheduledSwitchInput = { accountId, switcherId, entryId: entry.id };
      try {
        await this.client.send(
          new CreateScheduleCommand({
            GroupName: this.groupName,
            Name: scheduleName(switcherId, entry.id),
            Description: `${entry.bus} to ${entry.ingestId} (${entry.mode})`,
            ScheduleExpression: atExpression(entry.at),
            ScheduleExpressionTimezone: "UTC",
            FlexibleTimeWindow: { Mode: "OFF" },
            ActionAfterCompletion: "DELETE",
            Target: {
              Arn: this.targetArn,
              RoleArn: this.roleArn,
              Input: JSON.stringify(input),
              RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: MAXIMUM_LATENESS_SECONDS },
            },
          }),
        );
      } catch (error) {
        // A concurrent replace created the same entry (same switcher, same entry id).
        if (!(error instanceof ConflictException)) throw error;
      }
    }
  }
}
