import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import fc from "fast-check";
import { mutatedFrom } from "@visionstream/events/testing/mutation";
import { beforeAll, describe, expect, it } from "vitest";
import { parseArchitecture } from "./architecture.ts";

const SEED = 20261203;
const RUNS = 300;
const root = resolve(import.meta.dirname, "../../../..");
let example: Record<string, unknown>;

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, 0, -1, 1.5, 1023, 65536, Number.NaN, Infinity, -Infinity, 1e308, "", "slate", "../../etc/passwd", "%2e%2e%2fsecrets", "/etc/shadow", "a\u0000b", "\u202e", "srt-caller", "127.0.0.1/33"),
  fc.integer({ min: 100_000, max: 120_000 }).map((size) => "x".repeat(size)),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.bigInt(),
  fc.anything({ maxDepth: 2, withNullPrototype: true }),
);

const mutated = () => mutatedFrom(example, oddValue, 5);

describe("the architecture file under random and mutated input", () => {
  beforeAll(async () => {
    example = JSON.parse(await readFile(resolve(root, "examples/switcher.local.json"), "utf8"));
  });

  it("answers every input with the file or its faults, each with a path and a message, and never throws", () => {
    fc.assert(
      fc.property(fc.oneof({ arbitrary: mutated(), weight: 4 }, { arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withMap: true, withSet: true }), weight: 1 }), (input) => {
        const result = parseArchitecture(input);
        if (result.ok) return;
        expect(result.faults.length).toBeGreaterThan(0);
        for (const fault of result.faults) {
          expect(typeof fault.path).toBe("string");
          expect(fault.path.length).toBeGreaterThan(0);
          expect(typeof fault.message).toBe("string");
          expect(fault.message.length).toBeGreaterThan(0);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("never accepts a port outside 1024-65535 or two uses of one port", () => {
    fc.assert(
      fc.property(mutated(), (input) => {
        const result = parseArchitecture(input);
        if (!result.ok) return;
        const { ingests, outputs } = result.architecture;
        const ports = [...ingests.map((ingest) => ingest.port), ...[outputs.live, outputs.preview].flatMap((output) => (output.protocol === "srt-listener" ? [output.port] : []))];
        for (const port of ports) expect(Number.isInteger(port) && port >= 1024 && port <= 65535).toBe(true);
        expect(new Set(ports).size).toBe(ports.length);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
