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
    file.outputs.preview.port = 1024;

    const parsed = parseArchitecture(file);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.faults).toEqual(
      expect.arrayContaining([
        { path: "ingests[2].region", message: 'no region "mars" in regions' },
        { path: "ingests[2].id", message: '"stage-a" is also ingests[0]' },
        { path: "ingests[1].port", message: "port 9001 is also used by ingests[0]" },
        { path: "outputs.live.port", message: "port 9003 is also used by ingests[2]" },
        { path: "outputs.preview.port", message: "port 1024 is kept for the bus flows' closed standby source" },
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

  describe("the network section", () => {
    const twoRegions = async () => {
      const file = await example();
      file.regions = [
        { id: "eu-west-1", name: "Ireland" },
        { id: "us-east-1", name: "Virginia" },
      ];
      file.ingests[0].region = "eu-west-1";
      file.ingests[1].region = "us-east-1";
      file.ingests[2].region = "us-east-1";
      return file;
    };
    const network = {
      regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "us-east-1": { vpcCidr: "10.30.0.0/24" } },
      outputsOnVpc: true,
      outputAllowCidrs: ["192.0.2.0/24"],
      dns: { hostedZoneId: "Z0123456789ABCDEFGHIJ", zoneName: "live.example.com" },
    };

    it("is optional, and read with its defaults when given", async () => {
      const without = parseArchitecture(await twoRegions());
      const file = await twoRegions();
      file.network = { regions: network.regions, outputAllowCidrs: ["192.0.2.0/24"] };

      const parsed = parseArchitecture(file);

      expect(without.ok && without.architecture.network).toBe(undefined);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.architecture.network).toEqual({ regions: network.regions, outputsOnVpc: false, outputAllowCidrs: ["192.0.2.0/24"] });
    });

    it("accepts the shipped AWS example: two regions, each its VPC, outputs on the home VPC, ingests named under a zone", async () => {
      const parsed = parseArchitecture(JSON.parse(await readFile(resolve(root, "examples/switcher.aws-network.json"), "utf8")));

      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.architecture.network).toMatchObject({ outputsOnVpc: true, dns: { zoneName: "ingest.example.com" } });
    });

    it("accepts a CIDR per region, outputs on the VPC and a hosted zone", async () => {
      const file = await twoRegions();
      file.network = network;

      const parsed = parseArchitecture(file);

      expect(parsed).toEqual({ ok: true, architecture: expect.objectContaining({ network }) });
    });

    it("wants a CIDR for every region and none for others, /16 to /28, none overlapping", async () => {
      const file = await twoRegions();
      file.network = {
        ...network,
        regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "ap-south-1": { vpcCidr: "10.20.5.0/24" }, "eu-central-1": { vpcCidr: "10.40.0.0/12" } },
      };

      const parsed = parseArchitecture(file);

      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.faults).toEqual([
        { path: "network.regions.eu-central-1.vpcCidr", message: "a VPC's CIDR is /16 to /28" },
        { path: "network.regions", message: 'no vpcCidr for the region "us-east-1"' },
        { path: "network.regions.ap-south-1", message: 'no region "ap-south-1" in regions' },
        { path: "network.regions.ap-south-1.vpcCidr", message: '10.20.5.0/24 overlaps 10.20.0.0/16 of "eu-west-1": peered VPCs need ranges apart' },
        { path: "network.regions.eu-central-1", message: 'no region "eu-central-1" in regions' },
      ]);
    });

    it("names each fault of its fields, and wants an allow-list when an output listens", async () => {
      const file = await twoRegions();
      file.network = {
        regions: { "eu-west-1": { vpcCidr: "10.20.0.300/16" }, "us-east-1": { vpcCidr: "10.30.0.0/16", peer: true } },
        outputsOnVpc: "yes",
        dns: { hostedZoneId: "zone", zoneName: "Live.Example.com." },
        transitGateway: true,
      };

      const parsed = parseArchitecture(file);

      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.faults.map((fault) => fault.path)).toEqual([
        "network.regions.eu-west-1.vpcCidr",
        "network.regions.us-east-1.peer",
        "network.outputsOnVpc",
        "network.dns.hostedZoneId",
        "network.dns.zoneName",
        "network.transitGateway",
      ]);
      file.network = { regions: network.regions };
      const unlisted = parseArchitecture(file);
      expect(unlisted.ok || unlisted.faults).toEqual([
        { path: "network.outputAllowCidrs", message: "the live and preview SRT-listener outputs need the CIDRs allowed to pull" },
      ]);
    });

    it("with outputsOnVpc, refuses an SRT caller to an address outside the switcher's VPCs (they reach nothing else)", async () => {
      const file = await twoRegions();
      file.network = network;
      file.outputs.preview = { protocol: "srt-caller", destination: "198.51.100.7:9102" };
      const outside = parseArchitecture(file);
      file.outputs.preview.destination = "10.30.0.20:9102";
      const inside = parseArchitecture(file);
      file.outputs.preview.destination = "receiver.internal:9102";
      const named = parseArchitecture(file);
      file.network = { ...network, outputsOnVpc: false };
      file.outputs.preview.destination = "198.51.100.7:9102";
      const publicOutputs = parseArchitecture(file);

      expect(outside.ok || outside.faults.map((fault) => fault.path)).toEqual(["outputs.preview.destination"]);
      expect([inside.ok, named.ok, publicOutputs.ok]).toEqual([true, true, true]);
    });
  });

  it("refuses what is not a file of this shape at all", () => {
    for (const input of [null, [], "festival", 42, {}]) expect(parseArchitecture(input).ok).toBe(false);
  });
});
