import type { Accounts, Channels, Switchers } from "@visionstream/core";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";

/**
 * Scheduled (every minute): commands and deletions that made no progress for a while get their next step asked for
 * again — a step left "pending" by the engine (MediaLive reports no event after an update), or one cut short by a
 * timeout. The schedule's event carries nothing to read.
 */
export const resumePendingWorkHandler = (channels: Channels, accounts: Accounts, switchers: Switchers) =>
  eventHandler(null, async () => {
    const channelIds = await channels.resumePending();
    const accountIds = await accounts.resumeDeletions();
    const switcherIds = await switchers.resumeApplying();
    logger.info("pending work resumed", { channelIds, accountIds, switcherIds });
  });
