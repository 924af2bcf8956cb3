import { type Box, childrenOf, children, find, only, payloadOf, versionAndFlags } from "./boxes.ts";
import { MalformedMp4, UnsupportedMp4 } from "./errors.ts";

/** How a track's samples are encrypted: video by NAL unit (slices only), audio whole, anything else left clear. */
export type Protection = "nal-units" | "whole-sample" | "clear";

export interface Track {
  trackId: number;
  /** the hdlr handler type: "vide", "soun", ... */
  handler: string;
  /** the first sample entry's four-character code: "avc1", "mp4a", ... */
  codec: string;
  protection: Protection;
  /** bytes of the length before each NAL unit (from avcC/hvcC), for video */
  nalLengthSize?: number;
  /** H.264 or HEVC, which tells the NAL unit header's size and the slice types */
  nalSyntax?: "avc" | "hevc";
  /** trex's default sample size (0 when none), used when neither tfhd nor trun gives one */
  defaultSampleSize: number;
}

const AVC = new Set(["avc1", "avc3"]);
const HEVC = new Set(["hvc1", "hev1"]);
/** Bytes before the child boxes of a visual sample entry (ISO/IEC 14496-12 12.1.3). */
const VISUAL_ENTRY_FIELDS = 78;

export interface TrackBoxes {
  /** the sample entries in stsd */
  entries: Box[];
}

/** Where each track's boxes are in an init segment, with what readTracks says of it. */
export function locateTracks(init: Buffer): { moov: Box; tracks: Array<Track & TrackBoxes> } {
  const moov = only(children(init), "moov", "the init segment");
  const inMoov = childrenOf(init, moov);
  const mvex = find(inMoov, "mvex");
  const trexes = mvex ? childrenOf(init, mvex).filter((box) => box.type === "trex") : [];
  const defaultSizes = new Map(
    trexes.map((trex) => {
      const payload = payloadOf(init, trex);
      if (payload.length < 24) throw new MalformedMp4("trex is too short");
      return [payload.readUInt32BE(4), payload.readUInt32BE(16)] as const;
    }),
  );
  const tracks = inMoov
    .filter((box) => box.type === "trak")
    .map((trak) => {
      const inTrak = childrenOf(init, trak);
      const tkhd = only(inTrak, "tkhd", "trak");
      const mdia = only(inTrak, "mdia", "trak");
      const inMdia = childrenOf(init, mdia);
      const hdlr = payloadOf(init, only(inMdia, "hdlr", "mdia"));
      const minf = only(inMdia, "minf", "mdia");
      const stbl = only(childrenOf(init, minf), "stbl", "minf");
      const stsd = only(childrenOf(init, stbl), "stsd", "stbl");
      const tkhdPayload = payloadOf(init, tkhd);
      const idAt = versionAndFlags(init, tkhd).version === 1 ? 20 : 12;
      if (hdlr.length < 12 || tkhdPayload.length < idAt + 4) throw new MalformedMp4("tkhd or hdlr is too short");
      const trackId = tkhdPayload.readUInt32BE(idAt);
      const handler = hdlr.toString("latin1", 8, 12);
      const entries = childrenOf(init, stsd, 8);
      const first = entries[0];
      if (!first) throw new MalformedMp4(`track ${trackId} has no sample entry`);
      const track: Track & TrackBoxes = {
        trackId,
        handler,
        codec: first.type,
        protection: handler === "soun" ? "whole-sample" : handler === "vide" ? "nal-units" : "clear",
        defaultSampleSize: defaultSizes.get(trackId) ?? 0,
        entries,
      };
      if (track.protection === "nal-units") Object.assign(track, nalLayout(init, first));
      return track;
    });
  return { moov, tracks };
}

/** NAL length size and syntax of an H.264 / HEVC sample entry; undefined for other video codecs. */
function nalLayout(init: Buffer, entry: Box): Pick<Track, "nalLengthSize" | "nalSyntax"> {
  const syntax = AVC.has(entry.type) ? "avc" : HEVC.has(entry.type) ? "hevc" : undefined;
  if (!syntax) return {};
  const config = find(childrenOf(init, entry, VISUAL_ENTRY_FIELDS), syntax === "avc" ? "avcC" : "hvcC");
  if (!config) throw new MalformedMp4(`${entry.type} has no ${syntax === "avc" ? "avcC" : "hvcC"}`);
  const payload = payloadOf(init, config);
  const at = syntax === "avc" ? 4 : 21;
  if (payload.length <= at) throw new MalformedMp4(`${config.type} is too short`);
  return { nalSyntax: syntax, nalLengthSize: (payload[at]! & 0x03) + 1 };
}

/** The tracks of an init segment (ftyp moov): id, handler, codec, NAL length size. */
export function readTracks(init: Buffer): Track[] {
  return locateTracks(init).tracks.map(({ entries: _entries, ...track }) => track);
}

/** Refuses a track this library cannot protect: video other than H.264/HEVC (its slices are not found). */
export function checkProtectable(track: Track): void {
  if (track.protection === "nal-units" && !track.nalSyntax) throw new UnsupportedMp4(`video codec ${track.codec} (only H.264 and HEVC)`);
}
