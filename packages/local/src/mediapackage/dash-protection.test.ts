import { describe, expect, it } from "vitest";
import { clearKeyTag, protectedFmp4Playlist, protectedMpd, representationIds, UnexpectedManifest } from "./dash-protection.ts";

const KID = "0123456789abcdef0123456789abcdef";

/** As ffmpeg 5.1's dash muxer writes it (low latency, two video sets and one audio set). */
const MPD = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
	xmlns="urn:mpeg:dash:schema:mpd:2011"
	profiles="urn:mpeg:dash:profile:isoff-live:2011"
	type="dynamic">
	<Period id="0" start="PT0.0S">
		<AdaptationSet id="0" contentType="video" startWithSAP="1" segmentAlignment="true" bitstreamSwitching="true" frameRate="30/1" maxWidth="1920" maxHeight="1080" par="16:9">
			<Representation id="0" mimeType="video/mp4" codecs="avc1.640028" bandwidth="6000000" width="1920" height="1080" sar="1:1">
			</Representation>
			<Representation id="1" mimeType="video/mp4" codecs="avc1.64001f" bandwidth="3000000" width="1280" height="720" sar="1:1">
			</Representation>
		</AdaptationSet>
		<AdaptationSet id="1" contentType="video" startWithSAP="1" par="4:3">
			<Representation id="2" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="1000000" width="640" height="480" sar="1:1">
			</Representation>
		</AdaptationSet>
		<AdaptationSet id="2" contentType="audio" startWithSAP="1" segmentAlignment="true" bitstreamSwitching="true">
			<Representation id="4" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="192000" audioSamplingRate="48000">
				<AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2" />
			</Representation>
		</AdaptationSet>
	</Period>
	<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-xsdate:2014" value="http://127.0.0.1:8081/time"/>
</MPD>
`;

const MEDIA_PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:11
#EXT-X-MAP:URI="init-stream0.m4s"
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:18:37.000+0000
chunk-stream0-00011.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:18:39.000+0000
chunk-stream0-00012.m4s
`;

describe("DASH and HLS fMP4 protection signalling", () => {
  it("puts cenc with the default KID and ClearKey first in every AdaptationSet, and declares the cenc namespace", () => {
    // act
    const mpd = protectedMpd(MPD, KID);
    // assess
    expect(mpd).toMatch(/^<\?xml[^>]*>\n<MPD xmlns:cenc="urn:mpeg:cenc:2013" xmlns:xsi=/);
    const sets = mpd.split("<AdaptationSet").slice(1);
    expect(sets).toHaveLength(3);
    for (const set of sets) {
      expect(set.replace(/^[^>]*>/, "")).toMatch(
        /^<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="01234567-89ab-cdef-0123-456789abcdef"\/>/,
      );
      expect(set).toContain('<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/>');
    }
    expect(mpd.replace(/<ContentProtection [^>]*\/>/g, "").replace(' xmlns:cenc="urn:mpeg:cenc:2013"', "")).toBe(MPD);
  });

  it("names the Representations whose init segments the MPD needs", () => {
    expect(representationIds(MPD)).toEqual(["0", "1", "2", "4"]);
  });

  it("refuses a document without AdaptationSet", () => {
    expect(() => protectedMpd("<MPD></MPD>", KID)).toThrow(UnexpectedManifest);
  });

  it("writes the ClearKey key tag as hls.js reads it: the KID as the URI's data and as KEYID", () => {
    expect(clearKeyTag(KID)).toBe(
      '#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1",' +
        'URI="data:text/plain;base64,ASNFZ4mrze8BI0VniavN7w==",KEYID=0x0123456789ABCDEF0123456789ABCDEF',
    );
  });

  it("lists in an fMP4 playlist only the segments published whole, under the key tag placed before EXT-X-MAP", () => {
    // act
    const text = protectedFmp4Playlist(MEDIA_PLAYLIST, KID, (uri) => uri === "chunk-stream0-00011.m4s")!;
    // assess
    const lines = text.trim().split("\n");
    expect(lines.filter((line) => line.endsWith(".m4s") && !line.startsWith("#"))).toEqual(["chunk-stream0-00011.m4s"]);
    expect(lines.indexOf(clearKeyTag(KID))).toBe(lines.findIndex((line) => line.startsWith("#EXT-X-MAP:")) - 1);
    expect(protectedFmp4Playlist(MEDIA_PLAYLIST, KID, () => false)).toBeUndefined();
  });
});
