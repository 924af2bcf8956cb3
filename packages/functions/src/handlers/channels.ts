import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import middy from "@middy/core";
import type { Channels, Recordings } from "@visionstream/core";
import { MediaLiveChannelAlert, MediaLiveChannelStateChange } from "@visionstream/events";
import { logger } from "../logger.ts";

/** "MediaLive Channel State Change" → the channel's state. */
export function channelStateChangedHandler(channels: Channels) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(parser({ schema: MediaLiveChannelStateChange }))
    .handler(async (event) => {
      const channel = await channels.onStateChange(event);
      logger.info("channel state change handled", {
        channelArn: event.detail.channel_arn,
        reported: event.detail.state,
        channelId: channel?.id,
        state: channel?.state,
      });
    });
}

/** "MediaLive Channel Alert" → input loss noted on the channel (or cleared) and as a gap of the recording. */
export function channelAlertHandler(channels: Channels, recordings: Recordings) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(parser({ schema: MediaLiveChannelAlert }))
    .handler(async (event) => {
      const channel = await channels.onAlert(event);
      await recordings.onInputAlert(event);
      logger.info("channel alert handled", {
        channelArn: event.detail.channel_arn,
        alertType: event.detail.alert_type,
        alarmState: event.detail.alarm_state,
        channelId: channel?.id,
      });
    });
}

/** Scheduled: running channels without input for too long are stopped. */
export function stopIdleChannelsHandler(channels: Channels) {
  return middy()
    .use(injectLambdaContext(logger))
    .handler(async () => {
      const stopped = await channels.stopIdle();
      logger.info("idle channels stopped", { stopped });
    });
}
