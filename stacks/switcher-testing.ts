import { parseArchitecture, type Architecture } from "../packages/core/src/switcher/architecture.ts";

export const switcherId = "sw-0123456789abcdef";
/** A two-region switcher's architecture file without a network section, as the stacks' tests deploy it. */
export const file = {
  name: "festival",
  regions: [
    { id: "eu-west-1", name: "Ireland" },
    { id: "us-east-1", name: "Virginia" },
  ],
  ingests: [
    { id: "stage-a", name: "Main stage", region: "eu-west-1", protocol: "srt-listener", port: 9001, passphraseSecret: "festival/stage-a", allowCidr: "203.0.113.0/24", maxBitrateKbps: 20000 },
    { id: "stage-b", name: "Second stage", region: "us-east-1", protocol: "srt-listener", port: 9002, passphraseSecret: "festival/stage-b", allowCidr: "198.51.100.0/24", maxBitrateKbps: 15000 },
  ],
  outputs: {
    live: { protocol: "srt-listener", port: 9101, passphraseSecret: "festival/live" },
    preview: { protocol: "srt-caller", destination: "10.20.0.5:9102" },
  },
};
/** VISIONSTREAM_SWITCHER_NETWORK for it. */
export const network = {
  regions: {
    "eu-west-1": { subnetId: "subnet-0aaa", securityGroupIds: ["sg-0aaa"] },
    "us-east-1": { subnetId: "subnet-0bbb", securityGroupIds: ["sg-0bbb", "sg-0ccc"] },
  },
  outputAllowCidrs: ["192.0.2.0/24"],
};

/** The environment of a deploy of that one file. */
export const env = {
  VISIONSTREAM_SWITCHER_FILE: "switcher.json",
  VISIONSTREAM_SWITCHER_ID: switcherId,
  VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify(network),
};

/** The file, parsed. */
export function architectureOf(input: unknown): Architecture {
  const parsed = parseArchitecture(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
  return parsed.architecture;
}
