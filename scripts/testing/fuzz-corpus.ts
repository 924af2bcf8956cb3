import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";

/** The seed of every fuzz test: the same inputs on every run and machine. */
export const FUZZ_SEED = 20261203;

export interface CorpusInput {
  name: string;
  bytes: Buffer;
}

/**
 * A library's fuzz corpus (the inputs kept in its testdata/fuzz/<target>/, hex with `#` comment lines) and a fuzzer
 * that replays it, then tries generated and mutated inputs, and adds any that fails to the corpus.
 */
export function fuzzCorpus(corpusDir: string) {
  /** A target's corpus: every file of <corpusDir>/<target>, hex with `#` comment lines. */
  function corpus(target: string): CorpusInput[] {
    const dir = join(corpusDir, target);
    return readdirSync(dir)
      .filter((name) => name.endsWith(".hex"))
      .sort()
      .map((name) => {
        const text = readFileSync(join(dir, name), "utf8").replace(/^#.*$/gm, "");
        return { name, bytes: Buffer.from(text.replace(/\s+/g, ""), "hex") };
      });
  }

  /** A failing input joins the corpus, so that it stays a regression case once fixed. */
  function keep(target: string, bytes: Buffer, why: string): string {
    const name = `${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.hex`;
    const lines = bytes.toString("hex").match(/.{1,64}/g) ?? [];
    mkdirSync(join(corpusDir, target), { recursive: true });
    writeFileSync(join(corpusDir, target, name), `# ${why.split("\n")[0]}\n${lines.join("\n")}\n`);
    return join(target, name);
  }

  /** Runs the property on every corpus input, then on generated and mutated ones from the fixed seed. */
  async function fuzz(target: string, generated: fc.Arbitrary<Buffer>, property: (bytes: Buffer) => void | Promise<void>, numRuns: number) {
    const seeds = corpus(target);
    for (const { name, bytes } of seeds) {
      try {
        await property(bytes);
      } catch (error) {
        throw new Error(`corpus input ${target}/${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    const inputs = fc.oneof({ arbitrary: mutations(seeds.map((seed) => seed.bytes)), weight: 3 }, { arbitrary: generated, weight: 2 });
    const result = await fc.check(
      fc.asyncProperty(inputs, async (bytes) => {
        await property(bytes);
      }),
      { seed: FUZZ_SEED, numRuns },
    );
    if (result.failed) {
      const kept = result.counterexample ? keep(target, result.counterexample[0], String(result.errorInstance)) : "nothing";
      throw new Error(`${fc.defaultReportMessage(result)}\nkept as ${kept}`);
    }
  }

  return { corpus, fuzz };
}

/** The corpus's inputs with a few bytes flipped, inserted or cut, or cut short. */
function mutations(seeds: Buffer[]): fc.Arbitrary<Buffer> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom("flip", "insert", "cut", "truncate"), fc.uint8Array({ minLength: 1, maxLength: 8 }));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([seed, edits]) => {
    let bytes = Buffer.from(seed);
    for (const [position, kind, data] of edits) {
      const at = bytes.length === 0 ? 0 : position % bytes.length;
      if (kind === "flip") bytes[at] = (bytes[at] ?? 0) ^ (data[0] || 1);
      else if (kind === "insert") bytes = Buffer.concat([bytes.subarray(0, at), data, bytes.subarray(at)]);
      else if (kind === "cut") bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + data.length)]);
      else bytes = bytes.subarray(0, at);
    }
    return bytes;
  });
}
