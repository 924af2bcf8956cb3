/** An offer the gateway cannot take, with the part of it at fault (a codec, the SDP itself). */
export class OfferRefused extends Error {
  override name = "OfferRefused";
  constructor(
    readonly field: "sdp" | "video codec" | "audio codec",
    message: string,
  ) {
    super(message);
  }
}

export interface OfferMedia {
  video: boolean;
  audio: boolean;
}

const MAX_OFFER_BYTES = 64 * 1024;

/** Which media an offer sends, refused unless its video can be forwarded as it is (H.264, packetization mode 1) and its audio is Opus. */
export function checkOffer(sdp: string): OfferMedia {
  if (Buffer.byteLength(sdp) > MAX_OFFER_BYTES) throw new OfferRefused("sdp", `the offer is larger than ${MAX_OFFER_BYTES} bytes`);
  if (!/^v=0\r?$/m.test(sdp)) throw new OfferRefused("sdp", "the body is not an SDP offer (no v=0 line)");
  const sections = sdp.split(/\r?\n(?=m=)/).slice(1);
  const media = { video: false, audio: false };
  for (const section of sections) {
    const kind = /^m=(\w+)/.exec(section)?.[1];
    if ((kind !== "video" && kind !== "audio") || /^a=(inactive|recvonly)\r?$/m.test(section) || /^m=\w+ 0 /.test(section)) continue;
    const codecs = [...section.matchAll(/^a=rtpmap:(\d+) ([\w-]+)\/\d+/gm)].map((match) => ({ payloadType: match[1]!, name: match[2]!.toUpperCase() }));
    if (kind === "video") {
      const h264 = codecs.filter((codec) => codec.name === "H264");
      if (h264.length === 0) {
        const offered = [...new Set(codecs.map((codec) => codec.name))].join(", ") || "none";
        throw new OfferRefused("video codec", `the offer has no H.264 video (it offers ${offered}): the gateway forwards the broadcaster's H.264 without re-encoding it`);
      }
      const modeOne = h264.some((codec) => new RegExp(`^a=fmtp:${codec.payloadType} .*packetization-mode=1`, "m").test(section));
      if (!modeOne) throw new OfferRefused("video codec", "the offer's H.264 lacks packetization-mode=1 (FU-A), which the gateway needs");
      media.video = true;
    } else {
      if (!codecs.some((codec) => codec.name === "OPUS")) throw new OfferRefused("audio codec", "the offer's audio is not Opus");
      media.audio = true;
    }
  }
  if (!media.video) throw new OfferRefused("video codec", "the offer sends no video: a broadcast needs H.264 video");
  // Without ICE credentials and a DTLS fingerprint no connection can be made: refused before anything starts.
  for (const [attribute, what] of [["ice-ufrag", "ICE username fragment"], ["ice-pwd", "ICE password"], ["fingerprint", "DTLS fingerprint"]] as const) {
    if (!new RegExp(`^a=${attribute}:\\S`, "m").test(sdp)) throw new OfferRefused("sdp", `the offer has no ${what} (a=${attribute})`);
  }
  return media;
}
