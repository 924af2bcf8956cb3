import type { Architecture } from "../packages/core/src/switcher/architecture.ts";
import { switcherNames, type SwitcherResources } from "./switcher-resources.ts";

/** Every resource of a switcher's network carries its id, so that it can be found (and billed) by switcher. */
export const SWITCHER_TAG = "visionstream:switcher";
/** SRT runs over UDP. */
const SRT = "udp";
/** A short TTL: a replaced ingest flow comes back with another ingest address. */
const DNS_TTL_SECONDS = "60";

/** What the flows' template needs of a region's network: where the VPC interface goes, and the subnet's zone and range. */
export interface SwitcherSubnet {
  availabilityZone: $util.Output<string>;
  cidrBlock: $util.Output<string>;
}

type Rule = { protocol: string; fromPort: number; toPort: number; cidrBlocks: string[]; description: string };

/**
 * The security group rules of a region: SRT to each ingest's VPC output from the home VPC (the live and preview flows
 * call it from there), and in the home region SRT to the listening outputs from their allow-list when they are on the
 * VPC. Replies to the flows' own calls pass anyway: security groups are stateful.
 */
export function srtIngressRules(architecture: Architecture, region: string): Rule[] {
  const network = architecture.network!;
  const home = architecture.regions[0]!.id;
  const homeCidr = network.regions[home]!.vpcCidr;
  const rules: Rule[] = architecture.ingests
    .filter((ingest) => ingest.region === region)
    .map((ingest) => ({ protocol: SRT, fromPort: ingest.port, toPort: ingest.port, cidrBlocks: [homeCidr], description: `SRT: ${ingest.id} to the live and preview flows` }));
  if (region === home && network.outputsOnVpc) {
    for (const bus of ["live", "preview"] as const) {
      const output = architecture.outputs[bus];
      if (output.protocol !== "srt-listener") continue;
      rules.push({ protocol: SRT, fromPort: output.port, toPort: output.port, cidrBlocks: network.outputAllowCidrs, description: `SRT: the ${bus} output` });
    }
  }
  return rules;
}

export interface SwitcherVpcsArgs extends SwitcherResources {
  architecture: Architecture;
  /** The switcher's regions, its home first. */
  regions: readonly string[];
  prefix: string;
}

/**
 * The switcher's own network (the architecture file's `network` section): per region a VPC with one subnet spanning it
 * (a MediaConnect flow lives in its VPC interface's zone, so one zone serves all of a region's flows), a route table
 * and a security group for SRT; the home VPC peered with each ingest region's, with routes both ways. Peering, not a
 * Transit Gateway: two hops of a star need no hub, and peering has no hourly charge.
 */
export function switcherVpcs(args: SwitcherVpcsArgs) {
  const { switcherId, architecture, regions, prefix } = args;
  const network = architecture.network!;
  const [home, ...away] = regions as [string, ...string[]];
  // Protected with the stacks: a deploy without the switcher's file must not cut the peering under its flows.
  const { name, options } = switcherNames(args);
  /** One of the switcher's resources, named `Switcher<kind>-<switcher id>-<rest>`. */
  const declare = <Args, Resource>(
    Class: new (name: string, args: Args, opts?: $util.CustomResourceOptions) => Resource,
    kind: string,
    rest: string,
    resourceArgs: Args,
    dependsOn?: $util.Resource[],
  ) => {
    const resourceName = name(`Switcher${kind}`, rest);
    return new Class(resourceName, resourceArgs, options(resourceName, dependsOn));
  };
  const cidr = (region: string) => network.regions[region]!.vpcCidr;
  const tags = (name: string) => ({ Name: `${prefix}-${switcherId}-${name}`, [SWITCHER_TAG]: switcherId });
  const byRegion = Object.fromEntries(
    regions.map((region) => {
      const vpc = declare(aws.ec2.Vpc, "Vpc", region, {
        region,
        cidrBlock: cidr(region),
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: tags(region),
      });
      const subnet = declare(aws.ec2.Subnet, "Subnet", region, { region, vpcId: vpc.id, cidrBlock: cidr(region), tags: tags(region) });
      const routeTable = declare(aws.ec2.RouteTable, "Routes", region, { region, vpcId: vpc.id, tags: tags(region) });
      declare(aws.ec2.RouteTableAssociation, "Routes", region, { region, subnetId: subnet.id, routeTableId: routeTable.id });
      const securityGroup = declare(aws.ec2.SecurityGroup, "Srt", region, {
        region,
        vpcId: vpc.id,
        description: `SRT of switcher ${switcherId}`,
        ingress: srtIngressRules(architecture, region),
        // SRT-caller outputs reach their destination wherever it is.
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "anywhere" }],
        tags: tags(`srt-${region}`),
      });
      return [region, { vpc, subnet, routeTable, securityGroup }] as const;
    }),
  );
  const peerings = away.map((region) => {
    const connection = declare(aws.ec2.VpcPeeringConnection, "Peering", region, {
      region: home,
      vpcId: byRegion[home]!.vpc.id,
      peerVpcId: byRegion[region]!.vpc.id,
      peerRegion: region,
      // Across regions the request is accepted in the peer's region (the accepter below), never by the requester.
      autoAccept: false,
      tags: tags(`${home}-${region}`),
    });
    const accepter = declare(aws.ec2.VpcPeeringConnectionAccepter, "PeeringAccepter", region, {
      region,
      vpcPeeringConnectionId: connection.id,
      autoAccept: true,
      tags: tags(`${home}-${region}`),
    });
    const routes = [
      declare(
        aws.ec2.Route,
        "Route",
        `${home}-to-${region}`,
        { region: home, routeTableId: byRegion[home]!.routeTable.id, destinationCidrBlock: cidr(region), vpcPeeringConnectionId: connection.id },
        [accepter],
      ),
      declare(
        aws.ec2.Route,
        "Route",
        `${region}-to-${home}`,
        { region, routeTableId: byRegion[region]!.routeTable.id, destinationCidrBlock: cidr(home), vpcPeeringConnectionId: accepter.id },
        [accepter],
      ),
    ];
    return { connection, accepter, routes };
  });
  const subnets: Record<string, SwitcherSubnet> = Object.fromEntries(regions.map((region) => [region, byRegion[region]!.subnet]));
  /** The subnets and security groups as the flows' template takes them (stacks/switcher.ts, SwitcherNetwork). */
  const flowNetwork = $util
    .all(regions.map((region) => $util.all([region, byRegion[region]!.subnet.id, byRegion[region]!.securityGroup.id])))
    .apply((rows) => ({
      regions: Object.fromEntries(rows.map(([region, subnetId, securityGroupId]) => [region, { subnetId, securityGroupIds: [securityGroupId] }])),
      outputAllowCidrs: network.outputAllowCidrs,
    }));
  return { byRegion, peerings, subnets, flowNetwork };
}

/**
 * One Route 53 record per ingest of the region, `<ingest id>.<zone>` → the ingest flow's public ingest address. The
 * address is the flow's own attribute, so a flow that CloudFormation replaces updates its record in the same stack
 * update.
 */
export function ingestDnsRecords(architecture: Architecture, region: string, flowOf: (ingestId: string) => string): Record<string, unknown> {
  const dns = architecture.network?.dns;
  if (!dns) return {};
  return Object.fromEntries(
    architecture.ingests
      .filter((ingest) => ingest.region === region)
      .map((ingest) => [
        `${flowOf(ingest.id)}Dns`,
        {
          Type: "AWS::Route53::RecordSet",
          Properties: {
            HostedZoneId: dns.hostedZoneId,
            Name: `${ingest.id}.${dns.zoneName}.`,
            Type: "A",
            TTL: DNS_TTL_SECONDS,
            ResourceRecords: [{ "Fn::GetAtt": [flowOf(ingest.id), "Source.IngestIp"] }],
          },
        },
      ]),
  );
}
