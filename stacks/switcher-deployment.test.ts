import { describe, expect, it } from "vitest";
import type { Architecture } from "../packages/core/src/switcher/architecture.ts";
import { InvalidSwitcherDeployment, readSwitcherDeployment, readSwitcherDeployments } from "./switcher-deployment.ts";
import { architectureOf, env, file, network, switcherId } from "./switcher-testing.ts";

const architecture: Architecture = architectureOf(file);

function faults(env: Record<string, string | undefined>, text = JSON.stringify(file)): string[] {
  try {
    readSwitcherDeployment(env, () => text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSwitcherDeployment);
    return (error as InvalidSwitcherDeployment).faults;
  }
  throw new Error("expected faults");
}

describe("readSwitcherDeployment", () => {
  it("deploys no switcher without VISIONSTREAM_SWITCHER_FILE", () => {
    expect(readSwitcherDeployment({})).toBeUndefined();
  });

  it("reads the file, the switcher's id and the network", () => {
    expect(readSwitcherDeployment(env, () => JSON.stringify(file))).toEqual({
      switcherId,
      architecture,
      network,
    });
  });

  it("lists every fault at once", () => {
    const broken = { ...file, regions: [{ id: "local", name: "here" }, ...file.regions], ingests: [{ ...file.ingests[0], port: 80 }, file.ingests[1]] };

    expect(
      faults(
        { ...env, VISIONSTREAM_SWITCHER_ID: "festival", VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify({ regions: { "eu-west-1": { subnetId: "subnet-1", securityGroupIds: [] } } }) },
        JSON.stringify(broken),
      ),
    ).toEqual([
      "switcher.json: ingests[0].port: Too small: expected number to be >=1024",
      'VISIONSTREAM_SWITCHER_ID: "festival" is not a switcher id (sw-0123456789abcdef)',
      "VISIONSTREAM_SWITCHER_NETWORK.regions.eu-west-1.securityGroupIds: Too small: expected array to have >=1 items",
    ]);
    expect(faults({ ...env, VISIONSTREAM_SWITCHER_ID: undefined, VISIONSTREAM_SWITCHER_NETWORK: undefined }, JSON.stringify({ ...file, regions: [{ id: "local", name: "here" }], ingests: [{ ...file.ingests[0], region: "local" }] }))).toEqual([
      'VISIONSTREAM_SWITCHER_ID: missing; give the switcher\'s id from the API, or put an "id" (sw- and 16 lower-case letters or digits) in switcher.json',
      'VISIONSTREAM_SWITCHER_NETWORK: missing; give {"regions":{"<region>":{"subnetId":"subnet-…","securityGroupIds":["sg-…"]}},"outputAllowCidrs":["…"]}',
      'switcher.json: regions[0].id: "local" is not an AWS region (such as eu-west-1)',
    ]);
  });

  it("takes the switcher's id from the file, so that the stack can be deployed before the API knows the switcher", () => {
    const withId = JSON.stringify({ ...file, id: switcherId });

    expect(readSwitcherDeployment({ ...env, VISIONSTREAM_SWITCHER_ID: undefined }, () => withId)?.switcherId).toBe(switcherId);
    expect(readSwitcherDeployment(env, () => withId)?.switcherId).toBe(switcherId);
    expect(faults({ ...env, VISIONSTREAM_SWITCHER_ID: "sw-fedcba9876543210" }, withId)).toEqual([
      "VISIONSTREAM_SWITCHER_ID: sw-fedcba9876543210 differs from the id sw-0123456789abcdef in switcher.json",
    ]);
  });

  it("wants a network for every region and an allow-list for SRT-listener outputs", () => {
    expect(faults({ ...env, VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify({ regions: { "eu-west-1": network.regions["eu-west-1"] } }) })).toEqual([
      "VISIONSTREAM_SWITCHER_NETWORK.regions: no subnet and security groups for us-east-1",
      "VISIONSTREAM_SWITCHER_NETWORK.outputAllowCidrs: the live SRT-listener output needs the CIDRs allowed to pull",
    ]);
  });

  it("says when the file cannot be read or is not JSON", () => {
    expect(faults(env, "{")[0]).toMatch(/^VISIONSTREAM_SWITCHER_FILE \(switcher.json\): not JSON/);
    try {
      readSwitcherDeployment(env, () => {
        throw new Error("ENOENT");
      });
    } catch (error) {
      expect((error as Error).message).toContain("VISIONSTREAM_SWITCHER_FILE: cannot read switcher.json (ENOENT)");
    }
  });
});

const other = "sw-fedcba9876543210";
/** A directory "switchers" of these files (name → content); anything else is a file. */
const directory = (files: Record<string, object | string>) => ({
  read: (path: string) => {
    const content = files[path.replace(/^switchers\//, "")];
    if (content === undefined) throw new Error("ENOENT");
    return typeof content === "string" ? content : JSON.stringify(content);
  },
  list: (path: string) => (path === "switchers" ? Object.keys(files) : undefined),
});
const inDirectory = { VISIONSTREAM_SWITCHER_FILE: "switchers", VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify(network) };

function directoryFaults(env: Record<string, string | undefined>, files: Record<string, object | string>): string[] {
  const { read, list } = directory(files);
  try {
    readSwitcherDeployments(env, read, list);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSwitcherDeployment);
    return (error as InvalidSwitcherDeployment).faults;
  }
  throw new Error("expected faults");
}

describe("readSwitcherDeployments", () => {
  it("reads every *.json of a directory, by name, each switcher by the id in its file", () => {
    const { read, list } = directory({
      "studio.json": { ...file, id: other, name: "studio" },
      "notes.txt": "not a switcher",
      "festival.json": { ...file, id: switcherId },
    });

    const deployments = readSwitcherDeployments(inDirectory, read, list);

    expect(deployments.map((deployment) => [deployment.switcherId, deployment.architecture.name, deployment.network, deployment.released])).toEqual([
      [switcherId, "festival", network, undefined],
      [other, "studio", network, undefined],
    ]);
  });

  it("reads a single file as readSwitcherDeployment does, and nothing without VISIONSTREAM_SWITCHER_FILE", () => {
    expect(readSwitcherDeployments(env, () => JSON.stringify(file), () => undefined)).toEqual([readSwitcherDeployment(env, () => JSON.stringify(file))]);
    expect(readSwitcherDeployments({})).toEqual([]);
  });

  it("wants every file of a directory to carry its own id, and no VISIONSTREAM_SWITCHER_ID", () => {
    expect(
      directoryFaults({ ...inDirectory, VISIONSTREAM_SWITCHER_ID: switcherId }, { "a.json": { ...file, id: switcherId }, "b.json": file, "c.json": { ...file, id: switcherId } }),
    ).toEqual([
      'VISIONSTREAM_SWITCHER_ID: only with a single file; switchers is a directory, so each of its files carries its switcher\'s "id"',
      'switchers/b.json: id: missing; every file of the directory switchers carries its switcher\'s "id" (sw- and 16 lower-case letters or digits)',
      "switchers/c.json: id: sw-0123456789abcdef is also the id in switchers/a.json",
    ]);
  });

  it("applies VISIONSTREAM_SWITCHER_NETWORK to every switcher without a network section, which must cover their regions", () => {
    const ownNetwork = {
      regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "us-east-1": { vpcCidr: "10.30.0.0/16" } },
      outputAllowCidrs: ["192.0.2.0/24"],
    };
    const files = { "a.json": { ...file, id: switcherId, network: ownNetwork }, "b.json": { ...file, id: other } };
    const { read, list } = directory(files);

    expect(readSwitcherDeployments(inDirectory, read, list).map((deployment) => deployment.network)).toEqual([undefined, network]);
    const onlyIreland = JSON.stringify({ ...network, regions: { "eu-west-1": network.regions["eu-west-1"] } });
    expect(directoryFaults({ ...inDirectory, VISIONSTREAM_SWITCHER_NETWORK: onlyIreland }, { ...files, "c.json": { ...file, id: "sw-00000000000000cc" } })).toEqual([
      "VISIONSTREAM_SWITCHER_NETWORK.regions: no subnet and security groups for us-east-1",
    ]);
    expect(directoryFaults({ ...inDirectory, VISIONSTREAM_SWITCHER_NETWORK: undefined }, files)[0]).toMatch(/^VISIONSTREAM_SWITCHER_NETWORK: missing/);
    expect(directoryFaults(inDirectory, { "a.json": files["a.json"] })).toEqual([
      "VISIONSTREAM_SWITCHER_NETWORK: every file of switchers has a network section, which makes the switcher's VPCs; leave this unset",
    ]);
  });

  it("refuses two switchers that would give an ingest the same Route 53 name in one hosted zone", () => {
    const named = (zoneName: string) => ({
      regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "us-east-1": { vpcCidr: "10.30.0.0/16" } },
      outputAllowCidrs: ["192.0.2.0/24"],
      dns: { hostedZoneId: "Z0123456789EXAMPLE", zoneName },
    });
    const files = { "a.json": { ...file, id: switcherId, network: named("ingest.example.com") }, "b.json": { ...file, id: other, network: named("ingest.example.com") } };
    const env = { VISIONSTREAM_SWITCHER_FILE: "switchers" };

    expect(directoryFaults(env, files)).toEqual([
      "switchers/b.json: ingests[0].id: its DNS name stage-a.ingest.example.com is also switchers/a.json's; rename one ingest or use another zone",
      "switchers/b.json: ingests[1].id: its DNS name stage-b.ingest.example.com is also switchers/a.json's; rename one ingest or use another zone",
    ]);
    const apart = directory({ ...files, "b.json": { ...files["b.json"], network: named("second.example.com") } });
    expect(readSwitcherDeployments(env, apart.read, apart.list)).toHaveLength(2);
  });

  it("marks the switchers of VISIONSTREAM_SWITCHER_RELEASE released, and only switchers of this deploy", () => {
    const files = { "a.json": { ...file, id: switcherId }, "b.json": { ...file, id: other } };
    const { read, list } = directory(files);

    const released = readSwitcherDeployments({ ...inDirectory, VISIONSTREAM_SWITCHER_RELEASE: other }, read, list);

    expect(released.map((deployment) => deployment.released)).toEqual([undefined, true]);
    expect(readSwitcherDeployment({ ...env, VISIONSTREAM_SWITCHER_RELEASE: switcherId }, () => JSON.stringify(file))?.released).toBe(true);
    expect(directoryFaults({ ...inDirectory, VISIONSTREAM_SWITCHER_RELEASE: `${other},festival,sw-00000000000000cc` }, files)).toEqual([
      'VISIONSTREAM_SWITCHER_RELEASE: "festival" is not a switcher id (sw-0123456789abcdef)',
      "VISIONSTREAM_SWITCHER_RELEASE: sw-00000000000000cc is not a switcher of VISIONSTREAM_SWITCHER_FILE; deploy it once with its file to release it",
    ]);
  });

  it("deploys no switcher from an empty directory", () => {
    const { read, list } = directory({});

    expect(readSwitcherDeployments({ VISIONSTREAM_SWITCHER_FILE: "switchers" }, read, list)).toEqual([]);
  });
});
