import type { Broadcasts } from "@visionstream/core";
import { type IceOptions, startWhipServer, type WhipServer } from "@visionstream/whip";
import { WHIP_CHANNELS_PATH } from "./api/broadcasts.ts";
import { domainErrorResponse } from "./api/errors.ts";
import { Logger } from "@aws-lambda-powertools/logger";

/** Its own logger: the gateway is no Lambda, and must not carry a function's context into its lines. */
const logger = new Logger({ serviceName: "visionstream-whip" });

export interface WhipGatewayDeps {
  broadcasts: Broadcasts;
  host: string;
  port: number;
  ice?: IceOptions;
  ffmpegPath?: string;
  /** Proxies in front that append to X-Forwarded-For (AWS: CloudFront and the load balancer, 2). */
  forwardedHops?: number;
}

/**
 * The WHIP gateway (the same in a container in AWS and in the local runtime): a browser's broadcast, with a token bound
 * to its channel, is published to the channel's own RTMP ingest (both endpoints of a STANDARD channel) with its H.264 as
 * sent and its Opus as AAC; the channel's ladder, packaging, recording and idle stop follow as for any RTMP publisher.
 */
export function startWhipGateway(deps: WhipGatewayDeps): Promise<WhipServer> {
  return startWhipServer({
    host: deps.host,
    port: deps.port,
    prefix: WHIP_CHANNELS_PATH,
    ...(deps.ice ? { ice: deps.ice } : {}),
    ...(deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {}),
    ...(deps.forwardedHops ? { forwardedHops: deps.forwardedHops } : {}),
    async publishTarget({ endpoint, token, remoteAddress }) {
      const { channel, ingest } = await deps.broadcasts.publishTarget(token, { channelId: endpoint, remoteAddress });
      const streamKeys = ingest.flatMap((endpoint) => (endpoint.streamKey ? [endpoint.streamKey] : []));
      return {
        key: channel.id,
        rtmpUrls: ingest.map((endpoint) => `${endpoint.url}/${endpoint.streamKey ?? ""}`),
        secrets: streamKeys,
      };
    },
    errorResponse: domainErrorResponse,
    onEvent(event) {
      if (event.type === "refused") logger.warn("broadcast refused", { remoteAddress: event.remoteAddress, reason: event.reason });
      else logger.info(event.type === "started" ? "broadcast started" : "broadcast ended", { sessionId: event.sessionId, channelId: event.endpoint, remoteAddress: event.remoteAddress, reason: event.reason });
    },
  });
}
