import type { Ladder } from "@visionstream/core/channels/ladder";
import { stringify, types } from "hls-parser";
import { AAC_LC_CODEC, h264Settings } from "./h264.ts";

export const MASTER_PLAYLIST = "master.m3u8";
export const VARIANT_PLAYLIST = "index.m3u8";

/** hls-parser writes CODECS before RESOLUTION; the playlists keep the order they have always had, CODECS last. */
const codecsLast: types.PostProcess = {
  variantProcessor: (lines, _start, end) => {
    lines[end - 1] = lines[end - 1]!.replace(/,(CODECS="[^"]*")(.*)$/, "$2,$1");
  },
};

/**
 * The multivariant playlist, written from the ladder rather than by ffmpeg: ffmpeg 5.1 leaves out FRAME-RATE and
 * derives BANDWIDTH and CODECS from whatever the encoder reported.
 * BANDWIDTH is the peak (the VBV cap plus audio plus 10% for MPEG-TS overhead), AVERAGE-BANDWIDTH the nominal rate.
 */
export function masterPlaylist(ladder: Ladder): string {
  const variants = ladder.renditions.map((rendition) => {
    const video = h264Settings(ladder, rendition);
    return new types.Variant({
      uri: `${rendition.name}/${VARIANT_PLAYLIST}`,
      bandwidth: (video.maxrateKbps + rendition.audioBitrateKbps) * 1_100,
      averageBandwidth: (video.bitrateKbps + rendition.audioBitrateKbps) * 1_000,
      resolution: { width: rendition.width, height: rendition.height },
      frameRate: rendition.fps,
      codecs: `${video.codec},${AAC_LC_CODEC}`,
    });
  });
  const playlist = new types.MasterPlaylist({ version: 6, independentSegments: true, variants });
  return `${stringify(playlist, codecsLast)}\n`;
}
