import { describe, expect, it } from "vitest";
import { describeCapture, h264Only, NoH264Encoder, opusOnly, RESOLUTIONS, videoConstraints } from "./broadcast-media.ts";

const codec = (mimeType: string, sdpFmtpLine?: string) => ({ mimeType, clockRate: 90_000, ...(sdpFmtpLine ? { sdpFmtpLine } : {}) });

/** What Chromium 156 lists for RTCRtpSender.getCapabilities("video"), in its order. */
const CHROMIUM_VIDEO = [
  codec("video/VP8"),
  codec("video/rtx"),
  codec("video/H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"),
  codec("video/H264", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"),
  codec("video/H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"),
  codec("video/H264", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"),
  codec("video/H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"),
  codec("video/AV1", "level-idx=5;profile=0;tier=0"),
  codec("video/VP9", "profile-id=0"),
  codec("video/red"),
  codec("video/ulpfec"),
];

describe("the codecs offered", () => {
  it("are H.264 only for video, fragmenting ones first, with retransmission", () => {
    expect(h264Only(CHROMIUM_VIDEO).map(({ mimeType, sdpFmtpLine }) => `${mimeType} ${/packetization-mode=\d;profile-level-id=\w+/.exec(sdpFmtpLine ?? "")?.[0] ?? ""}`.trim())).toEqual([
      "video/H264 packetization-mode=1;profile-level-id=42001f",
      "video/H264 packetization-mode=1;profile-level-id=42e01f",
      "video/H264 packetization-mode=1;profile-level-id=4d001f",
      "video/H264 packetization-mode=0;profile-level-id=42001f",
      "video/H264 packetization-mode=0;profile-level-id=42e01f",
      "video/rtx",
    ]);
  });

  it("cannot be chosen by a browser without an H.264 encoder", () => {
    expect(() => h264Only([codec("video/VP8"), codec("video/VP9")])).toThrow(NoH264Encoder);
  });

  it("are Opus only for audio when the browser has it", () => {
    const audio = [codec("audio/opus"), codec("audio/G722"), codec("audio/PCMU")];
    expect(opusOnly(audio).map(({ mimeType }) => mimeType)).toEqual(["audio/opus"]);
    expect(opusOnly([codec("audio/PCMU")]).map(({ mimeType }) => mimeType)).toEqual(["audio/PCMU"]);
  });
});

describe("the picture asked of the camera", () => {
  it("is the resolution's size at 30 fps, from the chosen device", () => {
    expect(videoConstraints("720p", "cam-2")).toEqual({ deviceId: { exact: "cam-2" }, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } });
    expect(videoConstraints("1080p")).toEqual({ width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 30, max: 30 } });
  });

  it("has a bitrate cap per resolution", () => {
    expect(RESOLUTIONS["1080p"].maxBitrate).toBe(6_000_000);
    expect(RESOLUTIONS["720p"].maxBitrate).toBe(3_500_000);
  });

  it("is described as the camera gives it", () => {
    expect(describeCapture({ width: 1280, height: 720, frameRate: 29.97 })).toBe("1280×720 at 30 fps");
    expect(describeCapture({})).toBe("");
  });
});
