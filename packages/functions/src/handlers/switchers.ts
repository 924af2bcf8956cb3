import { ScheduledSwitchInput, type Switchers } from "@visionstream/core";
import { MediaConnectSourceHealth, SwitcherApplyRequestedEvent } from "@visionstream/events";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";

/** "MediaConnect Source Health" of an ingest flow → its loss reported on the switcher, and the fallback put on air. */
export const switcherSourceHealthHandler = (switchers: Switchers) =>
  eventHandler(MediaConnectSourceHealth, async (event) => {
    await switchers.onSourceHealth(event);
    logger.info("switcher source health handled", { flowArn: event.resources[0], unhealthy: event.detail.unhealthy });
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
