import { resolve } from "node:path";
import fc from "fast-check";
import { FUZZ_SEED as SEED, fuzzCorpus } from "../../../scripts/testing/fuzz-corpus.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmfDecodeError, type AmfValue, decodeAmf0, encodeAmf0 } from "./amf0.ts";
import { ChunkReader, encodeChunks, MESSAGE_TYPE, RtmpProtocolError, type RtmpMessage } from "./chunks.ts";
import { startRtmpIngest } from "./server.ts";
import type { PublishSession, RtmpIngest } from "./types.ts";
import { RawRtmpClient } from "./testing.ts";

const CORPUS = resolve(import.meta.dirname, "../testdata/fuzz");
const STREAM_KEY = "SECRET-KEY-1";

const { corpus, fuzz } = fuzzCorpus(CORPUS);

const anyBytes = fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes));

/** The input as TCP may deliver it: whole, byte by byte, or in pieces of 7 bytes. */
const deliveries = (bytes: Buffer): Buffer[][] => [[bytes], [...bytes].map((byte) => Buffer.from([byte])), Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7))];

/** What a connection makes of a chunk stream: the messages read (honouring Set Chunk Size) and the error it ends with. */
function readChunks(parts: Buffer[]): { messages: RtmpMessage[]; error?: unknown } {
  const messages: RtmpMessage[] = [];
  const reader = new ChunkReader((message) => {
    messages.push({ ...message, payload: Buffer.from(message.payload) });
    if (message.type === MESSAGE_TYPE.setChunkSize && message.payload.length >= 4) reader.setChunkSize(message.payload.readUInt32BE(0) & 0x7fffffff);
  });
  try {
    for (const part of parts) reader.push(part);
    return { messages };
  } catch (error) {
    return { messages, error };
  }
}

describe("the chunk stream reader under random and mutated bytes", () => {
  it("reads messages or fails with an RtmpProtocolError, whatever the bytes and however TCP splits them", async () => {
    await fuzz(
      "chunks",
      anyBytes,
      (bytes) => {
        const [whole, ...split] = deliveries(bytes).map(readChunks);
        if (whole!.error !== undefined) expect(whole!.error).toBeInstanceOf(RtmpProtocolError);
        for (const read of split) expect(read).toEqual(whole);
        for (const message of whole!.messages) {
          expect(Number.isInteger(message.timestamp) && message.timestamp >= 0 && message.timestamp < 2 ** 32).toBe(true);
          expect(Object.values(MESSAGE_TYPE)).toContain(message.type);
        }
      },
      400,
    );
  });

  it("gives back every message encodeChunks wrote, at any chunk size", () => {
    const message = fc.record({
      chunkStreamId: fc.integer({ min: 2, max: 65_599 }),
      type: fc.constantFrom(MESSAGE_TYPE.audio, MESSAGE_TYPE.video, MESSAGE_TYPE.dataAmf0, MESSAGE_TYPE.commandAmf0, MESSAGE_TYPE.aggregate),
      streamId: fc.nat(),
      timestamp: fc.oneof(fc.nat({ max: 0xfffffe }), fc.integer({ min: 0xffffff, max: 2 ** 32 - 1 })),
      payload: fc.uint8Array({ maxLength: 700 }).map((bytes) => Buffer.from(bytes)),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4096 }), (messages, chunkSize) => {
        const read: RtmpMessage[] = [];
        const reader = new ChunkReader((m) => read.push({ ...m, payload: Buffer.from(m.payload) }));
        reader.setChunkSize(chunkSize);
        for (const m of messages) reader.push(encodeChunks(m, chunkSize));
        expect(read).toEqual(messages.map(({ type, streamId, timestamp, payload }) => ({ type, streamId, timestamp, payload })));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

const amfLeaf: fc.Arbitrary<AmfValue> = fc.oneof(
  fc.double().map((value) => (Object.is(value, -0) ? 0 : value)),
  fc.boolean(),
  fc.string({ maxLength: 40 }),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
);
const amfKey = fc.string({ maxLength: 12 }).filter((key) => key !== "__proto__");
const { amfValue } = fc.letrec<{ amfValue: AmfValue }>((tie) => ({
  amfValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    amfLeaf,
    fc.array(tie("amfValue"), { maxLength: 4 }),
    fc.dictionary(amfKey, tie("amfValue"), { maxKeys: 4 }),
    fc.array(fc.tuple(amfKey, tie("amfValue")), { maxLength: 4 }).map((entries) => new Map(entries)),
  ),
}));

describe("AMF0 under random and mutated bytes", () => {
  it("decodes values or fails with an AmfDecodeError, whatever the bytes", async () => {
    await fuzz(
      "amf0",
      anyBytes,
      (bytes) => {
        try {
          decodeAmf0(bytes);
          decodeAmf0(bytes, 1);
        } catch (error) {
          expect(error).toBeInstanceOf(AmfDecodeError);
        }
      },
      1_000,
    );
  });

  it("decodes what it encodes", () => {
    fc.assert(
      fc.property(fc.array(amfValue, { minLength: 1, maxLength: 4 }), (values) => {
        expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("the RTMP ingest under random and mutated connections", () => {
  let ingest: RtmpIngest;
  const refused: string[] = [];
  const sessions: PublishSession[] = [];

  beforeAll(async () => {
    ingest = await startRtmpIngest({
      host: "127.0.0.1",
      port: 0,
      allowConnection: () => true,
      authorize: ({ streamName }) => (streamName === STREAM_KEY ? { ok: true } : { ok: false, reason: "unknown stream key" }),
      onPublish: (session) => {
        sessions.push(session);
        session.flv.resume();
      },
      onRefused: ({ reason }) => refused.push(reason),
    });
  });
  afterAll(() => ingest.close());

  it("turns bad input away or takes it, ends every session when its publisher goes, and goes on taking publishers", async () => {
    const messages = fc.array(
      fc.record({
        type: fc.constantFrom(...Object.values(MESSAGE_TYPE)),
        streamId: fc.constantFrom(0, 1),
        payload: fc.oneof(anyBytes, fc.array(amfValue, { maxLength: 4 }).map((values) => encodeAmf0(...values))),
        chunkStreamId: fc.integer({ min: 2, max: 70 }),
      }),
      { maxLength: 4 },
    );
    const generated = messages.map((list) => Buffer.concat(list.map((m) => encodeChunks({ ...m, timestamp: 0 }, 128))));

    await fuzz(
      "connection",
      generated,
      async (bytes) => {
        const client = await RawRtmpClient.open(ingest.port);
        await client.handshake();
        client.write(bytes);
        await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 25))]);
        client.close();
        await client.closed;
        const ended = Promise.all(sessions.map((session) => session.closed));
        await expect(Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error("a session outlived its publisher")), 2_000))])).resolves.toBeDefined();
        for (const reason of refused) {
          expect(reason.length).toBeGreaterThan(0);
          expect(reason).not.toContain(STREAM_KEY);
        }
      },
      60,
    );

    const client = await RawRtmpClient.open(ingest.port);
    await client.handshake();
    expect(await client.publish("live", STREAM_KEY)).toBe("NetStream.Publish.Start");
    client.close();
  }, 30_000);
});
