import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { architectureJsonSchema, parseArchitecture } from "./architecture.ts";

const root = resolve(import.meta.dirname, "../../../..");
const example = async () => JSON.parse(await readFile(resolve(root, "examples/switcher.local.json"), "utf8"));

describe("the switcher's architecture file", () => {
  it("accepts the shipped local example: three SRT ingests on 9001-9003, live and preview listeners on 9101 and 9102", async () => {
    const parsed = parseArchitecture(await example());

    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.architecture.ingests.map((ingest) => ingest.port)).toEqual([9001, 9002, 9003]);
    expect(parsed.architecture.outputs.live).toMatchObject({ protocol: "srt-listener", port: 9101 });
    expect(parsed.architecture.outputs.preview).toMatchObject({ protocol: "srt-listener", port: 9102 });
  });

  it("lists every fault of an invalid file with its path", async () => {
    const file = await example();
    file.ingests[1].port = 9001;
    file.ingests[2].id = "stage-a";
    file.ingests[2].region = "mars";
    file.ingests[0].allowCidr = "10.0.0.300/8";
    delete file.ingests[1].passphraseSecret;
    file.ingests[0].passphrase = "in clear text";
    file.outputs.preview = { protocol: "rtmp", port: 9102 };
    file.outputs.live.port = 9003;

    const parsed = parseArchitecture(file);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const paths = parsed.faults.map((fault) => fault.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "ingests[0].allowCidr",
        "ingests[0].passphrase",
        "ingests[1].passphraseSecret",
        "outputs.preview.protocol",
      ]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(4);
  });

  it("checks what spans fields: regions, unique ids and ports", async () => {
    const file = await example();
    file.ingests[1].port = 9001;
    file.ingests[2].id = "stage-a";
    file.ingests[2].region = "mars";
    file.outputs.live.port = 9003;

    const parsed = parseArchitecture(file);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.faults).toEqual(
      expect.arrayContaining([
        { path: "ingests[2].region", message: 'no region "mars" in regions' },
        { path: "ingests[2].id", message: '"stage-a" is also ingests[0]' },
        { path: "ingests[1].port", message: "port 9001 is also used by ingests[0]" },
        { path: "outputs.live.port", message: "port 9003 is also used by ingests[2]" },
      ]),
    );
  });

  it("publishes a JSON Schema that matches the zod schema", async () => {
    const published = JSON.parse(await readFile(resolve(import.meta.dirname, "architecture.schema.json"), "utf8"));

    expect(published).toEqual(JSON.parse(JSON.stringify(architectureJsonSchema())));
    expect(published.properties.ingests.items.required).toEqual(
      expect.arrayContaining(["id", "region", "protocol", "port", "passphraseSecret", "allowCidr", "maxBitrateKbps"]),
    );
  });

  it("refuses what is not a file of this shape at all", () => {
    for (const input of [null, [], "festival", 42, {}]) expect(parseArchitecture(input).ok).toBe(false);
  });
});
