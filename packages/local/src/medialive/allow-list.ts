import { BlockList, isIPv4 } from "node:net";

/** An IPv4 CIDR allow-list, as a MediaLive input security group applies it. */
export function allowList(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network, bits = "32"] = cidr.split("/");
    if (network && isIPv4(network)) list.addSubnet(network, Number(bits), "ipv4");
  }
  return (address) => {
    const ip = address.replace(/^::ffff:/, "");
    return isIPv4(ip) && list.check(ip, "ipv4");
  };
}
