import { DEFAULT_LADDER } from "@visionstream/core/channels/ladder";
import { describe, expect, it } from "vitest";
import { h264Settings } from "./h264.ts";
import { fasterPreset, flvInput, ladderArguments } from "./ladder-args.ts";
import { masterPlaylist } from "./master-playlist.ts";

const options = {
  ladder: DEFAULT_LADDER,
  input: { args: ["-f", "flv", "-i", "pipe:0"] },
  liveDir: "/data/live/ch1",
  startNumber: 7,
  discontinuity: false,
};

const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe("ladderArguments", () => {
  it("decodes once and splits into one letterboxed 30 fps branch per rendition", () => {
    const graph = valueOf(ladderArguments(options), "-filter_complex");

    expect(graph).toContain("[0:v:0]split=4[picture0][picture1][picture2][picture3]");
    expect(graph).toContain(
      "[picture2]fps=30,scale=640:480:flags=bilinear:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v2]",
    );
    // One AAC encode per distinct bitrate: 192 kb/s for 1080p and 720p, 128 kb/s for 480p and 240p.
    expect(graph).toContain("[0:a:0]aresample=48000:async=1,aformat=sample_fmts=fltp:channel_layouts=stereo,asplit=2[a0][a1]");
  });

  it("sets each rendition's rate control, profile, level and 2-second closed GOP", () => {
    const args = ladderArguments(options);

    expect(args.join(" ")).toContain(
      "-b:v:0 5000k -maxrate:v:0 5000k -bufsize:v:0 10000k -profile:v:0 high -level:v:0 4.0 -g:v:0 60 -keyint_min:v:0 60 -b:v:1",
    );
    expect(args.join(" ")).toContain("-b:a:0 192k -b:a:1 128k -c:v libx264");
    expect(args.filter((arg) => arg.startsWith("-b:a:"))).toHaveLength(2);
    expect(args.join(" ")).toContain("-profile:v:3 baseline -level:v:3 1.3");
    expect(args.join(" ")).toContain(
      "-c:v libx264 -preset superfast -tune zerolatency -x264-params sliced-threads=0 -sc_threshold 0 -flags:v +cgop -force_key_frames:v expr:gte(t,n_forced*2)",
    );
  });

  it("writes one HLS output per rendition, named by it, numbered from startNumber, with the sound of its bitrate", () => {
    const args = ladderArguments({ ...options, formats: "hls-ts" });
    const outputs = args.at(-1)!.split("|");

    expect(args.at(-2)).toBe("tee");
    expect(outputs).toHaveLength(4);
    expect(outputs[0]).toBe(
      "[f=hls:select=v\\\\\\:0,a\\\\\\:0:bsfs/v=dump_extra:hls_time=2:hls_list_size=10:hls_flags=delete_segments+independent_segments+temp_file+program_date_time:" +
        "hls_segment_type=mpegts:start_number=7:hls_segment_filename=/data/live/ch1/1080p/seg_%05d.ts]/data/live/ch1/1080p/index.m3u8",
    );
    // 720p shares 1080p's sound, 240p 480p's.
    expect(outputs.map((output) => /select=v\\\\\\:(\d),a\\\\\\:(\d)/.exec(output)!.slice(1).join(" "))).toEqual(["0 0", "1 0", "2 1", "3 1"]);
    expect(outputs[3]).toContain("hls_segment_filename=/data/live/ch1/240p/seg_%05d.ts]/data/live/ch1/240p/index.m3u8");
  });

  it("encodes one sound for a ladder of one audio bitrate, and one per rendition when every bitrate differs", () => {
    const withSound = (kbps: number[]) => ({ ...DEFAULT_LADDER, renditions: DEFAULT_LADDER.renditions.map((rendition, i) => ({ ...rendition, audioBitrateKbps: kbps[i]! })) });
    const selected = (args: string[]) => args.at(-1)!.split("|").slice(0, 4).map((output) => /a\\\\\\:(\d)/.exec(output)![1]);

    const one = ladderArguments({ ...options, ladder: withSound([128, 128, 128, 128]) });
    expect(valueOf(one, "-filter_complex")).toContain("asplit=1[a0]");
    expect(one.filter((arg) => arg.startsWith("-b:a:"))).toEqual(["-b:a:0"]);
    expect(selected(one)).toEqual(["0", "0", "0", "0"]);

    const four = ladderArguments({ ...options, ladder: withSound([192, 160, 128, 96]) });
    expect(valueOf(four, "-filter_complex")).toContain("asplit=4[a0][a1][a2][a3]");
    expect(four.join(" ")).toContain("-b:a:0 192k -b:a:1 160k -b:a:2 128k -b:a:3 96k");
    expect(selected(four)).toEqual(["0", "1", "2", "3"]);
  });

  it("opens a continuing run with a discontinuity", () => {
    for (const output of ladderArguments({ ...options, discontinuity: true, formats: "hls-ts" }).at(-1)!.split("|"))
      expect(output).toContain(":hls_flags=delete_segments+independent_segments+temp_file+program_date_time+discont_start:");
  });

  it("hands one encode to HLS-TS, CMAF (DASH and HLS fMP4) and MSS through the tee muxer, escaped for its two readings", () => {
    const args = ladderArguments({ ...options, utcTimingUrl: "http://127.0.0.1:8081/time" });
    const outputs = args.at(-1)!.split("|");
    const [dash, mss] = outputs.slice(4);

    expect(args.at(-3)).toBe("-f");
    expect(args.at(-2)).toBe("tee");
    expect(args.join(" ")).toContain("-flags:v +global_header -flags:a +global_header");
    // Four pictures and two sounds.
    expect(args.filter((arg) => arg === "-map")).toHaveLength(6);
    expect(outputs).toHaveLength(6);
    expect(outputs.slice(0, 4).every((output) => output.startsWith("[f=hls:"))).toBe(true);
    expect(dash).toBe(
      "[f=dash:select=v,a:seg_duration=2:window_size=10:extra_window_size=5:use_template=1:use_timeline=0:hls_playlist=1:" +
        "adaptation_sets=id=0,streams=0,1 id=1,streams=2,3 id=2,streams=a:utc_timing_url=http\\\\\\://127.0.0.1\\\\\\:8081/time]/data/live/ch1/cmaf/encoder.mpd",
    );
    expect(mss).toBe("[f=smoothstreaming:select=v,a:window_size=10:lookahead_count=2:min_frag_duration=2000000]/data/live/ch1/mss");
  });

  it("writes DASH as chunked CMAF with low-latency signalling for a low-latency channel, and no MSS when told", () => {
    const tee = ladderArguments({ ...options, latency: "low", mss: false, targetLatencySeconds: 2 }).at(-1)!;

    expect(tee.split("|")).toHaveLength(5);
    expect(tee).toContain(":streaming=1:ldash=1:write_prft=1:target_latency=2]");
  });

  it("takes the media from wherever the input says, progress on fd 3", () => {
    const args = ladderArguments({ ...options, input: { args: ["-i", "a.mp4", "-i", "b.wav"], audio: "1:a:0" }, preset: "ultrafast" });

    expect(args.slice(args.indexOf("-i") - 0, args.indexOf("-i") + 4)).toEqual(["-i", "a.mp4", "-i", "b.wav"]);
    expect(valueOf(args, "-filter_complex")).toContain("[1:a:0]aresample");
    expect(valueOf(args, "-preset")).toBe("ultrafast");
    expect(valueOf(args, "-progress")).toBe("pipe:3");
  });

  it("starts the output a given time into the input, picture and sound, to the frame and at time 0", () => {
    const graph = valueOf(ladderArguments({ ...options, startAtSeconds: 1.25 }), "-filter_complex");
    expect(graph).toMatch(/^\[0:v:0\]trim=start=1\.250,setpts=PTS-STARTPTS,split=4/);
    expect(graph).toContain("[0:a:0]atrim=start=1.250,asetpts=PTS-STARTPTS,aresample=");
    expect(valueOf(ladderArguments(options), "-filter_complex")).not.toContain("trim");
  });

  it("steps to the next faster x264 preset, none past ultrafast", () => {
    expect(fasterPreset("superfast")).toBe("ultrafast");
    expect(fasterPreset("medium")).toBe("fast");
    expect(fasterPreset("ultrafast")).toBeUndefined();
  });

  it("reads FLV with a short probe and no frame-rate probe, so that a live stream starts as soon as both its streams are seen", () => {
    expect(flvInput("rtmp://127.0.0.1:1935/live/key").args).toEqual([
      "-analyzeduration", "500000", "-fpsprobesize", "0", "-f", "flv", "-i", "rtmp://127.0.0.1:1935/live/key",
    ]);
  });
});

describe("masterPlaylist", () => {
  it("lists every rendition with bandwidth, resolution, frame rate and exact codecs", () => {
    expect(masterPlaylist(DEFAULT_LADDER)).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-STREAM-INF:BANDWIDTH=5711200,AVERAGE-BANDWIDTH=5192000,RESOLUTION=1920x1080,FRAME-RATE=30.000,CODECS="avc1.640028,mp4a.40.2"',
        "1080p/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=3511200,AVERAGE-BANDWIDTH=3192000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2"',
        "720p/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=1460800,AVERAGE-BANDWIDTH=1328000,RESOLUTION=640x480,FRAME-RATE=30.000,CODECS="avc1.4d401e,mp4a.40.2"',
        "480p/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=580800,AVERAGE-BANDWIDTH=528000,RESOLUTION=320x240,FRAME-RATE=30.000,CODECS="avc1.42c00d,mp4a.40.2"',
        "240p/index.m3u8",
        "",
      ].join("\n"),
    );
  });

  it("refuses a rendition beyond H.264's levels", () => {
    const huge = { ...DEFAULT_LADDER.renditions[0]!, width: 8192, height: 4320, fps: 60 };
    expect(() => h264Settings(DEFAULT_LADDER, huge)).toThrow(RangeError);
  });
});
