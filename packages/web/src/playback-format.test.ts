import { describe, expect, it } from "vitest";
import { clearKeyLicenseUrl, formatLabel, playbackFormat, UnknownFormat } from "./playback-format.ts";

describe("playbackFormat", () => {
  it("takes the link's format when it names one", () => {
    expect(playbackFormat("https://cdn.example/live/ch1/cmaf/master.m3u8", "hlsCmaf")).toBe("hlsCmaf");
    expect(playbackFormat("https://cdn.example/live/ch1/cmaf/manifest.mpd", "dash")).toBe("dash");
  });

  it("infers it from the stream's path otherwise", () => {
    expect(playbackFormat("https://cdn.example/live/ch1/master.m3u8?x=1", null)).toBe("hls");
    expect(playbackFormat("https://cdn.example/live/ch1/cmaf/manifest.mpd", null)).toBe("dash");
    expect(playbackFormat("https://cdn.example/live/ch1/mss/Manifest", null)).toBe("mss");
    expect(playbackFormat("https://cdn.example/vod/rec.mp4", null)).toBe("file");
    expect(playbackFormat("/live/ch1/master.m3u8", null, "http://127.0.0.1:8080/player.html")).toBe("hls");
  });

  it("refuses a format it does not know", () => {
    expect(() => playbackFormat("https://cdn.example/a.m3u8", "flv")).toThrow(UnknownFormat);
  });
});

describe("formatLabel", () => {
  it("names the format as the viewer reads it", () => {
    expect(formatLabel("dash", true)).toBe("DASH (low latency)");
    expect(formatLabel("hlsCmaf")).toBe("HLS (CMAF)");
    expect(formatLabel("mss")).toBe("Smooth Streaming");
  });
});

describe("clearKeyLicenseUrl", () => {
  it("is the channel's keys/clearkey beside the CMAF folder, or the link's license", () => {
    expect(clearKeyLicenseUrl("https://cdn.example/E1/live/ch1/cmaf/manifest.mpd", null)).toBe("https://cdn.example/E1/live/ch1/keys/clearkey");
    expect(clearKeyLicenseUrl("https://cdn.example/E1/live/ch1/cmaf/manifest.mpd", "https://keys.example/license")).toBe("https://keys.example/license");
  });
});
