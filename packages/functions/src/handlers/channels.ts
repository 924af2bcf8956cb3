import type { Channels, Recordings } from "@visionstream/core";
import { ChannelStepRequestedEvent, MediaLiveChannelAlert, MediaLiveChannelStateChange } from "@visionstream/events";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";

/** "MediaLive Channel State Change" → the channel's state. */
export const channelStateChangedHandler = (channels: Channels) =>
  eventHandler(MediaLiveChannelStateChange, async (event) => {
    const channel = await channels.onStateChange(event);
    logger.info("channel state change handled", { channelArn: event.detail.channel_arn, reported: event.detail.state, channelId: channel?.id, state: channel?.state });
  });

/** "MediaLive Channel Alert" → input loss noted on the channel (or cleared) and as a gap of the recording. */
export const channelAlertHandler = (channels: Channels, recordings: Recordings) =>
  eventHandler(MediaLiveChannelAlert, async (event) => {
    const channel = await channels.onAlert(event);
    await recordings.onInputAlert(event);
    const { channel_arn: channelArn, alert_type: alertType, alarm_state: alarmState } = event.detail;
    logger.info("channel alert handled", { channelArn, alertType, alarmState, channelId: channel?.id });
  });

/** Scheduled: running channels without input for too long are stopped. The schedule's event carries nothing to read. */
export const stopIdleChannelsHandler = (channels: Channels) =>
  eventHandler(null, async () => {
    const stopped = await channels.stopIdle();
    logger.info("idle channels stopped", { stopped });
  });

/** ChannelStepRequested → the next step of the channel's start, stop or deletion (a few requests; events bring the rest). */
export const channelStepHandler = (channels: Channels) =>
  eventHandler(ChannelStepRequestedEvent, async (event) => {
    const { accountId, channelId } = event.detail;
    const channel = await channels.step(accountId, channelId);
    logger.info("channel step handled", { accountId, channelId, state: channel?.state, pending: channel?.command?.name });
  });
