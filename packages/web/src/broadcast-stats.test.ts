import { describe, expect, it } from "vitest";
import { describeLimitation, formatBitrate, formatFrameRate, outboundVideoOf, sendRates } from "./broadcast-stats.ts";

const report = (timestamp: number, bytesSent: number, framesSent: number, extra: Record<string, unknown> = {}) => [
  { type: "outbound-rtp", kind: "audio", timestamp, bytesSent: 999_999, packetsSent: 10 },
  { type: "outbound-rtp", kind: "video", timestamp, bytesSent, framesSent, frameWidth: 1280, frameHeight: 720, qualityLimitationReason: "none", ...extra },
  { type: "remote-inbound-rtp", kind: "video", timestamp, packetsLost: 0 },
  { type: "candidate-pair", timestamp, bytesSent: 123 },
];

describe("the video sender's figures", () => {
  it("are read from the video outbound-rtp entry only", () => {
    expect(outboundVideoOf(report(1_000, 50_000, 30))).toEqual({
      timestamp: 1_000,
      bytesSent: 50_000,
      framesSent: 30,
      frameWidth: 1280,
      frameHeight: 720,
      qualityLimitationReason: "none",
    });
    expect(outboundVideoOf([{ type: "outbound-rtp", kind: "audio", bytesSent: 1 }])).toBeUndefined();
  });

  it("add up over several encodings, showing the largest picture", () => {
    const sample = outboundVideoOf([
      { type: "outbound-rtp", kind: "video", timestamp: 5, bytesSent: 100, framesSent: 10, frameWidth: 640, frameHeight: 360 },
      { type: "outbound-rtp", kind: "video", timestamp: 5, bytesSent: 400, framesSent: 10, frameWidth: 1920, frameHeight: 1080 },
    ]);
    expect(sample).toMatchObject({ bytesSent: 500, framesSent: 20, frameWidth: 1920, frameHeight: 1080 });
  });
});

describe("send rates", () => {
  it("are bits and frames per second between two samples, by the reports' own clock", () => {
    const first = outboundVideoOf(report(10_000, 1_000_000, 300))!;
    const second = outboundVideoOf(report(11_250, 1_500_000, 337))!;
    expect(sendRates(first, second)).toEqual({ bitrate: 3_200_000, framesPerSecond: 29.6 });
  });

  it("are unknown for the first sample, when no time passed or when the counters went back (a new connection)", () => {
    const sample = outboundVideoOf(report(10_000, 1_000_000, 300))!;
    expect(sendRates(undefined, sample)).toBeUndefined();
    expect(sendRates(sample, sample)).toBeUndefined();
    expect(sendRates(sample, outboundVideoOf(report(11_000, 10, 1))!)).toBeUndefined();
  });

  it("are written for people", () => {
    expect(formatBitrate(3_200_000)).toBe("3.2 Mb/s");
    expect(formatBitrate(850_400)).toBe("850 kb/s");
    expect(formatFrameRate(29.6)).toBe("29.6 fps");
    expect(describeLimitation("cpu")).toBe("limited by this computer's processor");
    expect(describeLimitation("bandwidth")).toBe("limited by the network");
    expect(describeLimitation("none")).toBe("");
    expect(describeLimitation(undefined)).toBe("");
  });
});
