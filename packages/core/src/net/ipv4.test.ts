import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4AllowList, ipv4InCidr, parseIpv4, parseIpv4Cidr } from "./ipv4.ts";

describe("parseIpv4", () => {
  it("reads a dotted quad as an unsigned 32-bit number", () => {
    expect(parseIpv4("0.0.0.0")).toBe(0);
    expect(parseIpv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("203.0.113.9")).toBe(0xcb007109);
  });

  it("refuses what node:net's isIPv4 refuses", () => {
    for (const address of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4", "a.b.c.d", "::1", "::ffff:1.2.3.4", "1.2.3.4/32"])
      expect(parseIpv4(address), address).toBeUndefined();
  });
});

describe("parseIpv4Cidr", () => {
  it("reads the network and the prefix length, a bare address being /32", () => {
    expect(parseIpv4Cidr("203.0.113.0/24")).toEqual({ network: 0xcb007100, prefixLength: 24 });
    expect(parseIpv4Cidr("0.0.0.0/0")).toEqual({ network: 0, prefixLength: 0 });
    expect(parseIpv4Cidr("10.1.2.3/32")).toEqual({ network: 0x0a010203, prefixLength: 32 });
    expect(parseIpv4Cidr("10.1.2.3")).toEqual({ network: 0x0a010203, prefixLength: 32 });
  });

  it("refuses a bad address, a prefix length outside 0-32 and anything more", () => {
    for (const cidr of ["", "/8", "300.1.1.1/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/8.5", "10.0.0.0/x", "10.0.0.0/8/9", "::ffff:10.0.0.0/104"])
      expect(parseIpv4Cidr(cidr), cidr).toBeUndefined();
  });
});

describe("ipv4InCidr", () => {
  it("compares only the prefix, host bits of the network included", () => {
    const network = parseIpv4Cidr("10.1.2.3/8")!;

    expect(ipv4InCidr(parseIpv4("10.255.0.1")!, network)).toBe(true);
    expect(ipv4InCidr(parseIpv4("11.0.0.0")!, network)).toBe(false);
  });

  it("puts every address in /0 and only the address itself in /32", () => {
    const everyone = parseIpv4Cidr("0.0.0.0/0")!;
    const one = parseIpv4Cidr("192.0.2.7/32")!;

    expect([0, 0x7fffffff, 0x80000000, 0xffffffff].map((address) => ipv4InCidr(address, everyone))).toEqual([true, true, true, true]);
    expect(ipv4InCidr(parseIpv4("192.0.2.7")!, one)).toBe(true);
    expect(ipv4InCidr(parseIpv4("192.0.2.6")!, one)).toBe(false);
    expect(ipv4InCidr(parseIpv4("192.0.2.8")!, one)).toBe(false);
  });

  it("keeps the boundaries of a network with the high bit set", () => {
    const network = parseIpv4Cidr("203.0.113.128/25")!;

    expect(ipv4InCidr(parseIpv4("203.0.113.127")!, network)).toBe(false);
    expect(ipv4InCidr(parseIpv4("203.0.113.128")!, network)).toBe(true);
    expect(ipv4InCidr(parseIpv4("203.0.113.255")!, network)).toBe(true);
    expect(ipv4InCidr(parseIpv4("203.0.114.0")!, network)).toBe(false);
  });
});

describe("ipv4AllowList", () => {
  it("allows an address in any of the networks and nothing else", () => {
    const allowed = ipv4AllowList(["203.0.113.0/24", "127.0.0.1/32"]);

    expect(allowed("203.0.113.42")).toBe(true);
    expect(allowed("127.0.0.1")).toBe(true);
    expect(allowed("127.0.0.2")).toBe(false);
    expect(allowed("198.51.100.1")).toBe(false);
  });

  it("takes an IPv4-mapped IPv6 address as its IPv4 address", () => {
    const allowed = ipv4AllowList(["127.0.0.0/8"]);

    expect(allowed("::ffff:127.0.0.1")).toBe(true);
    expect(allowed("::FFFF:127.0.0.1")).toBe(true);
    expect(allowed("::ffff:10.0.0.1")).toBe(false);
  });

  it("allows no IPv6 address and no malformed one", () => {
    const allowed = ipv4AllowList(["0.0.0.0/0"]);

    for (const address of ["::1", "2001:db8::1", "::ffff:", "::ffff:300.0.0.1", "", "localhost", "1.2.3.4/32"]) expect(allowed(address), address).toBe(false);
    expect(allowed("8.8.8.8")).toBe(true);
  });

  it("lets a CIDR that does not parse allow nobody, and an empty list allow nobody", () => {
    const allowed = ipv4AllowList(["10.0.0.0/33", "not a cidr", "192.0.2.0/24"]);

    expect(allowed("10.0.0.1")).toBe(false);
    expect(allowed("192.0.2.1")).toBe(true);
    expect(ipv4AllowList([])("192.0.2.1")).toBe(false);
  });
});

describe("ipv4AllowList against node:net's BlockList (what the local adapters used)", () => {
  it("decides like BlockList for any valid network and address", () => {
    const address = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join("."));
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 32 }), address, (network, prefixLength, client) => {
        const list = new BlockList();
        list.addSubnet(network, prefixLength, "ipv4");

        expect(ipv4AllowList([`${network}/${prefixLength}`])(client)).toBe(list.check(client, "ipv4"));
      }),
      { seed: 12, numRuns: 2_000 },
    );
  });
});
