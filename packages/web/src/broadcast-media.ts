export type Resolution = "1080p" | "720p";

export interface ResolutionSettings {
  width: number;
  height: number;
  /** The encoder's cap in bit/s: what the channel's top rendition needs with room to spare, not more. */
  maxBitrate: number;
  label: string;
}

export const RESOLUTIONS: Record<Resolution, ResolutionSettings> = {
  "1080p": { width: 1920, height: 1080, maxBitrate: 6_000_000, label: "1080p (1920×1080)" },
  "720p": { width: 1280, height: 720, maxBitrate: 3_500_000, label: "720p (1280×720)" },
};

export const FRAME_RATE = 30;

/**
 * When the machine or the network cannot keep up, the encoder lowers the picture's size rather than its frame rate.
 * The channel's transcoder scales every picture to its fixed renditions anyway, so a smaller picture only looks softer,
 * while dropped frames would stutter in every rendition; and "maintain-resolution" lets a software H.264 encoder on a
 * slow machine fall far below 30 frames a second at 1080p.
 */
export const DEGRADATION_PREFERENCE: RTCDegradationPreference = "maintain-framerate";

export function isResolution(value: string): value is Resolution {
  return Object.hasOwn(RESOLUTIONS, value);
}

export function videoConstraints(resolution: Resolution, deviceId?: string): MediaTrackConstraints {
  const { width, height } = RESOLUTIONS[resolution];
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    width: { ideal: width },
    height: { ideal: height },
    frameRate: { ideal: FRAME_RATE, max: FRAME_RATE },
  };
}

export function audioConstraints(deviceId?: string): MediaTrackConstraints | true {
  return deviceId ? { deviceId: { exact: deviceId } } : true;
}

export class NoH264Encoder extends Error {
  override name = "NoH264Encoder";
  constructor() {
    super("this browser cannot send H.264 video, which the broadcast server forwards without re-encoding: use Chrome, Edge, Safari or Firefox");
  }
}

const mime = (codec: RTCRtpCodec) => codec.mimeType.toLowerCase();
const packetizationMode = (codec: RTCRtpCodec) => /packetization-mode=(\d)/.exec(codec.sdpFmtpLine ?? "")?.[1] ?? "0";

/**
 * The video codecs to offer: H.264 only (the gateway forwards it as is), those that fragment large frames
 * (packetization-mode=1) first, in the browser's own order otherwise, and retransmission (RTX) kept.
 */
export function h264Only(codecs: readonly RTCRtpCodec[]): RTCRtpCodec[] {
  const h264 = codecs.filter((codec) => mime(codec) === "video/h264");
  if (h264.length === 0) throw new NoH264Encoder();
  const fragmenting = h264.filter((codec) => packetizationMode(codec) === "1");
  const single = h264.filter((codec) => packetizationMode(codec) !== "1");
  return [...fragmenting, ...single, ...codecs.filter((codec) => mime(codec) === "video/rtx")];
}

/** The audio codecs to offer: Opus only (the gateway transcodes Opus to AAC); every codec if the browser has no Opus, for the server to refuse in words. */
export function opusOnly(codecs: readonly RTCRtpCodec[]): RTCRtpCodec[] {
  const opus = codecs.filter((codec) => mime(codec) === "audio/opus");
  return opus.length === 0 ? [...codecs] : opus;
}

/** "1280×720 at 30 fps", what the camera actually gives. */
export function describeCapture(settings: MediaTrackSettings): string {
  if (!settings.width || !settings.height) return "";
  return `${settings.width}×${settings.height}${settings.frameRate ? ` at ${Math.round(settings.frameRate)} fps` : ""}`;
}
