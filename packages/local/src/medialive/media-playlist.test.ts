import { describe, expect, it, vi } from "vitest";
import { parseMediaPlaylist } from "./media-playlist.ts";

const HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n";

describe("parseMediaPlaylist", () => {
  it("reads sequence numbers, durations, discontinuities and ffmpeg's wall-clock times", () => {
    const playlist = parseMediaPlaylist(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-MEDIA-SEQUENCE:4",
        "#EXT-X-DISCONTINUITY",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXTINF:2.000000,",
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T04:59:07.716+0000",
        "seg_00004.ts",
        "#EXTINF:1.500000,",
        "seg_00005.ts",
        "#EXT-X-ENDLIST",
      ].join("\n"),
    );

    expect(playlist).toEqual({
      targetDurationSeconds: 2,
      mediaSequence: 4,
      ended: true,
      segments: [
        { uri: "seg_00004.ts", mediaSequence: 4, durationSeconds: 2, discontinuity: true, programDateTime: "2026-11-22T04:59:07.716Z" },
        { uri: "seg_00005.ts", mediaSequence: 5, durationSeconds: 1.5, discontinuity: false },
      ],
    });
  });

  it("reads a playlist cut after its last #EXTINF (read while being written) without a segment of no name", () => {
    const playlist = parseMediaPlaylist(`${HEAD}#EXTINF:2.000000,\nseg_00004.ts\n#EXTINF:2.000000,\n`);

    expect(playlist.segments).toEqual([{ uri: "seg_00004.ts", mediaSequence: 4, durationSeconds: 2, discontinuity: false }]);
  });

  it("throws a SyntaxError for what it cannot read, and prints nothing of its own", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(() => parseMediaPlaylist("#EXTM3U\n#EXT-X-TARGETDURATION:2\nseg_1.ts\n")).toThrow(SyntaxError);
      expect(() => parseMediaPlaylist("not a playlist")).toThrow(SyntaxError);
      parseMediaPlaylist("#EXTM3U\n#EXTINF:2.5,\nseg_1.ts\n");
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });
});
