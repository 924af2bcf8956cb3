import { createSocket, type RemoteInfo } from "node:dgram";

export interface RtpIngestOptions {
  host: string;
  port: number;
  /** Source addresses outside the allow-list are dropped, packet by packet. */
  allow(address: string): boolean;
  /** MPEG-TS bytes, in RTP sequence order (see RtpOrder), duplicates dropped. */
  onPayload(payload: Buffer): void;
  onRefused?(event: { remoteAddress: string; reason: string }): void;
  /** How long a packet that came early waits for the ones before it (REORDER_WAIT_MS unless told). */
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

/** How long a packet that came early waits for the ones before it (reordered on the way) before they are lost. */
export const REORDER_WAIT_MS = 30;
/**
 * How far from the packet expected a packet may be and still be of the same sequence, come early or late: about 0.1 s
 * of a 12 Mb/s camera. One further away is another sender's, the same sender's started again, or comes after a long
 * loss: it is taken as the start of a new sequence once the packet after it follows (RFC 3550's probation, appendix A.1).
 */
export const REORDER_PACKETS = 128;
/** A jump forward up to this far, in the same SSRC, is counted as lost packets; a longer one is a sequence started again. */
export const MAX_DROPOUT = 3_000;
/** RTCP packet types as RTP would read them (RFC 5761: 192-223), for RTCP sent on the RTP port. */
const isRtcp = (packet: Buffer) => packet[1]! >= 192 && packet[1]! <= 223;

const SEQUENCE_SPAN = 0x10000;
const HALF_SPAN = 0x8000;
/** How far sequence number `to` comes after `from`, from -32,768 to 32,767. */
const sequenceDelta = (from: number, to: number) => ((to - from + SEQUENCE_SPAN + HALF_SPAN) % SEQUENCE_SPAN) - HALF_SPAN;
const after = (sequence: number) => (sequence + 1) % SEQUENCE_SPAN;

/**
 * RTP packets into sequence order. A packet that comes early waits for the ones before it, each at most waitMs from
 * its own arrival (so losses one after the other do not add up their waits); a duplicate, or one that comes after it was
 * given up, is discarded. A packet far from the sequence (another SSRC, or more than REORDER_PACKETS away) starts a new
 * sequence when the packet after it follows, after what still waited of the one before: so a sender that starts again
 * is followed from its first packet (ffmpeg's RTP muxer picks a new SSRC, and a sequence below 4,096 that the one before
 * would otherwise take for old packets, up to 32,768 of them: 30 s of a 12 Mb/s camera), and a stray packet is not.
 */
export class RtpOrder {
  private ssrc: number | undefined;
  private expected: number | undefined;
  private readonly waiting = new Map<number, { payload: Buffer; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  /** A packet far from the sequence, kept: a new sequence starts there if the packet after it comes next. */
  private candidate: { ssrc: number; sequence: number; payload: Buffer } | undefined;
  lost = 0;
  discarded = 0;

  constructor(
    private readonly deliver: (payload: Buffer) => void,
    private readonly waitMs = REORDER_WAIT_MS,
  ) {}

  push(ssrc: number, sequence: number, payload: Buffer): void {
    if (this.expected === undefined) [this.ssrc, this.expected] = [ssrc, sequence];
    const ahead = ssrc === this.ssrc ? sequenceDelta(this.expected, sequence) : undefined;
    if (ahead === undefined || Math.abs(ahead) > REORDER_PACKETS) {
      const candidate = this.candidate;
      if (!candidate || candidate.ssrc !== ssrc || after(candidate.sequence) !== sequence) {
        if (candidate) this.discarded++;
        this.candidate = { ssrc, sequence, payload };
        return;
      }
      this.candidate = undefined;
      this.close();
      const skipped = ssrc === this.ssrc ? sequenceDelta(this.expected, candidate.sequence) : 0;
      if (skipped > 0 && skipped <= MAX_DROPOUT) this.lost += skipped;
      this.ssrc = ssrc;
      this.deliver(candidate.payload);
      this.expected = sequence;
    } else {
      if (this.candidate) this.discarded++;
      this.candidate = undefined;
      if (ahead < 0 || this.waiting.has(sequence)) {
        this.discarded++;
        return;
      }
      if (ahead > 0) {
        this.waiting.set(sequence, { payload, at: Date.now() });
        this.schedule();
        return;
      }
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

  /** What waits and follows the one expected goes on, in order. */
  private flush(): void {
    while (this.expected !== undefined && this.waiting.has(this.expected)) {
      this.deliver(this.waiting.get(this.expected)!.payload);
      this.waiting.delete(this.expected);
      this.expected = after(this.expected);
    }
  }

  /** A wait ends when the oldest packet waiting has waited waitMs. */
  private schedule(): void {
    if (this.timer || this.waiting.size === 0) return;
    const oldest = Math.min(...[...this.waiting.values()].map(({ at }) => at));
    this.timer = setTimeout(() => this.expire(), Math.max(0, oldest + this.waitMs - Date.now()));
  }

  /** Every packet that has waited waitMs goes on, and the packets missing before it are lost. */
  private expire(): void {
    this.timer = undefined;
    const due = Date.now() - this.waitMs;
    while ([...this.waiting.values()].some(({ at }) => at <= due)) this.giveUp();
    this.schedule();
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
    const parsed = isRtcp(packet) ? undefined : rtpPayload(packet);
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
