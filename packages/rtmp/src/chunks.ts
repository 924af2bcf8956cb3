export const MESSAGE_TYPE = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAcknowledgementSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  sharedObjectAmf3: 16,
  commandAmf3: 17,
  dataAmf0: 18,
  sharedObjectAmf0: 19,
  commandAmf0: 20,
  aggregate: 22,
} as const;

const KNOWN_TYPES = new Set<number>(Object.values(MESSAGE_TYPE));

export const DEFAULT_CHUNK_SIZE = 128;
/** The 3-byte length field cannot say more; the check stands for headers built by hand. */
export const MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;
/** All partly received messages of one connection together. */
const MAX_PARTIAL_BYTES = 32 * 1024 * 1024;
const EXTENDED = 0xffffff;
const HEADER_LENGTH = [11, 7, 3, 0] as const;

export interface RtmpMessage {
  type: number;
  streamId: number;
  /** absolute, rebuilt from the deltas, modulo 2^32 */
  timestamp: number;
  payload: Buffer;
}

export class RtmpProtocolError extends Error {
  override name = "RtmpProtocolError";
}

interface ChunkStream {
  timestamp: number;
  /** the last timestamp field: the delta of fmt 1/2, the absolute time of fmt 0; a fmt 3 message repeats it */
  field: number;
  extended: boolean;
  length: number;
  type: number;
  streamId: number;
  pieces: Buffer[];
  received: number;
}

/**
 * Reassembles messages from the chunk stream of one connection. Chunk payloads are sliced, not copied, and a
 * message is handed out as soon as its last byte arrives; `pause()` (from inside the handler, too) holds
 * the rest of the input until `resume()`.
 */
export class ChunkReader {
  chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStream>();
  private pending: Buffer = Buffer.alloc(0);
  private reading: ChunkStream | undefined;
  private payloadLeft = 0;
  private partialBytes = 0;
  private paused = false;
  private stopped = false;

  constructor(private readonly onMessage: (message: RtmpMessage) => void) {}

  /** Throws RtmpProtocolError on input that is not a valid chunk stream. */
  push(data: Buffer): void {
    if (this.stopped) return;
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    this.drain();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.streams.clear();
    this.pending = Buffer.alloc(0);
  }

  setChunkSize(size: number): void {
    if (size < 1 || size > 0x7fffffff) throw new RtmpProtocolError(`invalid chunk size ${size}`);
    this.chunkSize = size;
  }

  /** Abort message: drop what has arrived of the message on this chunk stream. */
  abort(chunkStreamId: number): void {
    const stream = this.streams.get(chunkStreamId);
    if (!stream || stream === this.reading) return;
    this.partialBytes -= stream.received;
    stream.pieces = [];
    stream.received = 0;
  }

  private drain(): void {
    while (!this.paused && !this.stopped) {
      if (this.payloadLeft > 0) {
        if (this.pending.length === 0) return;
        this.readPayload();
      } else if (!this.readHeader()) {
        return;
      }
    }
  }

  private readPayload(): void {
    const stream = this.reading!;
    const take = Math.min(this.payloadLeft, this.pending.length);
    stream.pieces.push(this.pending.subarray(0, take));
    this.pending = this.pending.subarray(take);
    stream.received += take;
    this.partialBytes += take;
    this.payloadLeft -= take;
    if (this.partialBytes > MAX_PARTIAL_BYTES) throw new RtmpProtocolError("too many partly received messages");
    if (this.payloadLeft === 0) this.chunkDone(stream);
  }

  private chunkDone(stream: ChunkStream): void {
    this.reading = undefined;
    if (stream.received < stream.length) return;
    const payload = stream.pieces.length === 1 ? stream.pieces[0]! : Buffer.concat(stream.pieces, stream.length);
    this.partialBytes -= stream.received;
    stream.pieces = [];
    stream.received = 0;
    this.onMessage({ type: stream.type, streamId: stream.streamId, timestamp: stream.timestamp, payload });
  }

  /** Parses one chunk header if it has fully arrived; false if more input is needed. */
  private readHeader(): boolean {
    const input = this.pending;
    if (input.length < 1) return false;
    const fmt = input[0]! >> 6;
    let chunkStreamId = input[0]! & 0x3f;
    let at = 1;
    if (chunkStreamId === 0) {
      if (input.length < 2) return false;
      chunkStreamId = 64 + input[1]!;
      at = 2;
    } else if (chunkStreamId === 1) {
      if (input.length < 3) return false;
      chunkStreamId = 64 + input[1]! + input[2]! * 256;
      at = 3;
    }
    const headerLength = HEADER_LENGTH[fmt as 0 | 1 | 2 | 3];
    if (input.length < at + headerLength) return false;

    let stream = this.streams.get(chunkStreamId);
    if (!stream) {
      if (fmt > 1) throw new RtmpProtocolError(`chunk stream ${chunkStreamId} starts without a message header`);
      stream = { timestamp: 0, field: 0, extended: false, length: 0, type: 0, streamId: 0, pieces: [], received: 0 };
    }
    const continuation = fmt === 3 && stream.received > 0;

    let field = stream.field;
    let extended = stream.extended;
    let length = stream.length;
    let type = stream.type;
    let streamId = stream.streamId;
    if (fmt <= 2) {
      field = input.readUIntBE(at, 3);
      extended = field === EXTENDED;
    }
    if (fmt <= 1) {
      length = input.readUIntBE(at + 3, 3);
      type = input[at + 6]!;
    }
    if (fmt === 0) streamId = input.readUInt32LE(at + 7);
    at += headerLength;

    if (extended) {
      if (input.length < at + 4) return false;
      const value = input.readUInt32BE(at);
      if (fmt <= 2) {
        field = value;
        at += 4;
      } else if (!continuation) {
        field = value;
        at += 4;
      } else if (value === stream.field) {
        // librtmp and ffmpeg repeat the extended timestamp on continuation chunks; some encoders do not
        at += 4;
      }
    }

    if (!continuation) {
      if (length > MAX_MESSAGE_LENGTH) throw new RtmpProtocolError(`message of ${length} bytes is too large`);
      if (!KNOWN_TYPES.has(type)) throw new RtmpProtocolError(`unknown message type ${type}`);
      if (stream.received > 0) {
        // a new message header in the middle of a message: the rest of the old one is not coming
        this.partialBytes -= stream.received;
        stream.pieces = [];
        stream.received = 0;
      }
      stream.timestamp = fmt === 0 ? field : (stream.timestamp + field) >>> 0;
      stream.field = field;
      stream.extended = extended;
      stream.length = length;
      stream.type = type;
      stream.streamId = streamId;
      this.streams.set(chunkStreamId, stream);
    }

    this.pending = input.subarray(at);
    this.reading = stream;
    this.payloadLeft = Math.min(this.chunkSize, stream.length - stream.received);
    if (this.payloadLeft === 0) this.chunkDone(stream);
    return true;
  }
}

export interface OutgoingMessage {
  chunkStreamId: number;
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

function basicHeader(fmt: number, chunkStreamId: number): Buffer {
  if (chunkStreamId < 64) return Buffer.from([(fmt << 6) | chunkStreamId]);
  if (chunkStreamId < 320) return Buffer.from([fmt << 6, chunkStreamId - 64]);
  const id = chunkStreamId - 64;
  return Buffer.from([(fmt << 6) | 1, id & 0xff, id >> 8]);
}

/** One message as chunks: a type 0 header, then type 3 continuation chunks (repeating an extended timestamp). */
export function encodeChunks(message: OutgoingMessage, chunkSize: number): Buffer {
  const { chunkStreamId, type, streamId, timestamp, payload } = message;
  const extended = timestamp >= EXTENDED;
  const header = Buffer.alloc(11 + (extended ? 4 : 0));
  header.writeUIntBE(extended ? EXTENDED : timestamp, 0, 3);
  header.writeUIntBE(payload.length, 3, 3);
  header[6] = type;
  header.writeUInt32LE(streamId, 7);
  if (extended) header.writeUInt32BE(timestamp, 11);
  const parts: Buffer[] = [basicHeader(0, chunkStreamId), header];
  const continuation = basicHeader(3, chunkStreamId);
  const extendedTimestamp = header.subarray(11);
  parts.push(payload.subarray(0, chunkSize));
  for (let at = chunkSize; at < payload.length; at += chunkSize) {
    parts.push(continuation, extendedTimestamp, payload.subarray(at, at + chunkSize));
  }
  return Buffer.concat(parts);
}
