import type {
  AudioDescription,
  EncoderSettings,
  H264Profile,
  OutputGroup,
  VideoDescription,
} from "@aws-sdk/client-medialive";
import type { Ladder, Rendition } from "@visionstream/core/channels/ladder";

/** Ids of the channel's output destinations, which the output groups refer to. */
export const RECORDING_DESTINATION = "recording";
export const LIVE_DESTINATION = "live";

/** The input's audio selector that every audio encode reads; the channel's input attachment declares it. */
export const AUDIO_SELECTOR = "program";

/** Where a channel records until its first start names a session. */
export const UNSTARTED_SESSION = "unstarted";

const H264_PROFILE: Record<Rendition["h264Profile"], H264Profile> = {
  baseline: "BASELINE",
  main: "MAIN",
  high: "HIGH",
};

export const videoDescriptionName = (rendition: Rendition) => `video_${rendition.name}`;
export const audioDescriptionName = (rendition: Rendition) => `audio_${rendition.name}`;

/**
 * The HLS group's destination has no base file name, so that a rendition's files are
 * recordings/<channelId>/<sessionId>/<rendition>/seg.m3u8 and .../<rendition>/seg_000001.ts
 * (MediaLive appends "_", a six-digit counter and ".ts" to base file name + name modifier).
 */
export const recordingDestinationUrl = (bucketName: string, channelId: string, sessionId: string) =>
  `s3ssl://${bucketName}/recordings/${channelId}/${sessionId}/`;

export const recordingNameModifier = (rendition: Rendition) => `${rendition.name}/seg`;

/**
 * The channel's encodes and outputs, one H.264 + AAC encode per rung of the ladder, shared by two output groups:
 * the recording (HLS to the account's bucket) and live (to MediaPackage).
 * A GOP lasts exactly one segment and scene changes insert no IDR, so every segment of every rendition opens on an IDR.
 */
export function encoderSettings(ladder: Ladder, { segmentSeconds }: { segmentSeconds: number } = ladder): EncoderSettings {
  return {
    TimecodeConfig: { Source: "SYSTEMCLOCK" },
    VideoDescriptions: ladder.renditions.map((rendition) => videoDescription(rendition, segmentSeconds)),
    AudioDescriptions: ladder.renditions.map((rendition) => audioDescription(rendition, ladder.audioSampleRate)),
    OutputGroups: [recordingGroup(ladder.renditions, segmentSeconds), liveGroup(ladder.renditions)],
  };
}

function videoDescription(rendition: Rendition, segmentSeconds: number): VideoDescription {
  return {
    Name: videoDescriptionName(rendition),
    Width: rendition.width,
    Height: rendition.height,
    // Letterbox or pillarbox into the rung's frame, never stretch.
    ScalingBehavior: "DEFAULT",
    RespondToAfd: "NONE",
    CodecSettings: {
      H264Settings: {
        Profile: H264_PROFILE[rendition.h264Profile],
        RateControlMode: "CBR",
        Bitrate: rendition.videoBitrateKbps * 1000,
        FramerateControl: "SPECIFIED",
        FramerateNumerator: rendition.fps,
        FramerateDenominator: 1,
        ParControl: "SPECIFIED",
        ParNumerator: 1,
        ParDenominator: 1,
        GopSize: segmentSeconds,
        GopSizeUnits: "SECONDS",
        GopClosedCadence: 1,
        SceneChangeDetect: "DISABLED",
        ScanType: "PROGRESSIVE",
        AfdSignaling: "NONE",
        TimecodeInsertion: "DISABLED",
      },
    },
  };
}

function audioDescription(rendition: Rendition, sampleRate: number): AudioDescription {
  return {
    Name: audioDescriptionName(rendition),
    AudioSelectorName: AUDIO_SELECTOR,
    CodecSettings: {
      AacSettings: {
        Profile: "LC",
        RateControlMode: "CBR",
        Bitrate: rendition.audioBitrateKbps * 1000,
        SampleRate: sampleRate,
        CodingMode: "CODING_MODE_2_0",
      },
    },
  };
}

function recordingGroup(renditions: Rendition[], segmentSeconds: number): OutputGroup {
  return {
    Name: "recording",
    OutputGroupSettings: {
      HlsGroupSettings: {
        Destination: { DestinationRefId: RECORDING_DESTINATION },
        HlsCdnSettings: { HlsS3Settings: {} },
        // VOD keeps every segment in the playlist and closes it with EXT-X-ENDLIST when the channel stops.
        Mode: "VOD",
        // No main manifest: it would be named ".m3u8" beside the rendition folders.
        OutputSelection: "VARIANT_MANIFESTS_AND_SEGMENTS",
        DirectoryStructure: "SINGLE_DIRECTORY",
        SegmentLength: segmentSeconds,
        SegmentationMode: "USE_SEGMENT_DURATION",
        IndexNSegments: 10,
        KeepSegments: 21,
        TsFileMode: "SEGMENTED_FILES",
        ManifestDurationFormat: "FLOATING_POINT",
        ProgramDateTime: "INCLUDE",
        ProgramDateTimeClock: "SYSTEM_CLOCK",
        StreamInfResolution: "INCLUDE",
      },
    },
    Outputs: renditions.map((rendition) => ({
      OutputName: `recording_${rendition.name}`,
      VideoDescriptionName: videoDescriptionName(rendition),
      AudioDescriptionNames: [audioDescriptionName(rendition)],
      OutputSettings: {
        HlsOutputSettings: {
          NameModifier: recordingNameModifier(rendition),
          HlsSettings: { StandardHlsSettings: { M3u8Settings: {} } },
        },
      },
    })),
  };
}

function liveGroup(renditions: Rendition[]): OutputGroup {
  return {
    Name: "live",
    OutputGroupSettings: {
      MediaPackageGroupSettings: { Destination: { DestinationRefId: LIVE_DESTINATION } },
    },
    Outputs: renditions.map((rendition) => ({
      OutputName: `live_${rendition.name}`,
      VideoDescriptionName: videoDescriptionName(rendition),
      AudioDescriptionNames: [audioDescriptionName(rendition)],
      OutputSettings: { MediaPackageOutputSettings: {} },
    })),
  };
}
