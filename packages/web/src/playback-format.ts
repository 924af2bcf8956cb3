/** The streaming formats a channel offers (the playback answer's `formats`), plus a plain MP4 file. */
export const PLAYBACK_FORMATS = ["hls", "hlsCmaf", "dash", "mss"] as const;
export type StreamFormat = (typeof PLAYBACK_FORMATS)[number];
export type PlaybackFormat = StreamFormat | "file";

export class UnknownFormat extends Error {
  override name = "UnknownFormat";
}

const LABELS: Record<PlaybackFormat, string> = {
  hls: "HLS",
  hlsCmaf: "HLS (CMAF)",
  dash: "DASH",
  mss: "Smooth Streaming",
  file: "MP4",
};

function isStreamFormat(value: string): value is StreamFormat {
  return (PLAYBACK_FORMATS as readonly string[]).includes(value);
}

/**
 * The format named by the link's `format` parameter or, without one, the one the stream's path says:
 * `.m3u8` (or anything else) HLS — TS or fMP4, told apart once its playlist is read, `.mpd` DASH, `/Manifest` Smooth Streaming, `.mp4` a file.
 */
export function playbackFormat(src: string, format: string | null, base?: string): PlaybackFormat {
  if (format) {
    if (!isStreamFormat(format)) throw new UnknownFormat(`unknown format "${format}": use one of ${PLAYBACK_FORMATS.join(", ")}`);
    return format;
  }
  const path = new URL(src, base ?? globalThis.location?.href).pathname;
  const lower = path.toLowerCase();
  if (lower.endsWith(".mpd")) return "dash";
  if (lower.endsWith(".mp4")) return "file";
  // Smooth Streaming's manifest is `<name>.ism/Manifest` or just `…/Manifest`.
  if (/\/manifest$/.test(lower)) return "mss";
  return "hls";
}

/** What the page tells the viewer it plays, e.g. "DASH (low latency)". */
export function formatLabel(format: PlaybackFormat, lowLatency = false): string {
  return lowLatency ? `${LABELS[format]} (low latency)` : LABELS[format];
}

/** Where a ClearKey license is asked for: the link's `license`, else the channel's `keys/clearkey` beside the CMAF folder. */
export function clearKeyLicenseUrl(src: string, license: string | null, base?: string): string {
  const resolvedSrc = new URL(src, base ?? globalThis.location?.href);
  return new URL(license ?? "../keys/clearkey", resolvedSrc).href;
}
