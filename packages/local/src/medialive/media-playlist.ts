import { parse } from "hls-parser";

export interface PlaylistSegment {
  uri: string;
  /** Media sequence number: EXT-X-MEDIA-SEQUENCE plus the segment's position in the playlist. */
  mediaSequence: number;
  durationSeconds: number;
  discontinuity: boolean;
  programDateTime?: string;
}

export interface MediaPlaylist {
  targetDurationSeconds?: number;
  mediaSequence: number;
  segments: PlaylistSegment[];
  ended: boolean;
}

/** The few tags of a live media playlist that the engine reads (RFC 8216 section 4.3). */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  if (text.split(/\r?\n/, 1)[0]?.trim() !== "#EXTM3U") throw new SyntaxError("not an M3U8 playlist");
  const playlist = parse(text);
  if (playlist.isMasterPlaylist) throw new SyntaxError("a multivariant playlist, not a media playlist");
  return {
    ...(playlist.targetDuration === undefined ? {} : { targetDurationSeconds: playlist.targetDuration }),
    mediaSequence: playlist.mediaSequenceBase ?? 0,
    ended: playlist.endlist,
    segments: playlist.segments.map((segment) => ({
      uri: segment.uri,
      mediaSequence: segment.mediaSequenceNumber,
      durationSeconds: segment.duration,
      discontinuity: segment.discontinuity ?? false,
      ...(segment.programDateTime ? { programDateTime: segment.programDateTime.toISOString() } : {}),
    })),
  };
}
