import { createSocket } from "node:dgram";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { REORDER_PACKETS, RtpOrder, type RtpIngest, startRtpIngest } from "./rtp-ingest.ts";

const WAIT_MS = 30;

/** An RTP packet (payload type 33, MPEG-TS) whose one TS packet carries `label` after its sync byte. */
function rtpPacket(ssrc: number, sequence: number, label: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 33;
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(sequence * 3_000, 4);
  header.writeUInt32BE(ssrc, 8);
  const ts = Buffer.alloc(188, 0xff);
  ts[0] = 0x47;
  ts.writeUInt32BE(label, 1);
  return Buffer.concat([header, ts]);
}

/** An RTCP sender report (packet type 200), as an encoder that sends RTCP on the RTP port would. */
function rtcpSenderReport(): Buffer {
  const report = Buffer.alloc(28);
  report[0] = 0x80;
  report[1] = 200;
  report.writeUInt16BE(6, 2);
  report.writeUInt32BE(7, 4);
  report.writeUInt32BE(0xdeadbeef, 8);
  return report;
}

let ingest: RtpIngest | undefined;
const sender = createSocket("udp4");
afterEach(async () => {
  await ingest?.close();
  ingest = undefined;
});
afterAll(() => new Promise<void>((resolve) => sender.close(() => resolve())));

const send = (packet: Buffer) => new Promise<void>((resolve, reject) => sender.send(packet, ingest!.port, "127.0.0.1", (error) => (error ? reject(error) : resolve())));

/** Sends each packet in its own datagram, in the order given, and gives what the ingest delivered, by label. */
async function deliveredOf(packets: [ssrc: number, sequence: number, label: number][], reorderWaitMs = WAIT_MS): Promise<number[]> {
  const labels: number[] = [];
  ingest = await startRtpIngest({ host: "127.0.0.1", port: 0, allow: () => true, reorderWaitMs, onPayload: (payload) => labels.push(payload.readUInt32BE(1)) });
  for (const [ssrc, sequence, label] of packets) await send(ssrc < 0 ? rtcpSenderReport() : rtpPacket(ssrc, sequence, label));
  await new Promise((resolve) => setTimeout(resolve, WAIT_MS * 4));
  return labels;
}

const run = (ssrc: number, from: number, count: number, firstLabel = 0): [number, number, number][] =>
  Array.from({ length: count }, (_, i) => [ssrc, (from + i) % 0x10000, firstLabel + i]);

describe("startRtpIngest: RTP packets into sequence order", () => {
  it("puts packets that came out of order back in order, across the sequence's wrap, losing none, and leaves RTCP out", async () => {
    const packets = run(7, 65_530, 12);
    // 65,532 comes after 65,535 and 0; 3 comes before 1 and 2.
    // And an RTCP sender report on the same port, which is not media.
    const shuffled = [packets[0]!, packets[1]!, packets[3]!, [-1, 0, 0] as [number, number, number], packets[4]!, packets[5]!, packets[6]!, packets[2]!, packets[7]!, packets[10]!, packets[8]!, packets[9]!, packets[11]!];

    const delivered = await deliveredOf(shuffled);

    expect(delivered).toEqual(packets.map(([, , label]) => label));
    expect(ingest!.stats()).toMatchObject({ packets: 12, lost: 0, discarded: 0 });
  });

  it("gives up on a missing packet after the wait, delivering the rest in order, and discards duplicates and the one that comes too late", async () => {
    const packets = run(7, 100, 6);
    const delivered = await deliveredOf([packets[0]!, packets[1]!, packets[1]!, packets[3]!, packets[4]!, packets[5]!]);
    // Packet 102 comes after it was given up.
    await send(rtpPacket(7, 102, 2));
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS));

    expect(delivered).toEqual([0, 1, 3, 4, 5]);
    expect(ingest!.stats()).toMatchObject({ packets: 5, lost: 1, discarded: 2 });
  });

  it(`gives up on a missing packet without waiting once the sequence has gone more than ${REORDER_PACKETS} past it`, async () => {
    const packets = run(7, 0, REORDER_PACKETS + 4);
    // A wait far longer than the test: what is delivered was not waited for.
    const delivered = await deliveredOf([packets[0]!, ...packets.slice(2)], 60_000);

    expect(delivered).toEqual(packets.slice(2).reduce((labels, [, , label]) => [...labels, label], [0]));
    expect(ingest!.stats()).toMatchObject({ lost: 1 });
  });

  it("follows an encoder that starts again: a new SSRC from a sequence number below the last (as ffmpeg restarts), and the same SSRC jumping back, losing no packet of either", async () => {
    const first = run(1, 40_000, 20, 0);
    const restarted = run(2, 1_000, 20, 100);
    const jumpedBack = run(2, 30, 20, 200);

    const delivered = await deliveredOf([...first, ...restarted, ...jumpedBack]);

    expect(delivered).toEqual([...first, ...restarted, ...jumpedBack].map(([, , label]) => label));
    expect(ingest!.stats()).toMatchObject({ packets: 60, lost: 0, discarded: 0 });
  });

  it("discards a lone packet far from the sequence (not confirmed by the next) and goes on with the sequence", async () => {
    const packets = run(7, 500, 6);
    const delivered = await deliveredOf([packets[0]!, packets[1]!, [7, 9_000, 99], packets[2]!, packets[3]!, packets[4]!, packets[5]!]);

    expect(delivered).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ingest!.stats()).toMatchObject({ packets: 6, lost: 0, discarded: 1 });
  });
});

describe("RtpOrder", () => {
  /** Packets pushed 1 ms apart, on a clock of our own; what each label was delivered at. */
  function timed(packets: [ssrc: number, sequence: number, label: number][], { waitMs = WAIT_MS, close = false } = {}) {
    vi.useFakeTimers();
    try {
      const deliveredAt = new Map<number, number>();
      const order: number[] = [];
      const rtp = new RtpOrder((payload) => {
        const label = payload.readUInt32BE(0);
        order.push(label);
        deliveredAt.set(label, Date.now());
      }, waitMs);
      const pushedAt = new Map<number, number>();
      for (const [ssrc, sequence, label] of packets) {
        const payload = Buffer.alloc(4);
        payload.writeUInt32BE(label);
        pushedAt.set(label, Date.now());
        rtp.push(ssrc, sequence, payload);
        vi.advanceTimersByTime(1);
      }
      if (close) rtp.close();
      else vi.advanceTimersByTime(waitMs * 10);
      const waits = [...deliveredAt].map(([label, at]) => at - pushedAt.get(label)!);
      return { order, waits, lost: rtp.lost, discarded: rtp.discarded };
    } finally {
      vi.useRealTimers();
    }
  }

  it("keeps each packet's wait within the wait however often packets are lost: every third of 3,000 missing, none waits more than 30 ms", () => {
    const packets = run(7, 0, 3_000).filter(([, sequence]) => sequence % 3 !== 1);

    const { order, waits, lost } = timed(packets);

    expect(order).toEqual(packets.map(([, , label]) => label));
    expect(lost).toBe(1_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(WAIT_MS);
  });

  it("follows a new SSRC whose sequence lies close to where the last one was, without counting anything lost", () => {
    const first = run(1, 1_000, 10, 0);
    const next = run(2, 1_003, 10, 100);

    const { order, lost, discarded } = timed([...first, ...next]);

    expect(order).toEqual([...first, ...next].map(([, , label]) => label));
    expect([lost, discarded]).toEqual([0, 0]);
  });

  it("delivers what waited before a sender that starts again, and counts the one missing", () => {
    const { order, lost } = timed([...run(1, 0, 2, 0), [1, 3, 3], ...run(2, 500, 3, 100)]);

    expect(order).toEqual([0, 1, 3, 100, 101, 102]);
    expect(lost).toBe(1);
  });

  it("discards a lone packet of another SSRC amid the sequence, which keeps its order", () => {
    const packets = run(7, 10, 4);
    const { order, discarded } = timed([packets[0]!, packets[1]!, [9, 40_000, 99], packets[2]!, packets[3]!]);

    expect(order).toEqual([0, 1, 2, 3]);
    expect(discarded).toBe(1);
  });

  it("counts a long loss in the same sequence as lost, once the packets after it confirm it", () => {
    const { order, lost } = timed([...run(7, 0, 3, 0), ...run(7, 1_003, 3, 10)]);

    expect(order).toEqual([0, 1, 2, 10, 11, 12]);
    expect(lost).toBe(1_000);
  });

  it("delivers what still waits when it closes, counting the missing as lost", () => {
    const { order, lost } = timed([[7, 0, 0], [7, 2, 2], [7, 5, 5]], { waitMs: 60_000, close: true });

    expect(order).toEqual([0, 2, 5]);
    expect(lost).toBe(3);
  });
});
