import { kidAsUuid } from "@visionstream/core/keys/content-keys";
import { parse, stringify, types } from "hls-parser";

/** W3C ClearKey's DRM system id (https://dashif.org/identifiers/content_protection/). */
export const CLEARKEY_SYSTEM = "e2719d58-a985-b3c9-781a-b030af78d30e";
const CENC_NAMESPACE = "urn:mpeg:cenc:2013";

export class UnexpectedManifest extends Error {
  override name = "UnexpectedManifest";
}

/** The Representation ids an MPD names, whose init segments must be published before it. */
export const representationIds = (mpd: string) => [...mpd.matchAll(/<Representation\b[^>]*?\bid="([^"]+)"/g)].map((match) => match[1]!);

/**
 * ffmpeg's MPD with each AdaptationSet protected: 'cenc' with its default KID, and the W3C ClearKey system whose
 * licence the player asks at live/<ch>/keys/clearkey. Edited as text so everything else stays as ffmpeg wrote it;
 * ContentProtection goes first in the AdaptationSet, where the DASH schema puts it.
 */
export function protectedMpd(mpd: string, kid: string): string {
  const protection =
    `<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${kidAsUuid(kid)}"/>` +
    `<ContentProtection schemeIdUri="urn:uuid:${CLEARKEY_SYSTEM}" value="ClearKey1.0"/>`;
  let adaptationSets = 0;
  const withProtection = mpd.replace(/<AdaptationSet\b[^>]*>/g, (open) => {
    adaptationSets++;
    return `${open}${protection}`;
  });
  if (adaptationSets === 0) throw new UnexpectedManifest("the MPD has no AdaptationSet to protect");
  if (/<MPD\b[^>]*\bxmlns:cenc=/.test(withProtection)) return withProtection;
  const declared = withProtection.replace(/<MPD\b/, `<MPD xmlns:cenc="${CENC_NAMESPACE}"`);
  if (declared === withProtection) throw new UnexpectedManifest("no MPD element");
  return declared;
}

/**
 * The EXT-X-KEY of a CENC ('cenc', AES-CTR) fMP4 rendition under ClearKey, in the form hls.js reads: the key id as
 * the data of the URI (hls.js takes its first 16 bytes as the KID for org.w3.clearkey) and again as KEYID.
 */
export function clearKeyTag(kid: string): string {
  const bytes = Buffer.from(kid, "hex");
  return (
    `#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1",` +
    `URI="data:text/plain;base64,${bytes.toString("base64")}",KEYID=0x${kid.toUpperCase()}`
  );
}

/**
 * An fMP4 media playlist of the dash muxer as viewers get it: only segments already published whole, and the key
 * tag before EXT-X-MAP, so it covers the init segment and every segment. Undefined while none is published.
 */
export function protectedFmp4Playlist(source: string, kid: string, isPublished: (uri: string) => boolean): string | undefined {
  const playlist = parse(source);
  if (playlist.isMasterPlaylist) throw new UnexpectedManifest("a multivariant playlist, not a media playlist");
  const kept: types.Segment[] = [];
  for (const segment of playlist.segments) {
    if (segment.uri === "" || !isPublished(segment.uri)) break;
    kept.push(segment);
  }
  if (kept.length === 0) return undefined;
  playlist.endlist = playlist.endlist && kept.length === playlist.segments.length;
  playlist.segments = kept;
  const lines = stringify(playlist).split("\n");
  const map = lines.findIndex((line) => line.startsWith("#EXT-X-MAP:"));
  if (map < 0) throw new UnexpectedManifest("an fMP4 playlist without EXT-X-MAP");
  lines.splice(map, 0, clearKeyTag(kid));
  return `${lines.join("\n")}\n`;
}
