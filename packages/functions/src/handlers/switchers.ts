import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import middy from "@middy/core";
import { ScheduledSwitchInput, type Switchers } from "@visionstream/core";
import { MediaConnectSourceHealth } from "@visionstream/events";
import { logger } from "../logger.ts";

/** "MediaConnect Source Health" of an ingest flow → its loss reported on the switcher, and the fallback put on air. */
export function switcherSourceHealthHandler(switchers: Switchers) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(parser({ schema: MediaConnectSourceHealth }))
    .handler(async (event) => {
      await switchers.onSourceHealth(event);
      logger.info("switcher source health handled", { flowArn: event.resources[0], unhealthy: event.detail.unhealthy });
    });
}

/** A lineup entry is due (EventBridge Scheduler in AWS, a timer locally): the same switch an operator makes. */
export function scheduledSwitchHandler(switchers: Switchers) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(parser({ schema: ScheduledSwitchInput }))
    .handler(async (input) => {
      await switchers.runScheduled(input);
      logger.info("scheduled switch handled", { switcherId: input.switcherId, entryId: input.entryId });
    });
}
