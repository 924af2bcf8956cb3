import { join } from "node:path";
import type { Ladder } from "@visionstream/core/channels/ladder";
import { h264Settings } from "./h264.ts";
import { VARIANT_PLAYLIST } from "./master-playlist.ts";

/** Where the media comes from: ffmpeg input arguments, and which of its streams carry the picture and the sound. */
export interface MediaInput {
  args: string[];
  /** ffmpeg stream specifier with input index; "0:v:0" unless told. */
  video?: string;
  /** ffmpeg stream specifier with input index; "0:a:0" unless told. */
  audio?: string;
}

/**
 * FLV (what RTMP carries), read from a pipe or URL. ffmpeg would otherwise probe about 1.5 s of a live stream before
 * starting; half a second is enough to see both streams of an FLV and takes 0.7 s off glass-to-glass latency.
 */
export function flvInput(source = "pipe:0"): MediaInput {
  return { args: ["-analyzeduration", "500000", "-f", "flv", "-i", source] };
}

export type X264Preset = "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium";

export interface LadderArgumentsOptions {
  ladder: Ladder;
  input: MediaInput;
  liveDir: string;
  /** Number of the first segment this run writes, the same on every rendition. */
  startNumber: number;
  /** This run continues an earlier one: its first segment opens with #EXT-X-DISCONTINUITY. */
  discontinuity: boolean;
  preset?: X264Preset;
}

/** ffmpeg writes its progress (frame=, out_time_us=, speed=, progress=) to this file descriptor. */
export const PROGRESS_FD = 3;

export const SEGMENT_PATTERN = "seg_%05d.ts";

const HLS_LIST_SIZE = 10;

/**
 * One ffmpeg, one decode, the whole ladder: the picture is split into one branch per rendition, each letterboxed or
 * pillarboxed to its size, and every rendition is cut into segments at the same IDR frames.
 *
 * x264 runs frame threads instead of zerolatency's sliced threads: ffmpeg 5.1 calls the encoders one after the other
 * from one thread, and sliced encoding left a core idle (1.44x real time against 1.64x on 2 cores), for about two
 * frames of delay.
 *
 * A restart does not use ffmpeg's append_list: ffmpeg 5.1 then numbers new segments from the old playlist's length
 * (skipping numbers) and discont_start tags the oldest listed segment. Without it, every rendition starts at exactly
 * startNumber and discont_start tags the first new segment.
 */
export function ladderArguments({ ladder, input, liveDir, startNumber, discontinuity, preset = "superfast" }: LadderArgumentsOptions): string[] {
  const { renditions, segmentSeconds } = ladder;
  const count = renditions.length;
  const videoIn = input.video ?? "0:v:0";
  const audioIn = input.audio ?? "0:a:0";

  const branches = renditions.map(({ width: w, height: h, fps }, i) =>
    [
      `[picture${i}]fps=${fps}`,
      // bilinear: measured here 1.70–1.75x real time for the ladder against 1.55x with the default bicubic
      `scale=${w}:${h}:flags=bilinear:force_original_aspect_ratio=decrease`,
      `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2`,
      `setsar=1`,
      `format=yuv420p[v${i}]`,
    ].join(","),
  );
  const graph = [
    `[${videoIn}]split=${count}${renditions.map((_, i) => `[picture${i}]`).join("")}`,
    ...branches,
    `[${audioIn}]aresample=${ladder.audioSampleRate}:async=1,aformat=sample_fmts=fltp:channel_layouts=stereo,` +
      `asplit=${count}${renditions.map((_, i) => `[a${i}]`).join("")}`,
  ].join(";");

  const perRendition = renditions.flatMap((rendition, i) => {
    const video = h264Settings(ladder, rendition);
    return [
      "-map", `[v${i}]`,
      "-map", `[a${i}]`,
      `-b:v:${i}`, `${video.bitrateKbps}k`,
      `-maxrate:v:${i}`, `${video.maxrateKbps}k`,
      `-bufsize:v:${i}`, `${video.bufsizeKbits}k`,
      `-profile:v:${i}`, rendition.h264Profile,
      `-level:v:${i}`, video.level,
      `-g:v:${i}`, String(video.gopFrames),
      `-keyint_min:v:${i}`, String(video.gopFrames),
      `-b:a:${i}`, `${rendition.audioBitrateKbps}k`,
    ];
  });

  const hlsFlags = ["delete_segments", "independent_segments", "temp_file", "program_date_time"];
  if (discontinuity) hlsFlags.push("discont_start");

  return [
    "-hide_banner", "-nostats", "-loglevel", "level+warning", "-y",
    "-progress", `pipe:${PROGRESS_FD}`, "-stats_period", "0.5",
    ...input.args,
    "-filter_complex", graph,
    ...perRendition,
    "-c:v", "libx264", "-preset", preset, "-tune", "zerolatency", "-x264-params", "sliced-threads=0",
    "-sc_threshold", "0", "-flags:v", "+cgop",
    "-force_key_frames:v", `expr:gte(t,n_forced*${segmentSeconds})`,
    "-c:a", "aac", "-ar", String(ladder.audioSampleRate), "-ac", "2",
    "-f", "hls",
    "-hls_time", String(segmentSeconds),
    "-hls_list_size", String(HLS_LIST_SIZE),
    "-hls_flags", hlsFlags.join("+"),
    "-hls_segment_type", "mpegts",
    "-start_number", String(startNumber),
    "-hls_segment_filename", join(liveDir, "%v", SEGMENT_PATTERN),
    "-var_stream_map", renditions.map((rendition, i) => `v:${i},a:${i},name:${rendition.name}`).join(" "),
    join(liveDir, "%v", VARIANT_PLAYLIST),
  ];
}
