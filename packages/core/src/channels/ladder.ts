import { z } from "zod";

/** One rung of the ABR ladder: H.264 video and AAC audio. */
export const Rendition = z.object({
  name: z.string().regex(/^[a-z0-9]+$/),
  width: z.number().int().positive().multipleOf(2),
  height: z.number().int().positive().multipleOf(2),
  fps: z.number().int().positive(),
  videoBitrateKbps: z.number().int().positive(),
  audioBitrateKbps: z.number().int().positive(),
  h264Profile: z.enum(["baseline", "main", "high"]),
});
export type Rendition = z.infer<typeof Rendition>;

export const Ladder = z.object({
  renditions: z.array(Rendition).min(1),
  /** Segment length and GOP length alike: an IDR opens every segment on every rendition. */
  segmentSeconds: z.number().int().positive(),
  audioSampleRate: z.number().int().positive(),
});
export type Ladder = z.infer<typeof Ladder>;

/** Our spec: 1080p, 720p, 480p, 240p at 30 fps; AAC 192/192/128/128 kbps; 2-second GOPs and segments. */
export const DEFAULT_LADDER: Ladder = {
  renditions: [
    { name: "1080p", width: 1920, height: 1080, fps: 30, videoBitrateKbps: 5000, audioBitrateKbps: 192, h264Profile: "high" },
    { name: "720p", width: 1280, height: 720, fps: 30, videoBitrateKbps: 3000, audioBitrateKbps: 192, h264Profile: "high" },
    { name: "480p", width: 640, height: 480, fps: 30, videoBitrateKbps: 1200, audioBitrateKbps: 128, h264Profile: "main" },
    { name: "240p", width: 320, height: 240, fps: 30, videoBitrateKbps: 400, audioBitrateKbps: 128, h264Profile: "baseline" },
  ],
  segmentSeconds: 2,
  audioSampleRate: 48_000,
};

export const gopFrames = (ladder: Ladder, rendition: Rendition) => rendition.fps * ladder.segmentSeconds;
