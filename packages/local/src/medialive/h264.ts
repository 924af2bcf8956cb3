import { gopFrames, type Ladder, type Rendition } from "@visionstream/core/channels/ladder";

interface Level {
  name: string;
  idc: number;
  maxMacroblocksPerSecond: number;
  maxFrameMacroblocks: number;
  maxBitrateKbps: number;
  maxBufferKbits: number;
}

/** H.264 Annex A, table A-1; bitrate and buffer limits are for baseline/main (high allows 1.25 times as much). */
const LEVELS: Level[] = [
  { name: "1.0", idc: 10, maxMacroblocksPerSecond: 1_485, maxFrameMacroblocks: 99, maxBitrateKbps: 64, maxBufferKbits: 175 },
  { name: "1.1", idc: 11, maxMacroblocksPerSecond: 3_000, maxFrameMacroblocks: 396, maxBitrateKbps: 192, maxBufferKbits: 500 },
  { name: "1.2", idc: 12, maxMacroblocksPerSecond: 6_000, maxFrameMacroblocks: 396, maxBitrateKbps: 384, maxBufferKbits: 1_000 },
  { name: "1.3", idc: 13, maxMacroblocksPerSecond: 11_880, maxFrameMacroblocks: 396, maxBitrateKbps: 768, maxBufferKbits: 2_000 },
  { name: "2.0", idc: 20, maxMacroblocksPerSecond: 11_880, maxFrameMacroblocks: 396, maxBitrateKbps: 2_000, maxBufferKbits: 2_000 },
  { name: "2.1", idc: 21, maxMacroblocksPerSecond: 19_800, maxFrameMacroblocks: 792, maxBitrateKbps: 4_000, maxBufferKbits: 4_000 },
  { name: "2.2", idc: 22, maxMacroblocksPerSecond: 20_250, maxFrameMacroblocks: 1_620, maxBitrateKbps: 4_000, maxBufferKbits: 4_000 },
  { name: "3.0", idc: 30, maxMacroblocksPerSecond: 40_500, maxFrameMacroblocks: 1_620, maxBitrateKbps: 10_000, maxBufferKbits: 10_000 },
  { name: "3.1", idc: 31, maxMacroblocksPerSecond: 108_000, maxFrameMacroblocks: 3_600, maxBitrateKbps: 14_000, maxBufferKbits: 14_000 },
  { name: "3.2", idc: 32, maxMacroblocksPerSecond: 216_000, maxFrameMacroblocks: 5_120, maxBitrateKbps: 20_000, maxBufferKbits: 20_000 },
  { name: "4.0", idc: 40, maxMacroblocksPerSecond: 245_760, maxFrameMacroblocks: 8_192, maxBitrateKbps: 20_000, maxBufferKbits: 25_000 },
  { name: "4.1", idc: 41, maxMacroblocksPerSecond: 245_760, maxFrameMacroblocks: 8_192, maxBitrateKbps: 50_000, maxBufferKbits: 62_500 },
  { name: "4.2", idc: 42, maxMacroblocksPerSecond: 522_240, maxFrameMacroblocks: 8_704, maxBitrateKbps: 50_000, maxBufferKbits: 62_500 },
  { name: "5.0", idc: 50, maxMacroblocksPerSecond: 589_824, maxFrameMacroblocks: 22_080, maxBitrateKbps: 135_000, maxBufferKbits: 135_000 },
  { name: "5.1", idc: 51, maxMacroblocksPerSecond: 983_040, maxFrameMacroblocks: 36_864, maxBitrateKbps: 240_000, maxBufferKbits: 240_000 },
  { name: "5.2", idc: 52, maxMacroblocksPerSecond: 2_073_600, maxFrameMacroblocks: 36_864, maxBitrateKbps: 240_000, maxBufferKbits: 240_000 },
];

/** profile_idc and the constraint flags x264 writes in the SPS, as RFC 6381 hex. */
const PROFILE_HEX: Record<Rendition["h264Profile"], string> = { baseline: "42c0", main: "4d40", high: "6400" };

export interface H264Settings {
  bitrateKbps: number;
  maxrateKbps: number;
  bufsizeKbits: number;
  gopFrames: number;
  /** The level we ask x264 for, so that the CODECS attribute of the master playlist is exact. */
  level: string;
  /** RFC 6381 codec string of the rendition's video, for example avc1.640028. */
  codec: string;
}

/** CBR-like VBV: the peak rate is the nominal rate, with a buffer of one segment. */
export function h264Settings(ladder: Ladder, rendition: Rendition): H264Settings {
  const macroblocks = Math.ceil(rendition.width / 16) * Math.ceil(rendition.height / 16);
  const maxrateKbps = rendition.videoBitrateKbps;
  const bufsizeKbits = rendition.videoBitrateKbps * ladder.segmentSeconds;
  const headroom = rendition.h264Profile === "high" ? 1.25 : 1;
  const level = LEVELS.find(
    (candidate) =>
      macroblocks <= candidate.maxFrameMacroblocks &&
      Math.max(rendition.width, rendition.height) / 16 <= Math.sqrt(8 * candidate.maxFrameMacroblocks) &&
      macroblocks * rendition.fps <= candidate.maxMacroblocksPerSecond &&
      maxrateKbps <= candidate.maxBitrateKbps * headroom &&
      bufsizeKbits <= candidate.maxBufferKbits * headroom,
  );
  if (!level) throw new RangeError(`rendition ${rendition.name} exceeds H.264 level 5.2`);
  return {
    bitrateKbps: rendition.videoBitrateKbps,
    maxrateKbps,
    bufsizeKbits,
    gopFrames: gopFrames(ladder, rendition),
    level: level.name,
    codec: `avc1.${PROFILE_HEX[rendition.h264Profile]}${level.idc.toString(16).padStart(2, "0")}`,
  };
}

export const AAC_LC_CODEC = "mp4a.40.2";
