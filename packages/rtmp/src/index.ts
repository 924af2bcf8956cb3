export { type AmfObject, AmfDecodeError, type AmfValue, decodeAmf0, decodeAmf0Value, encodeAmf0 } from "./amf0.ts";
export { ChunkReader, DEFAULT_CHUNK_SIZE, encodeChunks, MESSAGE_TYPE, type OutgoingMessage, RtmpProtocolError, type RtmpMessage } from "./chunks.ts";
export { FLV_HEADER, FLV_TAG, type FlvTagType, flvTag } from "./flv.ts";
export { answerHandshake, checkClientVersion, HANDSHAKE_SIZE, HandshakeRefused } from "./handshake.ts";
export { normaliseAddress, startRtmpIngest } from "./server.ts";
export { MAX_BUFFERED_FLV_BYTES } from "./session.ts";
export type { PublishRequest, PublishSession, RtmpIngest, RtmpIngestOptions, Verdict } from "./types.ts";
