import { startsKeyframe } from "./nal.ts";
import { PACKET_SIZE, payloadOffset, payloadUnitStart, pidOf, randomAccess, readPes, SYNC_BYTE, timestampDelta } from "./packets.ts";
import { AUDIO_STREAM_TYPES, type PmtStream, psiSection, VIDEO_STREAM_TYPES } from "./psi.ts";

/** The output map every ingest is normalised to: one program, the video on 0x100, audio from 0x101. */
export const OUTPUT_PMT_PID = 0x1000;
export const OUTPUT_VIDEO_PID = 0x100;
const OUTPUT_FIRST_AUDIO_PID = 0x101;
const OUTPUT_PCR_ONLY_PID = 0x1f0;

export interface TappedPacket {
  packet: Buffer;
  /** The PID it takes on the output; undefined for packets that are not forwarded (PSI, unknown streams). */
  outPid: number | undefined;
  video: boolean;
  unitStart: boolean;
  /** The last packet of a PES whose length is declared. */
  unitEnd: boolean;
  keyframe: boolean;
  dts: number | undefined;
  pts: number | undefined;
  /** The ingest's last video DTS as of this packet (the tap may have read packets beyond it already). */
  videoDtsSoFar: number | undefined;
}

const BITRATE_WINDOW_MS = 2_000;
const EMPTY = Buffer.alloc(0);
const DEFAULT_FRAME_TICKS = 3_000;

/**
 * Reads one ingest's transport stream as it arrives: realigns the bytes into packets, follows its PAT and PMT,
 * maps its streams onto the output map, and notes what a switch needs (keyframes, timestamps, frame duration, PES fill).
 */
export class IngestTap {
  private rest: Buffer = EMPTY;
  private pmtPid: number | undefined;
  private readonly outPids = new Map<number, { outPid: number; streamType: number; video: boolean }>();
  private outputStreams: PmtStream[] = [];
  private outputPcrPid = OUTPUT_VIDEO_PID;
  /** Bytes still due of the PES being received, per source PID (-1: unbounded). */
  private readonly pesRemaining = new Map<number, number>();
  private readonly arrivals: { at: number; bytes: number }[] = [];
  lastDataAt = 0;
  lastKeyframeAt = 0;
  lastVideoDts: number | undefined;
  frameTicks = DEFAULT_FRAME_TICKS;
  /** Bumped whenever the stream's map changes (a new PMT). */
  mapVersion = 0;

  constructor(
    readonly ingestId: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get ready(): boolean {
    return this.outputStreams.length > 0;
  }

  get streams(): readonly PmtStream[] {
    return this.outputStreams;
  }

  get pcrOutPid(): number {
    return this.outputPcrPid;
  }

  /** Whether the PES in progress on this output PID is incomplete (its declared length not yet received). */
  midUnit(outPid: number): boolean {
    for (const [pid, mapped] of this.outPids) if (mapped.outPid === outPid) return (this.pesRemaining.get(pid) ?? 0) > 0;
    return false;
  }

  bitrateKbps(): number {
    const since = this.now() - BITRATE_WINDOW_MS;
    while (this.arrivals.length && this.arrivals[0]!.at < since) this.arrivals.shift();
    const bytes = this.arrivals.reduce((sum, arrival) => sum + arrival.bytes, 0);
    return Math.round((bytes * 8) / BITRATE_WINDOW_MS);
  }

  /**
   * Splits the bytes into packets (resynchronising on the sync byte) and reads each; returns them in order. The packets
   * are views of `chunk`, which must not change afterwards; only a packet split across two chunks is copied.
   */
  push(chunk: Buffer): TappedPacket[] {
    const at = this.now();
    this.lastDataAt = at;
    this.arrivals.push({ at, bytes: chunk.length });
    if (this.arrivals.length > 4096) this.arrivals.splice(0, 2048);
    const packets: TappedPacket[] = [];
    let offset = 0;
    const rest = this.rest;
    if (rest.length > 0) {
      // The rest is shorter than a packet: the packets that start in it end within the chunk's first two.
      const head = Buffer.concat([rest, chunk.subarray(0, 2 * PACKET_SIZE)]);
      const length = rest.length + chunk.length;
      while (offset < rest.length && offset + PACKET_SIZE <= length) {
        if (this.startsPacket(head, offset, length)) {
          packets.push(this.read(head.subarray(offset, offset + PACKET_SIZE)));
          offset += PACKET_SIZE;
        } else offset++;
      }
      if (offset < rest.length) {
        this.rest = head.subarray(offset);
        return packets;
      }
      offset -= rest.length;
    }
    while (offset + PACKET_SIZE <= chunk.length) {
      if (this.startsPacket(chunk, offset, chunk.length)) {
        packets.push(this.read(chunk.subarray(offset, offset + PACKET_SIZE)));
        offset += PACKET_SIZE;
      } else offset++;
    }
    this.rest = offset < chunk.length ? Buffer.from(chunk.subarray(offset)) : EMPTY;
    return packets;
  }

  /** A packet starts here when it has the sync byte and so does the next one, if the bytes go that far. */
  private startsPacket(data: Buffer, offset: number, length: number): boolean {
    return data[offset] === SYNC_BYTE && (offset + PACKET_SIZE >= length || data[offset + PACKET_SIZE] === SYNC_BYTE);
  }

  private read(packet: Buffer): TappedPacket {
    const pid = pidOf(packet);
    const unitStart = payloadUnitStart(packet);
    if (pid === 0) this.readPat(packet);
    else if (pid === this.pmtPid) this.readPmt(packet);
    const mapped = this.outPids.get(pid);
    const tapped: TappedPacket = {
      packet,
      outPid: mapped?.outPid,
      video: mapped?.video ?? false,
      unitStart,
      unitEnd: false,
      keyframe: false,
      dts: undefined,
      pts: undefined,
      videoDtsSoFar: this.lastVideoDts,
    };
    if (!mapped) return tapped;
    const payloadAt = payloadOffset(packet);
    const payloadBytes = payloadAt < 0 ? 0 : PACKET_SIZE - payloadAt;
    if (unitStart) {
      const pes = readPes(packet);
      if (pes) {
        const remaining = pes.length === 0 ? -1 : pes.length + 6 - payloadBytes;
        this.pesRemaining.set(pid, remaining);
        tapped.unitEnd = pes.length > 0 && remaining <= 0;
        tapped.pts = pes.pts;
        tapped.dts = pes.dts ?? pes.pts;
        if (mapped.video) {
          tapped.keyframe = randomAccess(packet) || startsKeyframe(packet, pes.dataAt, mapped.streamType);
          if (tapped.keyframe) this.lastKeyframeAt = this.now();
          if (tapped.dts !== undefined) {
            if (this.lastVideoDts !== undefined) {
              const step = timestampDelta(this.lastVideoDts, tapped.dts);
              if (step > 0 && step <= 9_000) this.frameTicks = step;
            }
            this.lastVideoDts = tapped.dts;
          }
        }
      }
    } else {
      const remaining = this.pesRemaining.get(pid);
      if (remaining !== undefined && remaining > 0) {
        this.pesRemaining.set(pid, remaining - payloadBytes);
        tapped.unitEnd = remaining - payloadBytes <= 0;
      }
    }
    tapped.videoDtsSoFar = this.lastVideoDts;
    return tapped;
  }

  private readPat(packet: Buffer) {
    const section = psiSection(packet);
    if (!section || section[0] !== 0x00) return;
    for (let at = 8; at + 4 <= section.length - 4; at += 4) {
      const program = (section[at]! << 8) | section[at + 1]!;
      if (program !== 0) {
        this.pmtPid = ((section[at + 2]! & 0x1f) << 8) | section[at + 3]!;
        return;
      }
    }
  }

  private readPmt(packet: Buffer) {
    const section = psiSection(packet);
    if (!section || section[0] !== 0x02) return;
    const pcrPid = ((section[8]! & 0x1f) << 8) | section[9]!;
    const programInfoLength = ((section[10]! & 0x0f) << 8) | section[11]!;
    const found: { pid: number; streamType: number; descriptors: Buffer }[] = [];
    for (let at = 12 + programInfoLength; at + 5 <= section.length - 4; ) {
      const infoLength = ((section[at + 3]! & 0x0f) << 8) | section[at + 4]!;
      found.push({ streamType: section[at]!, pid: ((section[at + 1]! & 0x1f) << 8) | section[at + 2]!, descriptors: Buffer.from(section.subarray(at + 5, at + 5 + infoLength)) });
      at += 5 + infoLength;
    }
    const signature = `${pcrPid}|${found.map((stream) => `${stream.pid}:${stream.streamType}:${stream.descriptors.toString("hex")}`).join(",")}`;
    if (signature === this.pmtSignature) return;
    this.pmtSignature = signature;
    this.outPids.clear();
    const streams: PmtStream[] = [];
    const video = found.find((stream) => VIDEO_STREAM_TYPES.has(stream.streamType));
    if (video) {
      this.outPids.set(video.pid, { outPid: OUTPUT_VIDEO_PID, streamType: video.streamType, video: true });
      streams.push({ pid: OUTPUT_VIDEO_PID, streamType: video.streamType, descriptors: video.descriptors });
    }
    found
      .filter((stream) => AUDIO_STREAM_TYPES.has(stream.streamType) || (stream.streamType === 0x06 && stream !== video))
      .slice(0, 8)
      .forEach((stream, index) => {
        this.outPids.set(stream.pid, { outPid: OUTPUT_FIRST_AUDIO_PID + index, streamType: stream.streamType, video: false });
        streams.push({ pid: OUTPUT_FIRST_AUDIO_PID + index, streamType: stream.streamType, descriptors: stream.descriptors });
      });
    const pcrStream = this.outPids.get(pcrPid);
    if (pcrStream) this.outputPcrPid = pcrStream.outPid;
    else {
      this.outPids.set(pcrPid, { outPid: OUTPUT_PCR_ONLY_PID, streamType: 0, video: false });
      this.outputPcrPid = OUTPUT_PCR_ONLY_PID;
    }
    this.outputStreams = streams;
    this.mapVersion++;
  }

  private pmtSignature = "";
}
