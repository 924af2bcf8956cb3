import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { EventBridgeSwitchScheduler } from "@visionstream/aws/scheduler/switch-scheduler";
import type { AdapterFactory } from "./context.ts";

/** Scheduled switches as EventBridge Scheduler schedules. */
export const switchScheduler: AdapterFactory<"scheduler"> = ({ config }) =>
  new EventBridgeSwitchScheduler({
    client: new SchedulerClient({ region: config.AWS_REGION }),
    groupName: config.VISIONSTREAM_SWITCH_SCHEDULE_GROUP,
    targetArn: config.VISIONSTREAM_SCHEDULED_SWITCH_ARN,
    roleArn: config.VISIONSTREAM_SCHEDULER_ROLE_ARN,
  });
