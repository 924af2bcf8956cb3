import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseArchitecture, type Architecture } from "../packages/core/src/switcher/architecture.ts";
import { busStandbySource } from "../packages/aws/src/mediaconnect/switcher-network.ts";
import { recordingOptions, type DeclaredOptions } from "./pulumi-options-testing.ts";
import { file as withoutNetwork } from "./switcher-testing.ts";
import { InvalidSwitcherDeployment, readSwitcherDeployment, switcherRegionTemplate } from "./switcher.ts";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
const registered: Registered[] = [];
const invoked: string[] = [];
let declared: Map<string, DeclaredOptions>;
const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

const switcherId = "sw-0123456789abcdef";
const tag = { "visionstream:switcher": switcherId };
const network = {
  regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "us-east-1": { vpcCidr: "10.30.0.0/16" } },
  outputsOnVpc: true,
  outputAllowCidrs: ["192.0.2.0/24"],
  dns: { hostedZoneId: "Z0123456789ABCDEFGHIJ", zoneName: "live.example.com" },
};
const file = { ...withoutNetwork, network };
const envNetwork = {
  regions: {
    "eu-west-1": { subnetId: "subnet-0aaa", securityGroupIds: ["sg-0aaa"] },
    "us-east-1": { subnetId: "subnet-0bbb", securityGroupIds: ["sg-0bbb"] },
  },
  outputAllowCidrs: ["192.0.2.0/24"],
};
const parsed = parseArchitecture(file);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
const architecture: Architecture = parsed.architecture;

describe("readSwitcherDeployment with the file's network section", () => {
  const env = { VISIONSTREAM_SWITCHER_FILE: "switcher.json", VISIONSTREAM_SWITCHER_ID: switcherId };

  it("needs no VISIONSTREAM_SWITCHER_NETWORK: the section makes the VPCs", () => {
    expect(readSwitcherDeployment(env, () => JSON.stringify(file))).toEqual({ switcherId, architecture });
  });

  it("refuses VISIONSTREAM_SWITCHER_NETWORK besides it, rather than choose", () => {
    let faults: string[] = [];
    try {
      readSwitcherDeployment({ ...env, VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify(envNetwork) }, () => JSON.stringify(file));
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSwitcherDeployment);
      faults = (error as InvalidSwitcherDeployment).faults;
    }

    expect(faults).toEqual(["VISIONSTREAM_SWITCHER_NETWORK: switcher.json has a network section, which makes the switcher's VPCs; leave this unset"]);
  });
});

describe("switcherRegionTemplate with the network section", () => {
  const roleArn = "arn:aws:iam::111122223333:role/switcher-mediaconnect";
  const template = (architecture: Architecture, region: string) =>
    switcherRegionTemplate({
      switcherId,
      architecture,
      network: envNetwork,
      region,
      roleArn,
      availabilityZones: { "eu-west-1": "eu-west-1b", "us-east-1": "us-east-1a" },
      busCidr: "10.20.0.0/16",
      secretArns: Object.fromEntries(["festival/stage-a", "festival/stage-b", "festival/live"].map((name) => [name, `arn:aws:secretsmanager:${region}:111122223333:secret:${name}`])),
    });

  it("names each ingest's ingest address in Route 53 in its own region's stack, from the flow's attribute", () => {
    const home = template(architecture, "eu-west-1").Resources;
    const away = template(architecture, "us-east-1").Resources;

    expect(Object.keys(away)).toEqual(["IngeststageZb", "IngeststageZbOutput", "IngeststageZbDns"]);
    expect(away.IngeststageZbDns).toEqual({
      Type: "AWS::Route53::RecordSet",
      Properties: {
        HostedZoneId: "Z0123456789ABCDEFGHIJ",
        Name: "stage-b.live.example.com.",
        Type: "A",
        TTL: "60",
        ResourceRecords: [{ "Fn::GetAtt": ["IngeststageZb", "Source.IngestIp"] }],
      },
    });
    expect(Object.keys(home).filter((id) => id.endsWith("Dns"))).toEqual(["IngeststageZaDns"]);
  });

  it("puts the live and preview outputs on the home VPC interface when outputsOnVpc", () => {
    const home = template(architecture, "eu-west-1").Resources as Record<string, { Properties: Record<string, unknown> }>;

    expect(home.BusliveOutput!.Properties.VpcInterfaceAttachment).toEqual({ VpcInterfaceName: "switcher" });
    expect(home.BuspreviewOutput!.Properties.VpcInterfaceAttachment).toEqual({ VpcInterfaceName: "switcher" });
    expect(home.Buslive!.Properties.VpcInterfaces).toEqual([{ Name: "switcher", RoleArn: roleArn, SubnetId: "subnet-0aaa", SecurityGroupIds: ["sg-0aaa"] }]);
  });

  it("is what the engine puts back before the stack is deleted: the bus flows' standard source", () => {
    const source = (template(architecture, "eu-west-1").Resources as Record<string, { Properties: { Source: Record<string, unknown> } }>).Buslive!.Properties.Source;

    expect(busStandbySource()).toEqual({ Protocol: source.Protocol, IngestPort: source.IngestPort, WhitelistCidr: source.WhitelistCidr, MaxBitrate: source.MaxBitrate });
  });

  it("adds nothing without the section (nor without dns and outputsOnVpc)", () => {
    const plain = parseArchitecture(withoutNetwork);
    const bare = parseArchitecture({ ...withoutNetwork, network: { regions: network.regions, outputAllowCidrs: ["192.0.2.0/24"] } });
    if (!plain.ok || !bare.ok) throw new Error("the files parse");

    for (const each of [plain.architecture, bare.architecture]) {
      const home = template(each, "eu-west-1").Resources as Record<string, { Properties: Record<string, unknown> }>;
      expect(Object.keys(home)).toEqual(["IngeststageZa", "IngeststageZaOutput", "Buslive", "BusliveOutput", "Buspreview", "BuspreviewOutput"]);
      expect(home.BusliveOutput!.Properties.VpcInterfaceAttachment).toBeUndefined();
    }
  });
});

/** Ids as AWS forms them (subnet-…, sg-…), so that the template shows which resource it was given. */
const ID_PREFIXES: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx",
};
const idOf = (type: string, name: string) => (ID_PREFIXES[type] ? `${ID_PREFIXES[type]}-${name.replace(/^Switcher[A-Za-z]+-sw-[0-9a-z]+-/, "")}` : `${name}-id`);

async function deploy(text: object, env: Record<string, string>) {
  const directory = mkdtempSync(join(tmpdir(), "switcher-network-"));
  writeFileSync(join(directory, "switcher.json"), JSON.stringify(text));
  for (const name of ["VISIONSTREAM_SWITCHER_NETWORK", "VISIONSTREAM_SWITCHER_ID", "VISIONSTREAM_SWITCHER_RELEASE"]) delete process.env[name];
  Object.assign(process.env, { ...env, VISIONSTREAM_SWITCHER_FILE: join(directory, "switcher.json") });
  vi.resetModules();
  const { flows } = await import("./switcher.ts");
  await Promise.all(flows.map((stack) => resolved(stack.id)));
  return Promise.all(flows.map(async (stack) => JSON.parse(await resolved(stack.templateBody))));
}

const ofType = (type: string) => registered.filter((resource) => resource.type === type);

describe("the switcher's network (Pulumi mocks)", () => {
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: ({ type, name, inputs }) => {
          registered.push({ type, name, inputs });
          const zone = type === "aws:ec2/subnet:Subnet" ? { availabilityZone: `${inputs.region}b` } : {};
          return { id: idOf(type, name), state: { ...inputs, ...zone, arn: `arn:aws:iam::111122223333:role/${name}` } };
        },
        call: ({ token, inputs }) => {
          invoked.push(token);
          if (token === "aws:ec2/getSubnet:getSubnet") return { ...inputs, availabilityZone: `${inputs.region}a`, cidrBlock: "10.20.1.0/24" };
          if (token === "aws:secretsmanager/getSecret:getSecret") return { ...inputs, arn: `arn:aws:secretsmanager:${inputs.region}:111122223333:secret:${inputs.name}-AbCdEf` };
          return { ...inputs, region: "eu-west-1", accountId: "111122223333" };
        },
      },
      "visionstream",
      "test",
      false,
    );
    const recording = recordingOptions(await import("@pulumi/aws"), ["ec2"]);
    declared = recording.declared;
    Object.assign(globalThis, { aws: recording.aws, $interpolate: pulumi.interpolate, $util: pulumi, $app: { name: "visionstream", stage: "test" } });
  });

  beforeEach(() => {
    registered.length = 0;
    invoked.length = 0;
  });

  it("declare per region a VPC, a subnet spanning it, a route table and a security group letting SRT in from the peer", async () => {
    await deploy(file, { VISIONSTREAM_SWITCHER_ID: switcherId });

    expect(ofType("aws:ec2/vpc:Vpc").map(({ name, inputs }) => [name, inputs.region, inputs.cidrBlock, inputs.tags])).toEqual([
      [`SwitcherVpc-${switcherId}-eu-west-1`, "eu-west-1", "10.20.0.0/16", { Name: `visionstream-test-${switcherId}-eu-west-1`, ...tag }],
      [`SwitcherVpc-${switcherId}-us-east-1`, "us-east-1", "10.30.0.0/16", { Name: `visionstream-test-${switcherId}-us-east-1`, ...tag }],
    ]);
    expect(ofType("aws:ec2/subnet:Subnet").map(({ inputs }) => [inputs.region, inputs.vpcId, inputs.cidrBlock])).toEqual([
      ["eu-west-1", "vpc-eu-west-1", "10.20.0.0/16"],
      ["us-east-1", "vpc-us-east-1", "10.30.0.0/16"],
    ]);
    expect(ofType("aws:ec2/routeTable:RouteTable").map(({ inputs }) => [inputs.region, inputs.vpcId])).toEqual([
      ["eu-west-1", "vpc-eu-west-1"],
      ["us-east-1", "vpc-us-east-1"],
    ]);
    expect(ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").map(({ inputs }) => [inputs.region, inputs.subnetId, inputs.routeTableId])).toEqual([
      ["eu-west-1", "subnet-eu-west-1", `SwitcherRoutes-${switcherId}-eu-west-1-id`],
      ["us-east-1", "subnet-us-east-1", `SwitcherRoutes-${switcherId}-us-east-1-id`],
    ]);
    const groups = Object.fromEntries(ofType("aws:ec2/securityGroup:SecurityGroup").map(({ inputs }) => [inputs.region, inputs]));
    expect(groups["eu-west-1"]!.vpcId).toBe("vpc-eu-west-1");
    expect(groups["eu-west-1"]!.ingress).toEqual([
      { protocol: "udp", fromPort: 9001, toPort: 9001, cidrBlocks: ["10.20.0.0/16"], description: "SRT: stage-a to the live and preview flows" },
      { protocol: "udp", fromPort: 9101, toPort: 9101, cidrBlocks: ["192.0.2.0/24"], description: "SRT: the live output" },
    ]);
    expect(groups["us-east-1"]!.ingress).toEqual([
      { protocol: "udp", fromPort: 9002, toPort: 9002, cidrBlocks: ["10.20.0.0/16"], description: "SRT: stage-b to the live and preview flows" },
    ]);
    expect(groups["us-east-1"]!.tags).toEqual({ Name: `visionstream-test-${switcherId}-srt-us-east-1`, ...tag });
    expect(invoked).not.toContain("aws:ec2/getSubnet:getSubnet");
  });

  it("peer the home VPC with each ingest region's, accepted there, with routes both ways", async () => {
    await deploy(file, { VISIONSTREAM_SWITCHER_ID: switcherId });

    const peering = ofType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
    expect(peering.map(({ name, inputs }) => ({ name, ...inputs }))).toEqual([
      {
        name: `SwitcherPeering-${switcherId}-us-east-1`,
        region: "eu-west-1",
        vpcId: "vpc-eu-west-1",
        peerVpcId: "vpc-us-east-1",
        peerRegion: "us-east-1",
        autoAccept: false,
        tags: { Name: `visionstream-test-${switcherId}-eu-west-1-us-east-1`, ...tag },
      },
    ]);
    expect(ofType("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter").map(({ inputs }) => [inputs.region, inputs.vpcPeeringConnectionId, inputs.autoAccept])).toEqual([
      ["us-east-1", "pcx-us-east-1", true],
    ]);
    expect(ofType("aws:ec2/route:Route").map(({ inputs }) => [inputs.region, inputs.routeTableId, inputs.destinationCidrBlock, inputs.vpcPeeringConnectionId])).toEqual([
      ["eu-west-1", `SwitcherRoutes-${switcherId}-eu-west-1-id`, "10.30.0.0/16", "pcx-us-east-1"],
      ["us-east-1", `SwitcherRoutes-${switcherId}-us-east-1-id`, "10.20.0.0/16", `SwitcherPeeringAccepter-${switcherId}-us-east-1-id`],
    ]);
    // A deploy without the switcher's file must fail on them rather than cut the peering under its protected flows.
    expect([...declared].filter(([name]) => name.includes(switcherId)).every(([, options]) => options.protect)).toBe(true);
    expect(declared.get(`ec2.Route SwitcherRoute-${switcherId}-us-east-1-to-eu-west-1`)).toEqual({
      dependsOn: [`SwitcherPeeringAccepter-${switcherId}-us-east-1`],
      protect: true,
      aliases: ["SwitcherRoute-us-east-1-to-eu-west-1"],
    });
  });

  it("put the flows on those subnets and groups, outputs on the VPC interface, one DNS record per ingest", async () => {
    const [home, away] = await deploy(file, { VISIONSTREAM_SWITCHER_ID: switcherId });

    expect(home.Resources.Buslive.Properties.VpcInterfaces[0]).toMatchObject({ SubnetId: "subnet-eu-west-1", SecurityGroupIds: ["sg-eu-west-1"] });
    expect(home.Resources.Buslive.Properties.AvailabilityZone).toBe("eu-west-1b");
    expect(home.Resources.BusliveOutput.Properties).toMatchObject({ CidrAllowList: ["192.0.2.0/24"], VpcInterfaceAttachment: { VpcInterfaceName: "switcher" } });
    expect(home.Resources.BuspreviewOutput.Properties.VpcInterfaceAttachment).toEqual({ VpcInterfaceName: "switcher" });
    expect(away.Resources.IngeststageZb.Properties.VpcInterfaces[0]).toMatchObject({ SubnetId: "subnet-us-east-1", SecurityGroupIds: ["sg-us-east-1"] });
    // The bus flows call the ingest outputs from the home VPC, across the peering.
    expect(away.Resources.IngeststageZbOutput.Properties.CidrAllowList).toEqual(["10.20.0.0/16"]);
    const records = [home, away].flatMap((template) =>
      Object.values(template.Resources as Record<string, { Type: string; Properties: { Name: string } }>)
        .filter((resource) => resource.Type === "AWS::Route53::RecordSet")
        .map((resource) => resource.Properties.Name),
    );
    expect(records).toEqual(["stage-a.live.example.com.", "stage-b.live.example.com."]);
  });

  it("without the section: the subnets and groups the deployment names, no VPC, peering or record of its own", async () => {
    const [home, away] = await deploy(withoutNetwork, { VISIONSTREAM_SWITCHER_ID: switcherId, VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify(envNetwork) });

    expect(registered.filter((resource) => resource.type.startsWith("aws:ec2/"))).toEqual([]);
    expect(invoked).toContain("aws:ec2/getSubnet:getSubnet");
    expect(home.Resources.Buslive.Properties.VpcInterfaces[0]).toMatchObject({ SubnetId: "subnet-0aaa", SecurityGroupIds: ["sg-0aaa"] });
    expect(home.Resources.BusliveOutput.Properties.VpcInterfaceAttachment).toBeUndefined();
    expect(away.Resources.IngeststageZbOutput.Properties.CidrAllowList).toEqual(["10.20.1.0/24"]);
    expect(JSON.stringify([home, away])).not.toContain("AWS::Route53::RecordSet");
  });
});
