import type {
  AudioDescription,
  EncoderSettings,
  H264Profile,
  OutputGroup,
  VideoDescription,
} from "@aws-sdk/client-medialive";
import type { Ladder, Rendition } from "@visionstream/core/channels/ladder";
import { recordingNameModifier } from "./recording-layout.ts";

/** Ids of the channel's output destinations, which the output groups refer to. */
export const RECORDING_DESTINATION = "recording";
export const LIVE_DESTINATION = "live";

/** The input's audio selector that every audio encode reads; the channel's input attachment declares it. */
export const AUDIO_SELECTOR = "program";

const H264_PROFILE: Record<Rendition["h264Profile"], H264Profile> = {
  baseline: "BASELINE",
  main: "MAIN",
  high: "HIGH",
};

export const videoDescriptionName = (rendition: Rendition) => `video_${rendition.name}`;
export const audioDescriptionName = (rendition: Rendition) => `audio_${rendition.name}`;

/**
 * The channel's encodes and outputs, one H.264 + AAC encode per rung of the ladder, shared by two output groups:
 * the recording (HLS to the account's bucket, laid out as ./recording-layout.ts says) and live (to MediaPackage v2).
 * A GOP lasts exactly one segment and scene changes insert no IDR, so every segment of every rendition opens on an IDR.
 */
export function encoderSettings(ladder: Ladder, { segmentSeconds }: { segmentSeconds: number } = ladder): EncoderSettings {
  return {
    TimecodeConfig: { Source: "SYSTEMCLOCK" },
    VideoDescriptions: ladder.renditions.map((rendition) => videoDescription(rendition, segmentSeconds)),
    AudioDescriptions: ladder.renditions.map((rendition) => audioDescription(rendition, ladder.audioSampleRate)),
    OutputGroups: [recordingGroup(ladder.renditions, segmentSeconds), liveGroup(ladder.renditions, segmentSeconds)],
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
        // No main manifest: the recording is joined from one rendition's playlist.
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
          NameModifier: recordingNameModifier(rendition.name),
          HlsSettings: { StandardHlsSettings: { M3u8Settings: {} } },
        },
      },
    })),
  };
}

/**
 * MediaPackage v2 takes CMAF ingest: a destination naming a channel group and channel makes the group a v2 one
 * (https://docs.aws.amazon.com/medialive/latest/ug/creating-mediapackage-output-group.html), and each track is an
 * output of its own: one video output per rung and one audio output per distinct audio bitrate, which MediaPackage
 * offers as the audio rendition group of every variant.
 */
function liveGroup(renditions: Rendition[], segmentSeconds: number): OutputGroup {
  const audio = renditions.filter(
    (rendition, index) => renditions.findIndex((other) => other.audioBitrateKbps === rendition.audioBitrateKbps) === index,
  );
  return {
    Name: "live",
    OutputGroupSettings: {
      MediaPackageGroupSettings: {
        Destination: { DestinationRefId: LIVE_DESTINATION },
        MediapackageV2GroupSettings: { SegmentLength: segmentSeconds, SegmentLengthUnits: "SECONDS" },
      },
    },
    Outputs: [
      ...renditions.map((rendition) => ({
        OutputName: `live_${videoDescriptionName(rendition)}`,
        VideoDescriptionName: videoDescriptionName(rendition),
        OutputSettings: { MediaPackageOutputSettings: {} },
      })),
      ...audio.map((rendition) => ({
        OutputName: `live_${audioDescriptionName(rendition)}`,
        AudioDescriptionNames: [audioDescriptionName(rendition)],
        OutputSettings: { MediaPackageOutputSettings: {} },
      })),
    ],
  };
}
