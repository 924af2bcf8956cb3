export { BusRelay, type BusSwitch, type RelayOptions, type SwitchMode } from "./bus-relay.ts";
export { IngestTap, OUTPUT_PMT_PID, OUTPUT_VIDEO_PID, type TappedPacket } from "./ingest-tap.ts";
export { startsKeyframe } from "./nal.ts";
export { type PidTimestamps, pesTimestamps } from "./pes-timestamps.ts";
export {
  hasPayload,
  PACKET_SIZE,
  type PesHeader,
  payloadOffset,
  payloadUnitStart,
  pidOf,
  randomAccess,
  readPcr,
  readPes,
  rebase,
  SYNC_BYTE,
  setContinuity,
  setPid,
  TIMESTAMP_WRAP,
  timestampDelta,
  wrap,
  writePcr,
} from "./packets.ts";
export { AUDIO_STREAM_TYPES, crc32, patSection, type PmtStream, pmtSection, psiPacket, psiSection, VIDEO_STREAM_TYPES } from "./psi.ts";
