import { createSocket, type RemoteInfo } from "node:dgram";

export interface RtpIngestOptions {
  host: string;
  port: number;
  /** Source addresses outside the allow-list are dropped, packet by packet. */
  allow(address: string): boolean;
  /** MPEG-TS bytes, in RTP sequence order, duplicates dropped. */
  onPayload(payload: Buffer): void;
  onRefused?(event: { remoteAddress: string; reason: string }): void;
}

export interface RtpIngest {
  port: number;
  stats(): { packets: number; bytes: number; lastPacketAt: number | undefined; refused: number };
  close(): Promise<void>;
}

const TS_SYNC = 0x47;

/** The MPEG-TS payload of an RTP packet (RFC 3550 header, CSRCs, extension and padding removed), or undefined. */
export function rtpPayload(packet: Buffer): { sequence: number; payload: Buffer } | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  const csrcCount = packet[0]! & 0x0f;
  const hasExtension = (packet[0]! & 0x10) !== 0;
  const hasPadding = (packet[0]! & 0x20) !== 0;
  let offset = 12 + csrcCount * 4;
  if (hasExtension) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  const end = hasPadding ? packet.length - packet[packet.length - 1]! : packet.length;
  if (offset >= end) return undefined;
  return { sequence: packet.readUInt16BE(2), payload: packet.subarray(offset, end) };
}

/** An RTP_PUSH ingest: MPEG-TS over RTP on UDP, source addresses checked against the allow-list. */
export async function startRtpIngest(options: RtpIngestOptions): Promise<RtpIngest> {
  const socket = createSocket({ type: "udp4", reuseAddr: false });
  socket.setMaxListeners(0);
  let packets = 0;
  let bytes = 0;
  let refused = 0;
  let lastPacketAt: number | undefined;
  let lastSequence: number | undefined;
  const warned = new Set<string>();

  socket.on("message", (packet: Buffer, remote: RemoteInfo) => {
    if (!options.allow(remote.address)) {
      refused++;
      if (!warned.has(remote.address)) {
        warned.add(remote.address);
        options.onRefused?.({ remoteAddress: remote.address, reason: "address not in the channel's allow-list" });
      }
      return;
    }
    let payload: Buffer;
    if (packet[0] === TS_SYNC) payload = packet;
    else {
      const parsed = rtpPayload(packet);
      if (!parsed) return;
      if (lastSequence !== undefined) {
        const delta = (parsed.sequence - lastSequence + 0x10000) & 0xffff;
        if (delta === 0 || delta > 0x8000) return;
      }
      lastSequence = parsed.sequence;
      payload = parsed.payload;
    }
    packets++;
    bytes += payload.length;
    lastPacketAt = Date.now();
    options.onPayload(payload);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port, options.host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => undefined);
  socket.setRecvBufferSize(8 * 1024 * 1024);
  return {
    port: socket.address().port,
    stats: () => ({ packets, bytes, lastPacketAt, refused }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
