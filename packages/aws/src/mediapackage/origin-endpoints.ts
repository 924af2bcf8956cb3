import type {
  CreateDashManifestConfiguration,
  CreateOriginEndpointRequest,
  DrmSystem,
  Encryption,
  EncryptionMethod,
} from "@aws-sdk/client-mediapackagev2";
import type { Latency } from "@visionstream/core/channels/channel";
import { spekeContentId } from "@visionstream/core/keys/speke-content-id";

/** The manifest names every channel serves: <endpoint>/master.m3u8 for HLS, <endpoint>/manifest.mpd for DASH. */
export const HLS_MANIFEST = "master";
export const DASH_MANIFEST = "manifest";

/** How much of the live edge a manifest lists; without a startover window the endpoints serve the live edge only. */
export const LIVE_WINDOW_SECONDS = 60;

/**
 * The origin endpoints of every packaging channel: HLS on TS, and one CMAF endpoint whose segments both its HLS
 * (fMP4) and its DASH manifest list, as the local engine's cmaf/ folder does. No Smooth Streaming: the ISM container
 * is not in the MediaPackage v2 model of @aws-sdk/client-mediapackagev2 3.699 (ContainerType is CMAF | TS), the only
 * version the registry offers, so a request for it could not be held to AWS's definitions.
 */
export const ORIGIN_ENDPOINTS = ["ts", "cmaf"] as const;
export type OriginEndpointName = (typeof ORIGIN_ENDPOINTS)[number];

/**
 * MediaPackage v2 rotates keys every 300 s at the least (Encryption.KeyRotationIntervalSeconds, 300..31536000 in the
 * API reference); a channel may ask for 60 s, which AWS serves as 300 s.
 */
export const KEY_ROTATION_SECONDS = { min: 300, max: 31_536_000 } as const;

/**
 * The DRM systems MediaPackage v2 accepts per container with SPEKE v2
 * (https://docs.aws.amazon.com/mediapackage/latest/userguide/encryption-choosing-speke-version.html): AES-128 clear
 * key is TS only; CMAF takes Widevine and PlayReady with cenc or cbcs, FairPlay with cbcs only. cbcs is the one scheme
 * that every player of the shared CMAF segments (HLS fMP4 and DASH) decrypts.
 */
export const TS_DRM_SYSTEMS: readonly DrmSystem[] = ["CLEAR_KEY_AES_128"];
export const CMAF_DRM_SYSTEMS: readonly DrmSystem[] = ["FAIRPLAY", "PLAYREADY", "WIDEVINE"];

/**
 * dash.js's own default time source: a low-latency DASH player needs the wall clock to hold its target latency, and
 * MediaPackage v2 has no time endpoint of its own.
 */
export const DASH_TIMING_SOURCE = "https://time.akamai.com/?iso&ms";

/** Our SPEKE v2 key server: its API Gateway URL and the role MediaPackage assumes to call it. */
export interface SpekeKeyServer {
  url: string;
  roleArn: string;
}

export interface OriginEndpointTarget {
  channelGroup: string;
  channelName: string;
  endpoint: OriginEndpointName;
}

export interface OriginEndpointSettings {
  segmentSeconds: number;
  latency?: Latency;
  /** Absent: served in the clear. */
  encryption?: {
    keyRotationSeconds: number;
    /** The channel whose keys these are: MediaPackage names it to the key server (ResourceId <channelId>_<endpoint>). */
    channelId: string;
    keyServer: SpekeKeyServer;
  };
}

export function createOriginEndpointRequest(
  { channelGroup, channelName, endpoint }: OriginEndpointTarget,
  { segmentSeconds, latency = "normal", encryption }: OriginEndpointSettings,
): CreateOriginEndpointRequest {
  const target = { ChannelGroupName: channelGroup, ChannelName: channelName, OriginEndpointName: endpoint };
  const manifest = { ManifestName: HLS_MANIFEST, ManifestWindowSeconds: LIVE_WINDOW_SECONDS };
  switch (endpoint) {
    case "ts":
      // HLS on TS stays at normal latency, as locally: it is the format for players that need nothing newer.
      return {
        ...target,
        ContainerType: "TS",
        Segment: segment(segmentSeconds, encryption && spekeEncryption(endpoint, { TsEncryptionMethod: "AES_128" }, TS_DRM_SYSTEMS, encryption)),
        HlsManifests: [manifest],
      };
    case "cmaf":
      return {
        ...target,
        ContainerType: "CMAF",
        Segment: segment(segmentSeconds, encryption && spekeEncryption(endpoint, { CmafEncryptionMethod: "CBCS" }, CMAF_DRM_SYSTEMS, encryption)),
        // Low latency in MediaPackage v2's model is LL-HLS (partial segments, blocking reload); its DASH has no chunked
        // CMAF setting, only the timing a player follows to stay close to the live edge.
        ...(latency === "low" ? { LowLatencyHlsManifests: [manifest] } : { HlsManifests: [manifest] }),
        DashManifests: [dashManifest(segmentSeconds, latency)],
      };
  }
}

const segment = (segmentSeconds: number, encryption: Encryption | undefined) => ({
  SegmentDurationSeconds: segmentSeconds,
  ...(encryption && { Encryption: encryption }),
});

function dashManifest(segmentSeconds: number, latency: Latency): CreateDashManifestConfiguration {
  const manifest = { ManifestName: DASH_MANIFEST, ManifestWindowSeconds: LIVE_WINDOW_SECONDS };
  if (latency !== "low") return manifest;
  return {
    ...manifest,
    MinUpdatePeriodSeconds: segmentSeconds,
    MinBufferTimeSeconds: segmentSeconds,
    // Two segments behind the edge: the one being published and the one before it.
    SuggestedPresentationDelaySeconds: 2 * segmentSeconds,
    UtcTiming: { TimingMode: "HTTP_ISO", TimingSource: DASH_TIMING_SOURCE },
  };
}

/**
 * SPEKE v2 with one key per key period for audio and video alike (SHARED), as the local packager encrypts: TS muxes
 * audio with video in one segment, and one key keeps the key server's answer the same for every track. The ResourceId
 * tells the endpoints apart (MediaPackage refuses one ResourceId on two encryption processes at once); the keys depend
 * on the channel only.
 */
function spekeEncryption(
  endpoint: OriginEndpointName,
  method: EncryptionMethod,
  drmSystems: readonly DrmSystem[],
  { keyRotationSeconds, channelId, keyServer }: NonNullable<OriginEndpointSettings["encryption"]>,
): Encryption {
  return {
    EncryptionMethod: method,
    KeyRotationIntervalSeconds: Math.min(KEY_ROTATION_SECONDS.max, Math.max(KEY_ROTATION_SECONDS.min, keyRotationSeconds)),
    SpekeKeyProvider: {
      EncryptionContractConfiguration: { PresetSpeke20Audio: "SHARED", PresetSpeke20Video: "SHARED" },
      ResourceId: spekeContentId(channelId, endpoint),
      DrmSystems: [...drmSystems],
      RoleArn: keyServer.roleArn,
      Url: keyServer.url,
    },
  };
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
