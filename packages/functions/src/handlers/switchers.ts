import { ScheduledSwitchInput, type Switchers } from "@visionstream/core";
import { switcherOfFlowArn, switcherOfStackName } from "@visionstream/core/switcher/switcher";
import {
  CloudFormationStackStatusChange,
  MediaConnectFlowStatusChange,
  MediaConnectSourceHealth,
  sourceStateOf,
  stackNameOf,
  SwitcherApplyRequestedEvent,
} from "@visionstream/events";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";

/** "MediaConnect Source Health" of an ingest flow, from any region → its warnings or its loss on the switcher, and the fallback put on air. */
export const switcherSourceHealthHandler = (switchers: Switchers) =>
  eventHandler(MediaConnectSourceHealth, async (event) => {
    await switchers.onSourceHealth(event);
    logger.info("switcher source health handled", { flowArn: event.resources[0], region: event.region, state: sourceStateOf(event.detail.current), unhealthy: event.detail.unhealthy });
  });

/** A lineup entry is due (EventBridge Scheduler in AWS, a timer locally): the same switch an operator makes. */
export const scheduledSwitchHandler = (switchers: Switchers) =>
  eventHandler(ScheduledSwitchInput, async (input) => {
    await switchers.runScheduled(input);
    logger.info("scheduled switch handled", { switcherId: input.switcherId, entryId: input.entryId });
  });

/** SwitcherApplyRequested → the engine runs the switcher's stored architecture; APPLIED or APPLY_FAILED. */
export const switcherApplyHandler = (switchers: Switchers) =>
  eventHandler(SwitcherApplyRequestedEvent, async (event) => {
    const { accountId, switcherId } = event.detail;
    const switcher = await switchers.applyStored(accountId, switcherId);
    logger.info("switcher apply handled", { accountId, switcherId, applyState: switcher?.applyState });
  });

/** A switcher's stack was created or updated (in any of its regions): its flows are started and its buses pointed. */
export const switcherStackDeployedHandler = (switchers: Switchers) =>
  eventHandler(CloudFormationStackStatusChange, async (event) => {
    const stackName = stackNameOf(event.detail["stack-id"]) ?? "";
    const switcherId = switcherOfStackName(stackName);
    if (!switcherId) {
      logger.info("not a switcher's stack", { stackName });
      return;
    }
    const switcher = await switchers.onFlowsChanged(switcherId);
    logger.info("switcher stack deployed", { stackName, switcherId, status: event.detail["status-details"].status, known: Boolean(switcher) });
  });

/** A switcher's flow went (back) to STANDBY: the switcher starts it again. */
export const switcherFlowStandbyHandler = (switchers: Switchers) =>
  eventHandler(MediaConnectFlowStatusChange, async (event) => {
    const switcherId = switcherOfFlowArn(event.resources[0] ?? "");
    if (!switcherId) return;
    const switcher = await switchers.onFlowsChanged(switcherId);
    logger.info("switcher flow in standby", { flowArn: event.resources[0], switcherId, known: Boolean(switcher) });
  });
