import { resolve } from "node:path";
import fc from "fast-check";
import { fuzzCorpus } from "../../../scripts/testing/fuzz-corpus.ts";
import { describe, expect, it } from "vitest";
import { children } from "./boxes.ts";
import { type CencKey, encryptInit, encryptSegment, FragmentEncryptor, InvalidCencKey, MalformedMp4, readTracks, TruncatedSegment, UnsupportedMp4 } from "./index.ts";

const CORPUS = resolve(import.meta.dirname, "../testdata/fuzz");
const KEY: CencKey = { kid: Buffer.alloc(16, 0x11), key: Buffer.alloc(16, 0x22) };
const FIRST_IV = Buffer.alloc(8, 0x33);
/** What bad input may throw: the library's own errors, never a RangeError from reading past a buffer. */
const NAMED = [MalformedMp4, UnsupportedMp4, TruncatedSegment, InvalidCencKey];

const { corpus, fuzz } = fuzzCorpus(CORPUS);
const INITS = corpus("init").map(({ bytes }) => bytes);

function expectNamedOrNothing(act: () => void) {
  try {
    act();
  } catch (error) {
    if (!NAMED.some((kind) => error instanceof kind)) throw error;
  }
}

/** The bytes made, or the name of the library error thrown; anything else is thrown on. */
function outcome(act: () => Buffer): string {
  try {
    return act().toString("hex");
  } catch (error) {
    if (NAMED.some((kind) => error instanceof kind)) return (error as Error).name;
    throw error;
  }
}

const anyBytes = fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes));

describe("fuzz", () => {
  it("reads and encrypts any init segment, or refuses it with a named error", async () => {
    await fuzz(
      "init",
      anyBytes,
      (bytes) => {
        expectNamedOrNothing(() => {
          readTracks(bytes);
          const encrypted = encryptInit(bytes, KEY);
          // what comes out is well-formed: its boxes fit, and it reads as protected tracks
          expect(children(encrypted).length).toBeGreaterThan(0);
          expect(readTracks(encrypted).some((track) => track.codec === "encv" || track.codec === "enca")).toBe(true);
        });
      },
      500,
    );
  });

  it("encrypts any media segment, pushed in two parts, as at once, or refuses it with a named error", async () => {
    await fuzz(
      "segment",
      anyBytes,
      (bytes) => {
        for (const init of INITS) {
          const split = bytes.length === 0 ? 0 : (bytes[bytes.length - 1]! * 7919) % bytes.length;
          const whole = outcome(() => encryptSegment(init, KEY, bytes, { firstIv: FIRST_IV }));
          const streamed = outcome(() => {
            const encryptor = new FragmentEncryptor(init, KEY, { firstIv: FIRST_IV });
            return Buffer.concat([encryptor.push(bytes.subarray(0, split)), encryptor.push(bytes.subarray(split)), encryptor.end()]);
          });
          expect(streamed).toEqual(whole);
        }
      },
      1_000,
    );
  });
});
