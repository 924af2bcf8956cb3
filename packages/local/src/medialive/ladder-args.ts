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
 * starting; half a second is enough to see both streams of an FLV and takes 0.7 s off glass-to-glass latency. Nor does
 * it count frames to guess the frame rate (40 of them in FLV's millisecond time base, which the half second cut
 * short): the ladder sets its own rate, so probing ends once both streams are seen. Whatever the transcoder waits for
 * before its first picture stays in every viewer's latency: a DASH player times the stream from the first packet the
 * packager wrote. That took 0.5 s off a browser broadcast's glass-to-glass.
 */
export function flvInput(source = "pipe:0"): MediaInput {
  return { args: ["-analyzeduration", "500000", "-fpsprobesize", "0", "-f", "flv", "-i", source] };
}

/** The x264 presets a ladder may use, fastest first. */
export const X264_PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

/** The ladder's x264 preset unless told otherwise (bench/live/ladder-quality.ts and the README say why). */
export const DEFAULT_X264_PRESET: X264Preset = "superfast";

/** The next faster preset, or undefined for the fastest. */
export function fasterPreset(preset: X264Preset): X264Preset | undefined {
  const index = X264_PRESETS.indexOf(preset);
  return index > 0 ? X264_PRESETS[index - 1] : undefined;
}

export interface LadderArgumentsOptions {
  ladder: Ladder;
  input: MediaInput;
  liveDir: string;
  /** Number of the first segment this run writes, the same on every rendition. */
  startNumber: number;
  /** This run continues an earlier one: its first segment opens with #EXT-X-DISCONTINUITY. */
  discontinuity: boolean;
  preset?: X264Preset;
  /** "all" (the default): HLS-TS, and from the same encode CMAF (HLS and DASH) and, unless mss is false, MSS. */
  formats?: "all" | "hls-ts";
  /** "low": DASH on chunked CMAF (a fragment per frame, written as it is encoded) with low-latency signalling. */
  latency?: "normal" | "low";
  /** Smooth Streaming too (default true with formats "all"). */
  mss?: boolean;
  /** Where DASH players read the time (urn:mpeg:dash:utc:http-xsdate:2014); needed for low latency. */
  utcTimingUrl?: string;
  /** Latency dash.js aims for on a low-latency channel, in seconds. */
  targetLatencySeconds?: number;
  /**
   * The output starts this far into the input (seconds from its first timestamp), to the frame, at time 0 (a constant
   * frame rate output would otherwise repeat a first picture that came after 0): a transcoder that takes on a dropped one's
   * media from a keyframe before where that one's recording ended.
   */
  startAtSeconds?: number;
}

/** CMAF segments (for HLS fMP4 and DASH) under this folder of the live folder, Smooth Streaming under MSS_DIR. */
export const CMAF_DIR = "cmaf";
export const DASH_MANIFEST = "manifest.mpd";
/** The DASH manifest as ffmpeg writes it; DASH_MANIFEST, what viewers read, is made from it (mediapackage/dash-manifest.ts). */
export const DASH_ENCODER_MANIFEST = "encoder.mpd";
export const MSS_DIR = "mss";

/**
 * A value inside a tee muxer's slave options: the tee reads the slave's bracket once and its options once more, so
 * ":" (option separator), "\\" and "'" are escaped twice.
 */
function teeValue(value: string): string {
  const once = (text: string) => text.replace(/[\\:'\[\]|]/g, (character) => `\\${character}`);
  return once(once(value));
}

const slave = (options: Record<string, string | number>, target: string) =>
  `[${Object.entries(options).map(([name, value]) => `${name}=${teeValue(String(value))}`).join(":")}]${target}`;

/** ffmpeg writes its progress (frame=, out_time_us=, speed=, progress=) to this file descriptor. */
export const PROGRESS_FD = 3;

export const SEGMENT_PATTERN = "seg_%05d.ts";

const HLS_LIST_SIZE = 10;

/**
 * One ffmpeg, one decode, the whole ladder: the picture is split into one branch per rendition, each letterboxed or
 * pillarboxed to its size, and every rendition is cut into segments at the same IDR frames. The sound is encoded once
 * per distinct bitrate (the default ladder's 192 and 128 kb/s: two AAC encoders, not four; ffmpeg's AAC encoder took
 * 1.8–2.1 CPU s per minute of stereo here, on a busy machine) and the tee muxer hands each encode to every rendition
 * of that bitrate, which then carry the very same sound.
 *
 * x264 runs frame threads instead of zerolatency's sliced threads: ffmpeg 5.1 calls the encoders one after the other
 * from one thread, and sliced encoding left a core idle (1.44x real time against 1.64x on 2 cores), for about two
 * frames of delay.
 *
 * A restart does not use ffmpeg's append_list: ffmpeg 5.1 then numbers new segments from the old playlist's length
 * (skipping numbers) and discont_start tags the oldest listed segment. Without it, every rendition starts at exactly
 * startNumber and discont_start tags the first new segment.
 */
export function ladderArguments(options: LadderArgumentsOptions): string[] {
  const { ladder, input, liveDir, startNumber, discontinuity, preset = DEFAULT_X264_PRESET, formats = "all" } = options;
  const { renditions, segmentSeconds } = ladder;
  const count = renditions.length;
  const videoIn = input.video ?? "0:v:0";
  const audioIn = input.audio ?? "0:a:0";
  const sound = soundEncodes(ladder);
  const startAt = options.startAtSeconds ? options.startAtSeconds.toFixed(3) : undefined;

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
    `[${videoIn}]${startAt ? `trim=start=${startAt},setpts=PTS-STARTPTS,` : ""}split=${count}${renditions.map((_, i) => `[picture${i}]`).join("")}`,
    ...branches,
    `[${audioIn}]${startAt ? `atrim=start=${startAt},asetpts=PTS-STARTPTS,` : ""}aresample=${ladder.audioSampleRate}:async=1,aformat=sample_fmts=fltp:channel_layouts=stereo,` +
      `asplit=${sound.bitratesKbps.length}${sound.bitratesKbps.map((_, k) => `[a${k}]`).join("")}`,
  ].join(";");

  // Every picture first, then every sound: the CMAF and MSS outputs number their streams in this order.
  const maps = [...renditions.map((_, i) => ["-map", `[v${i}]`]), ...sound.bitratesKbps.map((_, k) => ["-map", `[a${k}]`])].flat();
  const perRendition = renditions.flatMap((rendition, i) => {
    const video = h264Settings(ladder, rendition);
    return [
      `-b:v:${i}`, `${video.bitrateKbps}k`,
      `-maxrate:v:${i}`, `${video.maxrateKbps}k`,
      `-bufsize:v:${i}`, `${video.bufsizeKbits}k`,
      `-profile:v:${i}`, rendition.h264Profile,
      `-level:v:${i}`, video.level,
      `-g:v:${i}`, String(video.gopFrames),
      `-keyint_min:v:${i}`, String(video.gopFrames),
    ];
  });
  const perSound = sound.bitratesKbps.flatMap((kbps, k) => [`-b:a:${k}`, `${kbps}k`]);

  const hlsFlags = ["delete_segments", "independent_segments", "temp_file", "program_date_time"];
  if (discontinuity) hlsFlags.push("discont_start");

  // One HLS output per rendition, with its picture and the sound of its bitrate: one HLS muxer with a variant per
  // rendition cannot give one sound to two variants.
  const hls = renditions.map(({ name }, i) =>
    slave(
      {
        f: "hls",
        select: `v:${i},a:${sound.ofRendition[i]}`,
        "bsfs/v": "dump_extra",
        hls_time: segmentSeconds,
        hls_list_size: HLS_LIST_SIZE,
        hls_flags: hlsFlags.join("+"),
        hls_segment_type: "mpegts",
        start_number: startNumber,
        hls_segment_filename: join(liveDir, name, SEGMENT_PATTERN),
      },
      join(liveDir, name, VARIANT_PLAYLIST),
    ),
  );
  const common = [
    "-hide_banner", "-nostats", "-loglevel", "level+warning", "-y",
    "-progress", `pipe:${PROGRESS_FD}`, "-stats_period", "0.5",
    ...input.args,
    "-filter_complex", graph,
    ...maps,
    ...perRendition,
    ...perSound,
    "-c:v", "libx264", "-preset", preset, "-tune", "zerolatency", "-x264-params", "sliced-threads=0",
    "-sc_threshold", "0", "-flags:v", "+cgop",
    "-force_key_frames:v", `expr:gte(t,n_forced*${segmentSeconds})`,
    "-c:a", "aac", "-ar", String(ladder.audioSampleRate), "-ac", "2",
  ];
  return [...common, ...teeOutputs(formats === "hls-ts" ? hls : [...hls, ...packagedOutputs(options)])];
}

/** The ladder's distinct sound bitrates, in the order the renditions first use them, and which one each rendition carries. */
function soundEncodes(ladder: Ladder): { bitratesKbps: number[]; ofRendition: number[] } {
  const bitratesKbps: number[] = [];
  const ofRendition = ladder.renditions.map(({ audioBitrateKbps }) => {
    if (!bitratesKbps.includes(audioBitrateKbps)) bitratesKbps.push(audioBitrateKbps);
    return bitratesKbps.indexOf(audioBitrateKbps);
  });
  return { bitratesKbps, ofRendition };
}

/**
 * DASH's adaptation sets: one per picture shape (the DASH muxer refuses sizes of different shapes in one set, and a
 * player switches within a set: a DASH viewer switches between 1080p and 720p, or between 480p and 240p), then the sound. Streams are numbered as the CMAF output has them: pictures first.
 */
function adaptationSets(ladder: Ladder): string {
  const shapes = new Map<string, number[]>();
  ladder.renditions.forEach(({ width, height }, i) => {
    const divisor = greatestCommonDivisor(width, height);
    const shape = `${width / divisor}:${height / divisor}`;
    shapes.set(shape, [...(shapes.get(shape) ?? []), i]);
  });
  const video = [...shapes.values()].map((streams, set) => `id=${set},streams=${streams.join(",")}`);
  return [...video, `id=${video.length},streams=a`].join(" ");
}

const greatestCommonDivisor = (a: number, b: number): number => (b === 0 ? a : greatestCommonDivisor(b, a % b));

/**
 * One encode, every format: the tee muxer hands the same encoded packets to the HLS-TS outputs, the DASH muxer (CMAF
 * segments with a DASH manifest and HLS fMP4 playlists) and the Smooth Streaming muxer. The encoders then keep their
 * parameter sets out of band (global headers, which MP4 needs); dump_extra puts them back before every keyframe of
 * the MPEG-TS, where a player joining mid-stream needs them.
 */
function teeOutputs(outputs: string[]): string[] {
  return ["-flags:v", "+global_header", "-flags:a", "+global_header", "-f", "tee", outputs.join("|")];
}

/** CMAF (DASH and HLS fMP4) and, unless told not to, Smooth Streaming: every picture and every sound (one per bitrate). */
function packagedOutputs(options: LadderArgumentsOptions): string[] {
  const { ladder, liveDir, latency = "normal", mss = true } = options;
  const select = "v,a";
  const dash: Record<string, string | number> = {
    f: "dash",
    select,
    seg_duration: ladder.segmentSeconds,
    window_size: HLS_LIST_SIZE,
    extra_window_size: 5,
    use_template: 1,
    use_timeline: 0,
    hls_playlist: 1,
    adaptation_sets: adaptationSets(ladder),
  };
  if (latency === "low") {
    Object.assign(dash, { streaming: 1, ldash: 1, write_prft: 1, target_latency: options.targetLatencySeconds ?? 1.5 });
  }
  if (options.utcTimingUrl) dash.utc_timing_url = options.utcTimingUrl;
  const outputs = [slave(dash, join(liveDir, CMAF_DIR, DASH_ENCODER_MANIFEST))];
  if (mss) {
    outputs.push(slave({ f: "smoothstreaming", select, window_size: HLS_LIST_SIZE, lookahead_count: 2, min_frag_duration: ladder.segmentSeconds * 1_000_000 }, join(liveDir, MSS_DIR)));
  }
  return outputs;
}
