import type { CreateOriginEndpointRequest } from "@aws-sdk/client-mediapackagev2";

/** The manifest names every channel serves: <endpoint>/master.m3u8 for HLS, <endpoint>/manifest.mpd for DASH. */
export const HLS_MANIFEST = "master";
export const DASH_MANIFEST = "manifest";

/** How much of the live edge a manifest lists; without a startover window the endpoints serve the live edge only. */
export const LIVE_WINDOW_SECONDS = 60;

/** The origin endpoints of every packaging channel: HLS on TS, HLS on CMAF, DASH on CMAF. */
export const ORIGIN_ENDPOINTS = ["ts", "cmaf", "dash"] as const;
export type OriginEndpointName = (typeof ORIGIN_ENDPOINTS)[number];

export interface OriginEndpointTarget {
  channelGroup: string;
  channelName: string;
  endpoint: OriginEndpointName;
}

export function createOriginEndpointRequest(
  { channelGroup, channelName, endpoint }: OriginEndpointTarget,
  { segmentSeconds }: { segmentSeconds: number },
): CreateOriginEndpointRequest {
  const target = { ChannelGroupName: channelGroup, ChannelName: channelName, OriginEndpointName: endpoint };
  const Segment = { SegmentDurationSeconds: segmentSeconds };
  const hls = { HlsManifests: [{ ManifestName: HLS_MANIFEST, ManifestWindowSeconds: LIVE_WINDOW_SECONDS }] };
  switch (endpoint) {
    case "ts":
      return { ...target, ContainerType: "TS", Segment, ...hls };
    case "cmaf":
      return { ...target, ContainerType: "CMAF", Segment, ...hls };
    case "dash":
      return {
        ...target,
        ContainerType: "CMAF",
        Segment,
        DashManifests: [{ ManifestName: DASH_MANIFEST, ManifestWindowSeconds: LIVE_WINDOW_SECONDS }],
      };
  }
}

/** arn:aws:mediapackagev2:<region>:<account>:channelGroup/<group>/channel/<channel>/originEndpoint/<endpoint> */
export const originEndpointArn = (channelArn: string, endpoint: OriginEndpointName) =>
  `${channelArn}/originEndpoint/${endpoint}`;

/**
 * The endpoint policy that lets only the account's CloudFront distribution read, through its origin access control
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-mediapackage.html).
 */
export function cloudFrontReadPolicy(endpointArn: string, distributionArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowAccountDistribution",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: ["mediapackagev2:GetObject", "mediapackagev2:GetHeadObject"],
        Resource: endpointArn,
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ],
  });
}
