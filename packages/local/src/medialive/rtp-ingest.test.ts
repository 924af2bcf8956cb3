import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { REORDER_PACKETS, type RtpIngest, startRtpIngest } from "./rtp-ingest.ts";

const PORT = 28_950;
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

let ingest: RtpIngest | undefined;
const sender = createSocket("udp4");
afterEach(async () => {
  await ingest?.close();
  ingest = undefined;
});

/** Sends each packet in its own datagram, in the order given, and gives what the ingest delivered, by label. */
async function deliveredOf(packets: [ssrc: number, sequence: number, label: number][], reorderWaitMs = WAIT_MS): Promise<number[]> {
  const labels: number[] = [];
  ingest = await startRtpIngest({ host: "127.0.0.1", port: PORT, allow: () => true, reorderWaitMs, onPayload: (payload) => labels.push(payload.readUInt32BE(1)) });
  for (const [ssrc, sequence, label] of packets) {
    await new Promise<void>((resolve, reject) => sender.send(rtpPacket(ssrc, sequence, label), PORT, "127.0.0.1", (error) => (error ? reject(error) : resolve())));
  }
  await new Promise((resolve) => setTimeout(resolve, WAIT_MS * 4));
  return labels;
}

const run = (ssrc: number, from: number, count: number, firstLabel = 0): [number, number, number][] =>
  Array.from({ length: count }, (_, i) => [ssrc, (from + i) % 0x10000, firstLabel + i]);

describe("startRtpIngest: RTP packets into sequence order", () => {
  it("puts packets that came out of order back in order, across the sequence's wrap, losing none", async () => {
    const packets = run(7, 65_530, 12);
    // 65,532 comes after 65,535 and 0; 3 comes before 1 and 2.
    const shuffled = [packets[0]!, packets[1]!, packets[3]!, packets[4]!, packets[5]!, packets[6]!, packets[2]!, packets[7]!, packets[10]!, packets[8]!, packets[9]!, packets[11]!];

    const delivered = await deliveredOf(shuffled);

    expect(delivered).toEqual(packets.map(([, , label]) => label));
    expect(ingest!.stats()).toMatchObject({ packets: 12, lost: 0, discarded: 0 });
  });

  it("gives up on a missing packet after the wait, delivering the rest in order, and discards duplicates and the one that comes too late", async () => {
    const packets = run(7, 100, 6);
    const delivered = await deliveredOf([packets[0]!, packets[1]!, packets[1]!, packets[3]!, packets[4]!, packets[5]!]);
    // Packet 102 comes after it was given up.
    await new Promise<void>((resolve) => sender.send(rtpPacket(7, 102, 2), PORT, "127.0.0.1", () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS));

    expect(delivered).toEqual([0, 1, 3, 4, 5]);
    expect(ingest!.stats()).toMatchObject({ packets: 5, lost: 1, discarded: 2 });
  });

  it(`gives up on a missing packet once more than ${REORDER_PACKETS} wait for it, without waiting`, async () => {
    const packets = run(7, 0, REORDER_PACKETS + 3);
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
