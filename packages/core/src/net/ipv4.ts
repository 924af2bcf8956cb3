const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)";
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PREFIX_LENGTH = /^(\d|[12]\d|3[0-2])$/;
const IPV4_MAPPED = /^::ffff:/i;

/** An IPv4 network: its address as an unsigned 32-bit number and how many leading bits name it. */
export interface Ipv4Cidr {
  network: number;
  prefixLength: number;
}

/** A dotted quad (no leading zeros, as node:net's isIPv4) as an unsigned 32-bit number. */
export function parseIpv4(address: string): number | undefined {
  const octets = DOTTED_QUAD.exec(address);
  if (!octets) return undefined;
  return octets.slice(1).reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** a.b.c.d/n, or a bare a.b.c.d as /32; host bits may be set, as MediaLive and CloudFront accept them. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const [address = "", prefix = "32", ...rest] = cidr.split("/");
  const network = parseIpv4(address);
  if (network === undefined || rest.length > 0 || !PREFIX_LENGTH.test(prefix)) return undefined;
  return { network, prefixLength: Number(prefix) };
}

const maskOf = (prefixLength: number) => (prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);

export function ipv4InCidr(address: number, cidr: Ipv4Cidr): boolean {
  const mask = maskOf(cidr.prefixLength);
  return ((address & mask) >>> 0) === ((cidr.network & mask) >>> 0);
}

/**
 * Whether an address is in any of the CIDRs, as a MediaLive input security group or a CloudFront policy's
 * AWS:SourceIp decides. The address may be IPv4-mapped IPv6 (::ffff:a.b.c.d), as a dual-stack socket reports
 * an IPv4 peer; a CIDR that does not parse allows nobody.
 */
export function ipv4AllowList(cidrs: readonly string[]): (address: string) => boolean {
  const networks = cidrs.map(parseIpv4Cidr).filter((cidr): cidr is Ipv4Cidr => cidr !== undefined);
  return (address) => {
    const ip = parseIpv4(address.replace(IPV4_MAPPED, ""));
    return ip !== undefined && networks.some((cidr) => ipv4InCidr(ip, cidr));
  };
}
