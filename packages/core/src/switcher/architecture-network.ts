import { z } from "zod";
import { ipv4AllowList, parseIpv4 } from "../net/ipv4.ts";

const RegionId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a region id of the file");

/** A VPC's IPv4 range: AWS allows /16 to /28 (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html). */
const VpcCidr = z
  .cidrv4("an IPv4 CIDR such as 10.20.0.0/16")
  .refine((cidr) => {
    const length = prefixLength(cidr);
    // A malformed CIDR is the format check's fault alone.
    return Number.isNaN(length) || (length >= 16 && length <= 28);
  }, "a VPC's CIDR is /16 to /28");

/** A Route 53 name: labels of letters, digits and hyphens, without the final dot. */
const ZoneName = z
  .string()
  .max(200)
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, "a DNS zone name such as live.example.com, lower case, without the final dot");

/**
 * The switcher's own private network in AWS (optional; without it the flows use the subnets the deployment names):
 * a VPC per region, the home region's VPC peered with each ingest region's (not a Transit Gateway), and each
 * ingest's public ingest address named `<ingest id>.<zone>` in Route 53.
 */
export const Network = z
  .object({
    /** The VPC range of every region of the file; peered VPCs must not overlap. */
    regions: z.record(RegionId, z.object({ vpcCidr: VpcCidr }).strict()),
    /** Put the live and preview outputs on the home VPC's interface (reached over VPN, Direct Connect or peering). */
    outputsOnVpc: z.boolean().default(false),
    /** Who may pull the SRT-listener outputs. */
    outputAllowCidrs: z.array(z.cidrv4("an IPv4 CIDR such as 192.0.2.0/24")).max(20).default([]),
    /** A Route 53 public hosted zone for the ingests' names. */
    dns: z
      .object({
        hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
        zoneName: ZoneName,
      })
      .strict()
      .optional(),
  })
  .strict();
export type Network = z.infer<typeof Network>;

function prefixLength(cidr: string): number {
  return Number(cidr.split("/")[1]);
}

function range(cidr: string): { first: number; last: number } {
  const [address, bits] = cidr.split("/") as [string, string];
  const value = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

/** Whether two IPv4 CIDRs share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [x, y] = [range(a), range(b)];
  return x.first <= y.last && y.first <= x.last;
}

type Issue = { path: (string | number)[]; message: string };

/**
 * What the network section must agree on with the rest of the file: a CIDR for every region and none for others,
 * no two overlapping (VPC peering fails between overlapping ranges:
 * https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html), and an allow-list when an
 * output listens.
 */
/**
 * With outputsOnVpc the outputs leave on the VPC interface, and the VPCs this section makes reach nothing but each
 * other (no internet gateway): an SRT-caller output must call an address inside one of them.
 */
function unreachableCallers(network: Network, callers: readonly { bus: string; destination: string }[]): Issue[] {
  if (!network.outputsOnVpc) return [];
  const inside = ipv4AllowList(Object.values(network.regions).map((region) => region.vpcCidr));
  return callers
    // A host name may resolve inside (a private hosted zone): only an address can be judged here.
    .filter(({ destination }) => parseIpv4(destination.split(":")[0]!) !== undefined && !inside(destination.split(":")[0]!))
    .map(({ bus, destination }) => ({
      path: ["outputs", bus, "destination"],
      message: `${destination} is outside the switcher's VPCs, which network.outputsOnVpc sends the outputs into (they have no internet gateway): call an address in network.regions' CIDRs, or set outputsOnVpc to false`,
    }));
}

export function networkIssues(
  network: Network,
  regionIds: readonly string[],
  listeningOutputs: readonly string[],
  callingOutputs: readonly { bus: string; destination: string }[] = [],
): Issue[] {
  const issues: Issue[] = [];
  const known = new Set(regionIds);
  for (const id of regionIds) {
    if (!network.regions[id]) issues.push({ path: ["network", "regions"], message: `no vpcCidr for the region "${id}"` });
  }
  const entries = Object.entries(network.regions);
  entries.forEach(([id, { vpcCidr }], index) => {
    if (!known.has(id)) issues.push({ path: ["network", "regions", id], message: `no region "${id}" in regions` });
    for (const [other, { vpcCidr: otherCidr }] of entries.slice(0, index)) {
      if (cidrsOverlap(vpcCidr, otherCidr)) {
        issues.push({ path: ["network", "regions", id, "vpcCidr"], message: `${vpcCidr} overlaps ${otherCidr} of "${other}": peered VPCs need ranges apart` });
      }
    }
  });
  if (listeningOutputs.length > 0 && network.outputAllowCidrs.length === 0) {
    issues.push({ path: ["network", "outputAllowCidrs"], message: `the ${listeningOutputs.join(" and ")} SRT-listener output${listeningOutputs.length > 1 ? "s need" : " needs"} the CIDRs allowed to pull` });
  }
  return [...issues, ...unreachableCallers(network, callingOutputs)];
}
