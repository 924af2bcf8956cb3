import { DEFAULT_LADDER, type Ladder } from "@visionstream/core/channels/ladder";
import { describe, expect, it } from "vitest";
import { AUDIO_SELECTOR, encoderSettings } from "./encoder-settings.ts";

describe("encoderSettings", () => {
  const settings = encoderSettings(DEFAULT_LADDER, { segmentSeconds: 2 });

  it("encodes the four rungs of the ladder at 30 fps with 2-second closed GOPs", () => {
    const videos = settings.VideoDescriptions ?? [];

    expect(videos.map(({ Width, Height }) => `${Width}x${Height}`)).toEqual([
      "1920x1080",
      "1280x720",
      "640x480",
      "320x240",
    ]);
    for (const video of videos) {
      expect(video.CodecSettings?.H264Settings).toMatchObject({
        FramerateControl: "SPECIFIED",
        FramerateNumerator: 30,
        FramerateDenominator: 1,
        GopSize: 2,
        GopSizeUnits: "SECONDS",
        GopClosedCadence: 1,
        SceneChangeDetect: "DISABLED",
        RateControlMode: "CBR",
        ScanType: "PROGRESSIVE",
      });
    }
    expect(videos.map((video) => video.CodecSettings?.H264Settings?.Bitrate)).toEqual([
      5_000_000, 3_000_000, 1_200_000, 400_000,
    ]);
    expect(videos.map((video) => video.CodecSettings?.H264Settings?.Profile)).toEqual([
      "HIGH",
      "HIGH",
      "MAIN",
      "BASELINE",
    ]);
  });

  it("describes the 1080p rung exactly", () => {
    expect(settings.VideoDescriptions?.[0]).toStrictEqual({
      Name: "video_1080p",
      Width: 1920,
      Height: 1080,
      ScalingBehavior: "DEFAULT",
      RespondToAfd: "NONE",
      CodecSettings: {
        H264Settings: {
          Profile: "HIGH",
          RateControlMode: "CBR",
          Bitrate: 5_000_000,
          FramerateControl: "SPECIFIED",
          FramerateNumerator: 30,
          FramerateDenominator: 1,
          ParControl: "SPECIFIED",
          ParNumerator: 1,
          ParDenominator: 1,
          GopSize: 2,
          GopSizeUnits: "SECONDS",
          GopClosedCadence: 1,
          SceneChangeDetect: "DISABLED",
          ScanType: "PROGRESSIVE",
          AfdSignaling: "NONE",
          TimecodeInsertion: "DISABLED",
        },
      },
    });
  });

  it("encodes stereo AAC at 192, 192, 128 and 128 kbps, 48 kHz, from the input's audio selector", () => {
    const audios = settings.AudioDescriptions ?? [];

    expect(audios.map((audio) => audio.CodecSettings?.AacSettings?.Bitrate)).toEqual([
      192_000, 192_000, 128_000, 128_000,
    ]);
    expect(audios[3]).toStrictEqual({
      Name: "audio_240p",
      AudioSelectorName: AUDIO_SELECTOR,
      CodecSettings: {
        AacSettings: {
          Profile: "LC",
          RateControlMode: "CBR",
          Bitrate: 128_000,
          SampleRate: 48_000,
          CodingMode: "CODING_MODE_2_0",
        },
      },
    });
  });

  it("times with the system clock", () => {
    expect(settings.TimecodeConfig).toStrictEqual({ Source: "SYSTEMCLOCK" });
  });

  it("records HLS to the bucket, the rendition in each file's name", () => {
    const [recording] = settings.OutputGroups ?? [];

    expect(recording?.OutputGroupSettings).toStrictEqual({
      HlsGroupSettings: {
        Destination: { DestinationRefId: "recording" },
        HlsCdnSettings: { HlsS3Settings: {} },
        Mode: "VOD",
        OutputSelection: "VARIANT_MANIFESTS_AND_SEGMENTS",
        DirectoryStructure: "SINGLE_DIRECTORY",
        SegmentLength: 2,
        SegmentationMode: "USE_SEGMENT_DURATION",
        IndexNSegments: 10,
        KeepSegments: 21,
        TsFileMode: "SEGMENTED_FILES",
        ManifestDurationFormat: "FLOATING_POINT",
        ProgramDateTime: "INCLUDE",
        ProgramDateTimeClock: "SYSTEM_CLOCK",
        StreamInfResolution: "INCLUDE",
      },
    });
    expect(recording?.Outputs?.map((output) => output.OutputSettings?.HlsOutputSettings?.NameModifier)).toEqual([
      "_1080p",
      "_720p",
      "_480p",
      "_240p",
    ]);
    expect(recording?.Outputs?.[1]).toStrictEqual({
      OutputName: "recording_720p",
      VideoDescriptionName: "video_720p",
      AudioDescriptionNames: ["audio_720p"],
      OutputSettings: {
        HlsOutputSettings: {
          NameModifier: "_720p",
          HlsSettings: { StandardHlsSettings: { M3u8Settings: {} } },
        },
      },
    });
  });

  it("sends the same encodes live to MediaPackage v2, one track per output, in segments of the ladder's length", () => {
    const [, live] = settings.OutputGroups ?? [];

    expect(live?.OutputGroupSettings).toStrictEqual({
      MediaPackageGroupSettings: {
        Destination: { DestinationRefId: "live" },
        MediapackageV2GroupSettings: { SegmentLength: 2, SegmentLengthUnits: "SECONDS" },
      },
    });
    expect(live?.Outputs).toStrictEqual([
      ...["1080p", "720p", "480p", "240p"].map((name) => ({
        OutputName: `live_video_${name}`,
        VideoDescriptionName: `video_${name}`,
        OutputSettings: { MediaPackageOutputSettings: {} },
      })),
      // One audio track per distinct bitrate: 192 kbps (1080p, 720p) and 128 kbps (480p, 240p).
      ...["1080p", "480p"].map((name) => ({
        OutputName: `live_audio_${name}`,
        AudioDescriptionNames: [`audio_${name}`],
        OutputSettings: { MediaPackageOutputSettings: {} },
      })),
    ]);
  });

  it("follows the ladder given, and takes its segment length by default", () => {
    const ladder: Ladder = {
      renditions: [DEFAULT_LADDER.renditions[1]!],
      segmentSeconds: 4,
      audioSampleRate: 44_100,
    };

    const single = encoderSettings(ladder);

    expect(single.VideoDescriptions).toHaveLength(1);
    expect(single.VideoDescriptions?.[0]?.CodecSettings?.H264Settings?.GopSize).toBe(4);
    expect(single.AudioDescriptions?.[0]?.CodecSettings?.AacSettings?.SampleRate).toBe(44_100);
    expect(single.OutputGroups?.[0]?.OutputGroupSettings?.HlsGroupSettings?.SegmentLength).toBe(4);
  });
});
