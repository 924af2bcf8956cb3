import { createSocket, type RemoteInfo } from "node:dgram";

export interface RtpIngestOptions {
  host: string;
  port: number;
  /** Source addresses outside the allow-list are dropped, packet by packet. */
  allow(address: string): boolean;
  /** MPEG-TS bytes, in RTP sequence order (see RtpOrder), duplicates dropped. */
  onPayload(payload: Buffer): void;
  onRefused?(event: { remoteAddress: string; reason: string }): void;
  /** How long packets after a missing one wait for it (REORDER_WAIT_MS unless told). */
  reorderWaitMs?: number;
}

export interface RtpIngest {
  port: number;
  /** lost: packets that never came in time; discarded: duplicates, and packets that came after they were given up. */
  stats(): { packets: number; bytes: number; lastPacketAt: number | undefined; refused: number; lost: number; discarded: number };
  close(): Promise<void>;
}

const TS_SYNC = 0x47;

/** The MPEG-TS payload of an RTP packet (RFC 3550 header, CSRCs, extension and padding removed), or undefined. */
export function rtpPayload(packet: Buffer): { sequence: number; ssrc: number; payload: Buffer } | undefined {
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
  return { sequence: packet.readUInt16BE(2), ssrc: packet.readUInt32BE(8), payload: packet.subarray(offset, end) };
}

/** How long packets after a missing one wait for it, in case it was only reordered on the way, before it is lost. */
export const REORDER_WAIT_MS = 30;
/** The most packets that wait for a missing one (about 0.1 s of a 12 Mb/s camera). */
export const REORDER_PACKETS = 128;
/**
 * A sequence number this far ahead of the one expected, or more than REORDER_PACKETS behind it, is not a packet of the
 * same sequence come late or early: the sender started again (RFC 3550's MAX_DROPOUT, appendix A.1). It is taken as the
 * new start once the next packet follows it.
 */
export const MAX_DROPOUT = 3_000;

const SEQUENCE_SPAN = 0x10000;
const HALF_SPAN = 0x8000;
/** How far sequence number `to` comes after `from`, from -32,768 to 32,767. */
const sequenceDelta = (from: number, to: number) => ((to - from + SEQUENCE_SPAN + HALF_SPAN) % SEQUENCE_SPAN) - HALF_SPAN;
const after = (sequence: number) => (sequence + 1) % SEQUENCE_SPAN;

/**
 * RTP packets into sequence order. A packet that comes early waits for the ones before it (at most waitMs, at most
 * REORDER_PACKETS packets); a duplicate, or one that comes after it was given up, is discarded. A sender that starts
 * again is followed from its first packet, after what still waited of the one before: a new SSRC (ffmpeg's RTP muxer
 * picks one at each start), or a jump of the sequence that the next packet confirms. ffmpeg also starts its sequence
 * at a random number below 4,096, which the sequence of before would otherwise take for old packets, up to 32,768 of
 * them (30 s of a 12 Mb/s camera).
 */
export class RtpOrder {
  private ssrc: number | undefined;
  private expected: number | undefined;
  private readonly waiting = new Map<number, Buffer>();
  private timer: NodeJS.Timeout | undefined;
  /** A packet far from the sequence, kept: the sequence starts again there if the packet after it comes next. */
  private restartCandidate: { sequence: number; payload: Buffer } | undefined;
  lost = 0;
  discarded = 0;

  constructor(
    private readonly deliver: (payload: Buffer) => void,
    private readonly waitMs = REORDER_WAIT_MS,
  ) {}

  push(ssrc: number, sequence: number, payload: Buffer): void {
    if (this.expected === undefined || ssrc !== this.ssrc) this.restart(ssrc, sequence);
    else {
      const ahead = sequenceDelta(this.expected, sequence);
      if (ahead > MAX_DROPOUT || ahead < -REORDER_PACKETS) {
        const candidate = this.restartCandidate;
        if (!candidate || after(candidate.sequence) !== sequence) {
          if (candidate) this.discarded++;
          this.restartCandidate = { sequence, payload };
          return;
        }
        this.restart(ssrc, candidate.sequence);
        this.restartCandidate = undefined;
        this.deliver(candidate.payload);
        this.expected = sequence;
      } else if (ahead < 0 || this.waiting.has(sequence)) {
        this.discarded++;
        return;
      }
    }
    if (this.restartCandidate) this.discarded++;
    this.restartCandidate = undefined;
    if (sequence !== this.expected) {
      this.waiting.set(sequence, payload);
      if (this.waiting.size > REORDER_PACKETS) this.giveUp();
      else this.timer ??= setTimeout(() => this.giveUp(), this.waitMs);
      return;
    }
    this.deliver(payload);
    this.expected = after(sequence);
    this.flush();
  }

  /** What still waits is delivered, in order, the packets missing before it counted as lost. */
  close(): void {
    while (this.waiting.size > 0) this.giveUp();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A new sender (or the same one starting over) from `sequence` on: what waited of the one before goes first. */
  private restart(ssrc: number, sequence: number): void {
    this.close();
    this.ssrc = ssrc;
    this.expected = sequence;
  }

  /** What waits and follows the one expected goes on, in order; a wait starts for what is left. */
  private flush(): void {
    while (this.expected !== undefined && this.waiting.has(this.expected)) {
      const payload = this.waiting.get(this.expected)!;
      this.waiting.delete(this.expected);
      this.deliver(payload);
      this.expected = after(this.expected);
    }
    clearTimeout(this.timer);
    this.timer = this.waiting.size > 0 ? setTimeout(() => this.giveUp(), this.waitMs) : undefined;
  }

  /** The packets missing before the first that waits are lost: the sequence goes on from there. */
  private giveUp(): void {
    const expected = this.expected;
    if (expected === undefined || this.waiting.size === 0) return;
    let first = expected;
    let nearest = Number.POSITIVE_INFINITY;
    for (const sequence of this.waiting.keys()) {
      const ahead = sequenceDelta(expected, sequence);
      if (ahead < nearest) [first, nearest] = [sequence, ahead];
    }
    this.lost += nearest;
    this.expected = first;
    this.flush();
  }
}

/** An RTP_PUSH ingest: MPEG-TS over RTP on UDP, source addresses checked against the allow-list. */
export async function startRtpIngest(options: RtpIngestOptions): Promise<RtpIngest> {
  const socket = createSocket({ type: "udp4", reuseAddr: false });
  socket.setMaxListeners(0);
  let packets = 0;
  let bytes = 0;
  let refused = 0;
  let lastPacketAt: number | undefined;
  const warned = new Set<string>();
  const deliver = (payload: Buffer) => {
    packets++;
    bytes += payload.length;
    lastPacketAt = Date.now();
    options.onPayload(payload);
  };
  const order = new RtpOrder(deliver, options.reorderWaitMs);

  socket.on("message", (packet: Buffer, remote: RemoteInfo) => {
    if (!options.allow(remote.address)) {
      refused++;
      if (!warned.has(remote.address)) {
        warned.add(remote.address);
        options.onRefused?.({ remoteAddress: remote.address, reason: "address not in the channel's allow-list" });
      }
      return;
    }
    // MPEG-TS straight over UDP, without RTP: no sequence to put it in order by.
    if (packet[0] === TS_SYNC) return deliver(packet);
    const parsed = rtpPayload(packet);
    if (parsed) order.push(parsed.ssrc, parsed.sequence, parsed.payload);
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
    stats: () => ({ packets, bytes, lastPacketAt, refused, lost: order.lost, discarded: order.discarded }),
    close: () =>
      new Promise<void>((resolve) =>
        socket.close(() => {
          order.close();
          resolve();
        }),
      ),
  };
}
