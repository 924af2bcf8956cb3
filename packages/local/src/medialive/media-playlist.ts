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

/** ffmpeg writes offsets as +0000; ECMAScript dates want +00:00. */
const isoDate = (value: string) => new Date(value.replace(/([+-]\d\d)(\d\d)$/, "$1:$2")).toISOString();

/** The few tags of a live media playlist that the engine reads (RFC 8216 section 4.3). */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines[0] !== "#EXTM3U") throw new SyntaxError("not an M3U8 playlist");
  const playlist: MediaPlaylist = { mediaSequence: 0, segments: [], ended: false };
  let pending: Partial<PlaylistSegment> = {};
  for (const line of lines) {
    if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) playlist.mediaSequence = Number(line.slice(22));
    else if (line.startsWith("#EXT-X-TARGETDURATION:")) playlist.targetDurationSeconds = Number(line.slice(22));
    else if (line.startsWith("#EXTINF:")) pending.durationSeconds = Number.parseFloat(line.slice(8));
    else if (line === "#EXT-X-DISCONTINUITY") pending.discontinuity = true;
    else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) pending.programDateTime = isoDate(line.slice(25));
    else if (line === "#EXT-X-ENDLIST") playlist.ended = true;
    else if (line !== "" && !line.startsWith("#")) {
      playlist.segments.push({
        uri: line,
        mediaSequence: playlist.mediaSequence + playlist.segments.length,
        durationSeconds: pending.durationSeconds ?? 0,
        discontinuity: pending.discontinuity ?? false,
        ...(pending.programDateTime ? { programDateTime: pending.programDateTime } : {}),
      });
      pending = {};
    }
  }
  return playlist;
}
