import type { Ladder } from "@visionstream/core/channels/ladder";
import { AAC_LC_CODEC, h264Settings } from "./h264.ts";

export const MASTER_PLAYLIST = "master.m3u8";
export const VARIANT_PLAYLIST = "index.m3u8";

/**
 * The multivariant playlist, written from the ladder rather than by ffmpeg: ffmpeg 5.1 leaves out FRAME-RATE and
 * derives BANDWIDTH and CODECS from whatever the encoder reported.
 * BANDWIDTH is the peak (the VBV cap plus audio plus 10% for MPEG-TS overhead), AVERAGE-BANDWIDTH the nominal rate.
 */
export function masterPlaylist(ladder: Ladder): string {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"];
  for (const rendition of ladder.renditions) {
    const video = h264Settings(ladder, rendition);
    const peakBps = (video.maxrateKbps + rendition.audioBitrateKbps) * 1_100;
    const averageBps = (video.bitrateKbps + rendition.audioBitrateKbps) * 1_000;
    const attributes = [
      `BANDWIDTH=${peakBps}`,
      `AVERAGE-BANDWIDTH=${averageBps}`,
      `RESOLUTION=${rendition.width}x${rendition.height}`,
      `FRAME-RATE=${rendition.fps.toFixed(3)}`,
      `CODECS="${video.codec},${AAC_LC_CODEC}"`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(",")}`, `${rendition.name}/${VARIANT_PLAYLIST}`);
  }
  return `${lines.join("\n")}\n`;
}
