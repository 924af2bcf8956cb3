import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzCorpus } from "../../../scripts/testing/fuzz-corpus.ts";
import { checkOffer, OfferRefused } from "./offer.ts";

const CHROMIUM_OFFER = readFileSync(resolve(import.meta.dirname, "../testdata/chrome-offer.sdp"), "utf8");
const { fuzz } = fuzzCorpus(resolve(import.meta.dirname, "../testdata/fuzz"));

const CREDENTIALS = ["a=ice-ufrag:abcd", "a=ice-pwd:0123456789abcdefghijklmn", "a=fingerprint:sha-256 AB:CD:EF"];
const offer = (...sections: string[]) => ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=-", "t=0 0", ...CREDENTIALS, ...sections].join("\r\n") + "\r\n";
const video = (codecs: string) => `m=video 9 UDP/TLS/RTP/SAVPF 96\r\n${codecs}\r\na=sendonly`;
const H264 = "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1";
const OPUS = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=sendonly";

function refusal(sdp: string): OfferRefused {
  try {
    checkOffer(sdp);
  } catch (error) {
    if (error instanceof OfferRefused) return error;
    throw error;
  }
  throw new Error("the offer was taken");
}

describe("checkOffer", () => {
  it("takes Chromium's camera and microphone offer: H.264 (among others) and Opus", () => {
    expect(checkOffer(CHROMIUM_OFFER)).toEqual({ video: true, audio: true });
  });

  it("takes H.264 video alone (an encoder without audio)", () => {
    expect(checkOffer(offer(video(H264)))).toEqual({ video: true, audio: false });
  });

  it("refuses video without H.264, naming the codecs offered", () => {
    const refused = refusal(offer(OPUS, video("a=rtpmap:96 VP8/90000\r\na=rtpmap:97 VP9/90000")));

    expect(refused.field).toBe("video codec");
    expect(refused.message).toBe("the offer has no H.264 video (it offers VP8, VP9): the gateway forwards the broadcaster's H.264 without re-encoding it");
  });

  it("refuses H.264 without packetization mode 1, audio other than Opus, and an offer with no video", () => {
    expect(refusal(offer(video("a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f"))).message).toMatch(/packetization-mode=1/);
    expect(refusal(offer("m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000", video(H264)))).toMatchObject({ field: "audio codec" });
    expect(refusal(offer(OPUS))).toMatchObject({ field: "video codec", message: "the offer sends no video: a broadcast needs H.264 video" });
    expect(refusal(offer(OPUS, video("a=rtpmap:96 VP8/90000").replace("a=sendonly", "a=inactive")))).toMatchObject({ field: "video codec" });
  });

  it("refuses an offer without ICE credentials or a DTLS fingerprint: no connection could ever be made", () => {
    for (const missing of CREDENTIALS) {
      const attribute = /^a=([\w-]+):/.exec(missing)![1]!;
      expect(refusal(offer(video(H264)).replace(`${missing}\r\n`, ""))).toMatchObject({ field: "sdp", message: expect.stringContaining(`(a=${attribute})`) });
    }
  });

  it("refuses what is not an SDP offer, and an offer larger than 64 KiB", () => {
    expect(refusal("{}")).toMatchObject({ field: "sdp" });
    expect(refusal(offer(video(H264), `a=x-padding:${"x".repeat(70_000)}`)).message).toBe("the offer is larger than 65536 bytes");
  });
});

describe("fuzz", () => {
  it("takes any offer or refuses it with OfferRefused, never another error", async () => {
    await fuzz(
      "offer",
      fc.string({ maxLength: 3_000 }).map((text) => Buffer.from(`v=0\r\n${text}`)),
      (bytes) => {
        try {
          checkOffer(bytes.toString("utf8"));
        } catch (error) {
          if (!(error instanceof OfferRefused)) throw error;
        }
      },
      2_000,
    );
  });
});
