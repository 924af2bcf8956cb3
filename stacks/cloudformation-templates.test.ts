import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseArchitecture } from "../packages/core/src/switcher/architecture.ts";
import { validateTemplate } from "../scripts/aws-definitions/cloudformation.ts";
import { regionsOf, switcherRegionTemplate, type SwitcherNetwork } from "./switcher.ts";

const switcherId = "sw-0123456789abcdef";
const roleArn = "arn:aws:iam::111122223333:role/switcher-mediaconnect";
const ingest = (id: string, region: string, port: number) => ({
  id,
  name: `Stage ${id}`,
  region,
  protocol: "srt-listener",
  port,
  passphraseSecret: `festival/${id}`,
  allowCidr: "203.0.113.0/24",
  maxBitrateKbps: 20_000,
});

/** Switchers that between them take every branch of the template: both output protocols, with and without passphrase, one and two regions. */
const files = {
  "two regions, an SRT listener and an SRT caller": {
    name: "festival",
    regions: [{ id: "eu-west-1", name: "Ireland" }, { id: "us-east-1", name: "Virginia" }],
    ingests: [ingest("stage-a", "eu-west-1", 9001), ingest("stage-b", "us-east-1", 9002)],
    outputs: { live: { protocol: "srt-listener", port: 9101, passphraseSecret: "festival/live" }, preview: { protocol: "srt-caller", destination: "10.20.0.5:9102" } },
  },
  "one region, callers with passphrases": {
    name: "studio",
    regions: [{ id: "eu-central-1", name: "Frankfurt" }],
    ingests: [ingest("cam-1", "eu-central-1", 9001), ingest("cam-2", "eu-central-1", 9002), ingest("cam-3", "eu-central-1", 9003)],
    outputs: {
      live: { protocol: "srt-caller", destination: "encoder.example.com:9200", passphraseSecret: "studio/live" },
      preview: { protocol: "srt-caller", destination: "10.0.0.9:9201", passphraseSecret: "studio/preview" },
    },
  },
  "two regions with the network section: outputs on the VPC, a DNS name per ingest": {
    name: "seed",
    regions: [{ id: "eu-west-1", name: "Ireland" }, { id: "ap-southeast-2", name: "Sydney" }],
    ingests: [ingest("stage-a", "eu-west-1", 9001), ingest("stage-b", "ap-southeast-2", 9002), ingest("stage-c", "ap-southeast-2", 9003)],
    outputs: { live: { protocol: "srt-listener", port: 9101 }, preview: { protocol: "srt-caller", destination: "10.20.0.5:9102" } },
    network: {
      regions: { "eu-west-1": { vpcCidr: "10.20.0.0/16" }, "ap-southeast-2": { vpcCidr: "10.30.0.0/16" } },
      outputsOnVpc: true,
      outputAllowCidrs: ["192.0.2.0/24"],
      dns: { hostedZoneId: "Z0123456789ABCDEFGHIJ", zoneName: "live.example.com" },
    },
  },
  "listeners without passphrases": {
    name: "lab",
    regions: [{ id: "us-west-2", name: "Oregon" }],
    ingests: [ingest("bench", "us-west-2", 9001)],
    outputs: { live: { protocol: "srt-listener", port: 9101 }, preview: { protocol: "srt-listener", port: 9102 } },
  },
};

function templates() {
  return Object.entries(files).flatMap(([name, file]) => {
    const parsed = parseArchitecture(file);
    if (!parsed.ok) throw new Error(`${name}: ${JSON.stringify(parsed.faults)}`);
    const { architecture } = parsed;
    const regions = regionsOf(architecture);
    const network: SwitcherNetwork = {
      regions: Object.fromEntries(regions.map((region, index) => [region, { subnetId: `subnet-0${index}`, securityGroupIds: [`sg-0${index}`] }])),
      outputAllowCidrs: ["192.0.2.0/24"],
    };
    const secrets = [...architecture.ingests.map((entry) => entry.passphraseSecret), ...Object.values(architecture.outputs).flatMap((output) => output.passphraseSecret ?? [])];
    return regions.map((region) => ({
      name: `${name} (${region})`,
      // As deployed: the stack's templateBody is this template's JSON.
      template: JSON.parse(
        JSON.stringify(
          switcherRegionTemplate({
            switcherId,
            architecture,
            network,
            region,
            roleArn,
            availabilityZones: Object.fromEntries(regions.map((each) => [each, `${each}a`])),
            busCidr: "10.20.1.0/24",
            secretArns: Object.fromEntries(secrets.map((secret) => [secret, `arn:aws:secretsmanager:${region}:111122223333:secret:${secret}-AbCdEf`])),
          }),
        ),
      ) as unknown,
    }));
  });
}

describe("the CloudFormation templates of stacks/", () => {
  it("fit CloudFormation's resource schemas: the switcher's MediaConnect flows in every region", () => {
    const all = templates();

    const problems = all.flatMap(({ name, template }) => validateTemplate(template).map((problem) => `${name}: ${problem.path}: ${problem.message}`));

    expect(problems).toEqual([]);
    expect(all).toHaveLength(6);
    const types = all.flatMap(({ template }) => Object.values((template as { Resources: Record<string, { Type: string }> }).Resources).map((resource) => resource.Type));
    expect(types.filter((type) => type === "AWS::Route53::RecordSet")).toHaveLength(3);
  });

  it("come from switcher.ts only: a new aws.cloudformation.Stack elsewhere needs its templates checked here", () => {
    const directory = fileURLToPath(new URL(".", import.meta.url));

    const declaring = readdirSync(directory).filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && /cloudformation\.Stack\(/.test(readFileSync(`${directory}/${file}`, "utf8")));

    expect(declaring).toEqual(["switcher.ts"]);
  });
});
