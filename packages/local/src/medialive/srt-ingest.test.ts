import { afterEach, describe, expect, it } from "vitest";
import { push } from "../../testing/media.ts";
import { startSrtIngest, type SrtListenerIngest } from "./srt-ingest.ts";

// Ports 20_400–20_499 of this task's range: the channel tests take the ones below.
const PASSPHRASE = "0123456789abcdefghijklmnopqrstuv";
const opened: SrtListenerIngest[] = [];
const pushers: ReturnType<typeof push>[] = [];

afterEach(async () => {
  for (const pusher of pushers.splice(0)) if (pusher.exitCode === null) pusher.kill("SIGKILL");
  await Promise.all(opened.splice(0).map((ingest) => ingest.close()));
});

async function listen(port: number, allow: (address: string) => boolean = () => true) {
  const received: Buffer[] = [];
  const refusals: string[] = [];
  const ingest = await startSrtIngest({
    host: "127.0.0.1",
    port,
    passphrase: PASSPHRASE,
    latencyMs: 120,
    allow,
    onPayload: (payload) => received.push(payload),
    onRefused: ({ remoteAddress }) => refusals.push(remoteAddress),
  });
  opened.push(ingest);
  return { ingest, received: () => Buffer.concat(received), refusals };
}

function caller(port: number, passphrase: string | undefined, seconds = 3) {
  const query = passphrase === undefined ? "" : `?passphrase=${passphrase}&pbkeylen=16`;
  const pusher = push({ seconds, width: 320, height: 240 }, ["-f", "mpegts", `srt://127.0.0.1:${port}${query}`]);
  pushers.push(pusher);
  return pusher;
}

/** TS packets, counted where 0x47 starts every 188 bytes. */
const tsPackets = (bytes: Buffer) => {
  let packets = 0;
  for (let offset = 0; offset + 188 <= bytes.length && bytes[offset] === 0x47; offset += 188) packets++;
  return packets;
};

describe("the SRT listener ingest", () => {
  it("hands over the MPEG-TS of a caller with the passphrase, packet-aligned", async () => {
    const { ingest, received } = await listen(20_400);

    const code = await caller(20_400, PASSPHRASE).done;

    expect(code).toBe(0);
    expect(tsPackets(received())).toBeGreaterThan(500);
    expect(ingest.stats().lastPacketAt).toBeGreaterThan(Date.now() - 5_000);
  });

  it.each([
    ["a wrong passphrase", "not-the-channel-passphrase"],
    ["no passphrase", undefined],
  ])("refuses a caller with %s in the handshake: nothing arrives", async (_case, passphrase) => {
    const { received } = await listen(20_410);

    const code = await caller(20_410, passphrase, 2).done;

    expect(code).not.toBe(0);
    expect(received().length).toBe(0);
  });

  it("drops callers outside the allow-list before SRT sees them, naming their address once", async () => {
    const { received, refusals } = await listen(20_420, (address) => address.startsWith("203.0.113."));

    const code = await caller(20_420, PASSPHRASE, 2).done;

    expect(code).not.toBe(0);
    expect(received().length).toBe(0);
    expect(refusals).toEqual(["127.0.0.1"]);
  });

  it("refuses a second caller while the first is connected", async () => {
    const { received } = await listen(20_440);

    const first = caller(20_440, PASSPHRASE, 6);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = await caller(20_440, PASSPHRASE, 2).done;

    expect(second).not.toBe(0);
    expect(await first.done).toBe(0);
    expect(tsPackets(received())).toBeGreaterThan(0);
  });

  it("takes the next caller once the first has left", async () => {
    const { received } = await listen(20_430);

    await caller(20_430, PASSPHRASE, 2).done;
    const first = received().length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const code = await caller(20_430, PASSPHRASE, 2).done;

    expect(first).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(received().length).toBeGreaterThan(first * 1.5);
  });
});
