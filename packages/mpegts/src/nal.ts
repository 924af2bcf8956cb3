import { PACKET_SIZE } from "./packets.ts";

/** Whether the elementary stream bytes starting at `from` hold a keyframe's NAL unit (H.264 IDR or SPS; HEVC IRAP or VPS). */
export function startsKeyframe(packet: Buffer, from: number, streamType: number): boolean {
  for (let i = from; i + 3 < PACKET_SIZE; i++) {
    if (packet[i] !== 0 || packet[i + 1] !== 0 || packet[i + 2] !== 1) continue;
    const header = packet[i + 3]!;
    if (streamType === 0x24) {
      const type = (header >> 1) & 0x3f;
      if ((type >= 16 && type <= 21) || type === 32) return true;
    } else if (streamType === 0x1b) {
      const type = header & 0x1f;
      if (type === 5 || type === 7) return true;
    } else if (header === 0xb3) return true;
  }
  return false;
}
