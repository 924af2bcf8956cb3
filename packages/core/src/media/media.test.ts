import { describe, expect, it } from "vitest";
import { CreateMediaInput, keyToUrlPath, MediaName, mediaKey } from "./media.ts";

describe("MediaName", () => {
  it("takes a plain file name, spaces and unicode included", () => {
    for (const name of ["clip.mp4", "opening titles (v2).mp4", "été 2026.png", "...", ".hidden", "x".repeat(200)])
      expect(MediaName.safeParse(name).success).toBe(true);
  });

  it("refuses what could leave media/<mediaId>/ or hide characters", () => {
    for (const name of ["", ".", "..", "../x", "a/b", "a\\b", "tab\there", "nul\0", "bell\u0007", "x".repeat(201)])
      expect(MediaName.safeParse(name).success).toBe(false);
  });
});

describe("CreateMediaInput", () => {
  it("accepts only the allowed content types", () => {
    expect(CreateMediaInput.safeParse({ name: "a.m3u8", contentType: "application/vnd.apple.mpegurl" }).success).toBe(true);
    expect(CreateMediaInput.safeParse({ name: "a.exe", contentType: "application/x-msdownload" }).success).toBe(false);
  });
});

describe("keyToUrlPath", () => {
  it("encodes every segment and keeps the slashes", () => {
    expect(keyToUrlPath(mediaKey("med-0123456789abcdef", "100% #1?.mp4"))).toBe("media/med-0123456789abcdef/100%25%20%231%3F.mp4");
  });
});
