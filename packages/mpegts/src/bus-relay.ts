import { type IngestTap, OUTPUT_PMT_PID, OUTPUT_VIDEO_PID, type TappedPacket } from "./ingest-tap.ts";
import { hasPayload, PACKET_SIZE, rebase, setContinuity, setPid, timestampDelta, wrap } from "./packets.ts";
import { patSection, pmtSection, psiPacket } from "./psi.ts";

export type SwitchMode = "clean" | "cut";

export interface BusSwitch {
  mode: SwitchMode;
  superseded?: boolean;
  /** From the request to the first packet of the new ingest written to the output. */
  landedAfterMs: number;
  note?: string;
}

interface PendingSwitch {
  target: IngestTap;
  mode: SwitchMode;
  requestedAt: number;
  /** Clean: the target's packets from its keyframe on, held while the old ingest finishes its frame. */
  queue: TappedPacket[] | undefined;
  timer: NodeJS.Timeout;
  resolve: (outcome: BusSwitch) => void;
  note?: string;
}

const PROGRAM_NUMBER = 1;
const EMPTY = Buffer.alloc(0);
/** A block holds the packets of several writes: one allocation for many reads of an ingest. */
const MIN_BLOCK_PACKETS = 1024;
const PSI_INTERVAL_MS = 100;
/** How long the outgoing ingest may take to finish the frame it is sending. */
const DRAIN_MS = 100;
/** An outgoing ingest that keeps sending without ever starting a frame is not waited for longer than this. */
const MAX_DRAIN_MS = 1_000;
/** An ingest silent for this long is not waited for. */
const SILENT_MS = 500;

export interface RelayOptions {
  /** A clean switch with no keyframe within this bound falls back to cut. */
  keyframeTimeoutMs?: number;
  now?: () => number;
}

/**
 * One output bus (live or preview): forwards the selected ingest's packets, normalised to one output map, with
 * continuity counters and timestamps of its own so the output is one continuous stream across switches.
 */
export class BusRelay {
  private current: IngestTap | undefined;
  private offset = 0;
  private started = false;
  private pending: PendingSwitch | undefined;
  private readonly counters = new Map<number, number>();
  private lastVideoDts: number | undefined;
  private readonly lastAudioPts = new Map<number, number>();
  /** How much time an audio PES covers (it holds several frames): the next may not start before the last one ends. */
  private readonly audioPesTicks = new Map<number, number>();
  /** Output PIDs the current ingest may write to (audio waits for a whole PES after a clean switch). */
  private readonly admitted = new Set<number>();
  /** Output PIDs where the previous ingest still finishes a PES. */
  private readonly draining = new Map<number, { tap: IngestTap; until: number }>();
  /** The offset of the outgoing ingest, for the PES it finishes. */
  private drainOffset = 0;
  /** The ingest's map version the PSI on the output was written for. */
  private mapVersion = -1;
  private psiVersion = 0;
  private lastPsiAt = -Infinity;
  /** Where the packets of the next write are put: the unwritten end of a block, whose written part the writer owns. */
  private batch: Buffer = EMPTY;
  private batchBytes = 0;
  private readonly scratch = Buffer.alloc(PACKET_SIZE);
  /** When the packets being accepted arrived: one clock reading for all of them. */
  private arrivedAt = 0;
  /** How many packets the call in progress may add, to size a new block. */
  private expected = 0;
  private readonly keyframeTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly write: (chunk: Buffer) => void,
    options: RelayOptions = {},
  ) {
    this.keyframeTimeoutMs = options.keyframeTimeoutMs ?? 4_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** The ingest on the bus (not the one a pending switch goes to). */
  get tap(): IngestTap | undefined {
    return this.current;
  }

  get ingestId(): string | undefined {
    return (this.pending?.target ?? this.current)?.ingestId;
  }

  /** The ingest this bus starts from: forwarded from its first keyframe, with its own timestamps. */
  select(tap: IngestTap | undefined) {
    this.settle({ mode: "cut", landedAfterMs: 0, superseded: true, note: "replaced by another selection" });
    this.current = tap;
    this.started = false;
    this.admitted.clear();
    this.draining.clear();
  }

  switchTo(target: IngestTap, mode: SwitchMode): Promise<BusSwitch> {
    this.settle({ mode, landedAfterMs: 0, superseded: true, note: `superseded by a switch to ${target.ingestId}` });
    if (target === this.current) return Promise.resolve({ mode, landedAfterMs: 0, note: "already on this bus" });
    return new Promise((resolve) => {
      const pending: PendingSwitch = {
        target,
        mode,
        requestedAt: this.now(),
        queue: undefined,
        resolve,
        timer: setTimeout(() => (mode === "clean" ? this.fallBackToCut(pending) : this.awaitFirstKeyframe(pending)), mode === "clean" ? this.keyframeTimeoutMs : SILENT_MS),
      };
      this.pending = pending;
    });
  }

  /** Every packet of every ingest passes here; the bus keeps what it forwards. */
  accept(tap: IngestTap, packets: TappedPacket[]) {
    this.expected = packets.length;
    this.arrivedAt = this.now();
    for (const tapped of packets) this.acceptOne(tap, tapped);
    this.flush();
  }

  private acceptOne(tap: IngestTap, tapped: TappedPacket) {
    const pending = this.pending;
    if (pending && tap === pending.target) {
      if (pending.mode === "cut") {
        if (tapped.outPid === undefined || !tap.ready) return;
        this.cutOver(pending.target, tapped);
        this.fromCurrent(tapped);
        this.land(pending, "cut");
      } else if (pending.queue) pending.queue.push(tapped);
      else if (tapped.keyframe) {
        pending.queue = [tapped];
        if (!this.current || !this.started || this.now() - this.current.lastDataAt > SILENT_MS) this.cleanOver(pending);
        else {
          clearTimeout(pending.timer);
          this.awaitOutgoingFrame(pending, this.now());
        }
      }
      return;
    }
    if (tap !== this.current) {
      const outPid = tapped.outPid;
      if (outPid === undefined || this.draining.get(outPid)?.tap !== tap) return;
      if (tapped.unitStart) this.draining.delete(outPid);
      else {
        this.forward(tapped, this.drainOffset);
        if (tapped.unitEnd) this.draining.delete(outPid);
      }
      return;
    }
    if (pending?.queue && tapped.video && tapped.unitStart) {
      // The outgoing ingest's last frame is whole: the incoming one starts here.
      this.cleanOver(pending);
      return;
    }
    this.fromCurrent(tapped);
  }

  /**
   * The outgoing ingest's next frame start is the switch point. Only when it has gone silent (or after a bound) does the
   * switch go ahead without it; the check runs after pending reads (setImmediate), so a busy event loop that fires the
   * timer late does not cut a frame whose end is already waiting to be read.
   */
  private awaitOutgoingFrame(pending: PendingSwitch, since: number) {
    pending.timer = setTimeout(
      () =>
        setImmediate(() => {
          if (this.pending !== pending) return;
          // Under load an ingest arrives in bursts: only one quiet for as long as a lost one is has stopped.
          const silent = !this.current || this.now() - this.current.lastDataAt >= SILENT_MS;
          if (silent || this.now() - since >= MAX_DRAIN_MS) {
            this.cleanOver(pending);
            this.flush();
          } else this.awaitOutgoingFrame(pending, since);
        }),
      DRAIN_MS,
    );
  }

  /** The offset that puts `dts` one frame after the last frame out (or keeps the ingest's own timeline at the start). */
  private continueFrom(dts: number | undefined, frameTicks: number): number {
    if (this.lastVideoDts === undefined || dts === undefined) return this.lastVideoDts === undefined ? 0 : this.offset;
    return wrap(this.lastVideoDts + frameTicks - dts);
  }

  private fromCurrent(tapped: TappedPacket) {
    const outPid = tapped.outPid;
    const tap = this.current;
    if (outPid === undefined || !tap?.ready) return;
    if (!this.started) {
      if (!tapped.keyframe) return;
      this.started = true;
      this.offset = this.continueFrom(tapped.dts, tap.frameTicks);
      this.admitted.clear();
      this.writePsi(true);
    } else if (tap.mapVersion !== this.mapVersion) this.writePsi(true);
    if (!this.admitted.has(outPid)) {
      const drain = this.draining.get(outPid);
      if (drain && drain.until < this.now()) this.draining.delete(outPid);
      else if (drain || !tapped.unitStart) return;
      if (!tapped.video && tapped.pts !== undefined) {
        const last = this.lastAudioPts.get(outPid);
        if (last !== undefined && timestampDelta(last, wrap(tapped.pts + this.offset)) < (this.audioPesTicks.get(outPid) ?? 1)) return;
      }
      this.admitted.add(outPid);
    }
    if (this.arrivedAt - this.lastPsiAt >= PSI_INTERVAL_MS) this.writePsi(false);
    this.forward(tapped, this.offset);
  }


  /** Clean: the incoming ingest continues the output's timeline from its keyframe, one frame after the last frame out. */
  private cleanOver(pending: PendingSwitch) {
    const queue = pending.queue ?? [];
    this.handOver(pending.target, "clean");
    this.offset = this.continueFrom(queue[0]?.dts, pending.target.frameTicks);
    this.started = true;
    this.writePsi(true);
    for (const tapped of queue) this.fromCurrent(tapped);
    this.land(pending, "clean");
  }

  /** Cut: the incoming ingest's next packet goes out; its timeline is moved to follow the output's. */
  private cutOver(target: IngestTap, at: TappedPacket) {
    this.handOver(target, "cut");
    // The next frame out is this packet's, when it starts one, or the one after the ingest's last as of this packet.
    const next = at.video && at.dts !== undefined ? at.dts : at.videoDtsSoFar === undefined ? undefined : wrap(at.videoDtsSoFar + target.frameTicks);
    this.offset = this.continueFrom(next, target.frameTicks);
    this.started = true;
    for (const stream of target.streams) this.admitted.add(stream.pid);
    this.admitted.add(target.pcrOutPid);
    this.writePsi(true);
  }

  /** A cut to an ingest that sends nothing: it goes out from its first keyframe when it comes. */
  private awaitFirstKeyframe(pending: PendingSwitch) {
    if (this.pending !== pending) return;
    this.handOver(pending.target, "cut");
    this.started = false;
    this.pending = undefined;
    pending.resolve({ mode: "cut", landedAfterMs: this.now() - pending.requestedAt, note: `${pending.target.ingestId} sends nothing yet: it goes out from its first keyframe` });
  }

  private handOver(target: IngestTap, mode: SwitchMode) {
    const previous = this.current;
    this.draining.clear();
    if (previous && mode === "clean" && this.started && this.now() - previous.lastDataAt < SILENT_MS) {
      this.drainOffset = this.offset;
      const until = this.now() + DRAIN_MS;
      for (const stream of previous.streams) if (stream.pid !== OUTPUT_VIDEO_PID && previous.midUnit(stream.pid)) this.draining.set(stream.pid, { tap: previous, until });
    }
    this.current = target;
    this.admitted.clear();
  }

  private land(pending: PendingSwitch, mode: SwitchMode) {
    clearTimeout(pending.timer);
    this.pending = undefined;
    // Resolved once the packets are written, so the figure includes getting them out.
    this.flush();
    pending.resolve({ mode, landedAfterMs: this.now() - pending.requestedAt, ...(pending.note ? { note: pending.note } : {}) });
  }

  private fallBackToCut(pending: PendingSwitch) {
    if (this.pending !== pending) return;
    pending.mode = "cut";
    pending.queue = undefined;
    pending.note = `no keyframe from ${pending.target.ingestId} within ${this.keyframeTimeoutMs} ms: cut instead`;
    pending.timer = setTimeout(() => this.awaitFirstKeyframe(pending), SILENT_MS);
  }

  private settle(outcome: BusSwitch) {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    pending.resolve(outcome);
  }

  private nextCounter(pid: number): number {
    const counter = ((this.counters.get(pid) ?? -1) + 1) & 0x0f;
    this.counters.set(pid, counter);
    return counter;
  }

  private writePsi(changed: boolean) {
    const tap = this.current;
    if (!tap?.ready) return;
    if (changed) this.psiVersion = (this.psiVersion + 1) & 0x1f;
    this.mapVersion = tap.mapVersion;
    this.append(psiPacket(0, patSection(PROGRAM_NUMBER, OUTPUT_PMT_PID, this.psiVersion), this.nextCounter(0)));
    this.append(psiPacket(OUTPUT_PMT_PID, pmtSection(PROGRAM_NUMBER, tap.pcrOutPid, [...tap.streams], this.psiVersion), this.nextCounter(OUTPUT_PMT_PID)));
    this.lastPsiAt = this.now();
  }

  private forward(tapped: TappedPacket, offset: number) {
    // Rewritten in a packet of its own, then copied into the batch: the ingest's bytes are shared by both buses.
    const packet = this.scratch;
    packet.set(tapped.packet);
    const outPid = tapped.outPid!;
    setPid(packet, outPid);
    setContinuity(packet, hasPayload(packet) ? this.nextCounter(outPid) : (this.counters.get(outPid) ?? 0));
    const pes = rebase(packet, offset);
    if (pes) {
      if (outPid === OUTPUT_VIDEO_PID && (pes.dts ?? pes.pts) !== undefined) this.lastVideoDts = pes.dts ?? pes.pts;
      else if (pes.pts !== undefined) {
        const last = this.lastAudioPts.get(outPid);
        const step = last === undefined ? 0 : timestampDelta(last, pes.pts);
        if (step > 0 && step < 90_000) this.audioPesTicks.set(outPid, step);
        this.lastAudioPts.set(outPid, pes.pts);
      }
    }
    this.append(packet);
  }

  private append(packet: Buffer) {
    const at = this.batchBytes;
    if (at + PACKET_SIZE > this.batch.length) {
      const block = Buffer.allocUnsafe(Math.max(MIN_BLOCK_PACKETS, 2 * this.expected, (2 * at) / PACKET_SIZE + 1) * PACKET_SIZE);
      this.batch.copy(block, 0, 0, at);
      this.batch = block;
    }
    this.batch.set(packet, at);
    this.batchBytes = at + PACKET_SIZE;
  }

  /** One write for all the packets of the batch; the rest of its block takes the next ones. */
  private flush() {
    const bytes = this.batchBytes;
    if (bytes === 0) return;
    const chunk = this.batch.subarray(0, bytes);
    this.batch = this.batch.subarray(bytes);
    this.batchBytes = 0;
    this.write(chunk);
  }

  close() {
    this.settle({ mode: "cut", landedAfterMs: 0, note: "the switcher stopped" });
  }
}
