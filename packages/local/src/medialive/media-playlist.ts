import { parse, setOptions } from "hls-parser";

// A playlist we cannot read is an error thrown to the caller, never a line hls-parser prints on its own.
setOptions({ silent: true });

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
  let playlist: ReturnType<typeof parse>;
  try {
    playlist = parse(text);
  } catch (error) {
    throw new SyntaxError(`not a readable media playlist: ${(error as Error).message}`);
  }
  if (playlist.isMasterPlaylist) throw new SyntaxError("a multivariant playlist, not a media playlist");
  return {
    ...(playlist.targetDuration === undefined ? {} : { targetDurationSeconds: playlist.targetDuration }),
    mediaSequence: playlist.mediaSequenceBase ?? 0,
    ended: playlist.endlist,
    // A playlist cut after its last #EXTINF (read while being written) names no segment there yet.
    segments: playlist.segments.filter((segment) => segment.uri !== "").map((segment) => ({
      uri: segment.uri,
      mediaSequence: segment.mediaSequenceNumber,
      durationSeconds: segment.duration,
      discontinuity: segment.discontinuity ?? false,
      ...(segment.programDateTime ? { programDateTime: segment.programDateTime.toISOString() } : {}),
    })),
  };
}
