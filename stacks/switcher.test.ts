import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parseArchitecture, type Architecture } from "../packages/core/src/switcher/architecture.ts";
import {
  ALL_ACTIONS,
  switchSchedulePermissions,
  switcherEnginePermissions,
  switcherFilePermissions,
} from "./permissions.ts";
import { InvalidSwitcherDeployment, readSwitcherDeployment, switcherRegionTemplate, type SwitcherDeployment } from "./switcher.ts";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
const registered: Registered[] = [];
/** The dependsOn of CloudFormation stacks and EventBridge targets, by logical name: the mocks never see options. */
const dependencies = new Map<string, string[]>();

function recordingDependencies(aws: typeof import("@pulumi/aws")): typeof import("@pulumi/aws") {
  const record = (name: string, opts?: pulumi.CustomResourceOptions) =>
    dependencies.set(name, ([opts?.dependsOn ?? []].flat() as unknown as { __name: string }[]).map((resource) => resource.__name));
  class Stack extends aws.cloudformation.Stack {
    constructor(name: string, args: import("@pulumi/aws").cloudformation.StackArgs, opts?: pulumi.CustomResourceOptions) {
      super(name, args, opts);
      record(name, opts);
    }
  }
  class EventTarget extends aws.cloudwatch.EventTarget {
    constructor(name: string, args: import("@pulumi/aws").cloudwatch.EventTargetArgs, opts?: pulumi.CustomResourceOptions) {
      super(name, args, opts);
      record(name, opts);
    }
  }
  const replace = <T extends object>(module: T, key: string, value: unknown) =>
    new Proxy(module, { get: (target, property) => (property === key ? value : Reflect.get(target, property)) });
  return replace(
    replace(aws, "cloudformation", replace(aws.cloudformation, "Stack", Stack)),
    "cloudwatch",
    replace(aws.cloudwatch, "EventTarget", EventTarget),
  );
}
const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

const switcherId = "sw-0123456789abcdef";
const file = {
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
const network = {
  regions: {
    "eu-west-1": { subnetId: "subnet-0aaa", securityGroupIds: ["sg-0aaa"] },
    "us-east-1": { subnetId: "subnet-0bbb", securityGroupIds: ["sg-0bbb", "sg-0ccc"] },
  },
  outputAllowCidrs: ["192.0.2.0/24"],
};
const env = {
  VISIONSTREAM_SWITCHER_FILE: "switcher.json",
  VISIONSTREAM_SWITCHER_ID: switcherId,
  VISIONSTREAM_SWITCHER_NETWORK: JSON.stringify(network),
};
const parsed = parseArchitecture(file);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
const architecture: Architecture = parsed.architecture;
const deployment: SwitcherDeployment = { switcherId, architecture, network };
const roleArn = "arn:aws:iam::111122223333:role/switcher-mediaconnect";
const secretArn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;

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

describe("switcherRegionTemplate", () => {
  const template = (region: string) =>
    switcherRegionTemplate({
      ...deployment,
      region,
      roleArn,
      availabilityZones: { "eu-west-1": "eu-west-1b", "us-east-1": "us-east-1a" },
      busCidr: "10.20.1.0/24",
      secretArns: Object.fromEntries(["festival/stage-a", "festival/stage-b", "festival/live"].map((name) => [name, secretArn(name)])),
    });

  it("declares an ingest's SRT listener, decrypted with its passphrase secret, and its output on the VPC interface", () => {
    const { Resources } = template("us-east-1");

    expect(Object.keys(Resources)).toEqual(["IngeststageZb", "IngeststageZbOutput"]);
    expect(Resources.IngeststageZb).toEqual({
      Type: "AWS::MediaConnect::Flow",
      Properties: {
        Name: `vs-${switcherId}-stage-b`,
        AvailabilityZone: "us-east-1a",
        Source: {
          Name: "ingest",
          Description: "Second stage",
          Protocol: "srt-listener",
          IngestPort: 9002,
          WhitelistCidr: "198.51.100.0/24",
          MaxBitrate: 15_000_000,
          Decryption: { KeyType: "srt-password", RoleArn: roleArn, SecretArn: secretArn("festival/stage-b") },
        },
        VpcInterfaces: [{ Name: "switcher", RoleArn: roleArn, SubnetId: "subnet-0bbb", SecurityGroupIds: ["sg-0bbb", "sg-0ccc"] }],
      },
    });
    expect(Resources.IngeststageZbOutput).toEqual({
      Type: "AWS::MediaConnect::FlowOutput",
      Properties: {
        FlowArn: { "Fn::GetAtt": ["IngeststageZb", "FlowArn"] },
        Name: "switcher",
        Description: "Second stage to the switcher's live and preview flows",
        Protocol: "srt-listener",
        Port: 9002,
        CidrAllowList: ["10.20.1.0/24"],
        VpcInterfaceAttachment: { VpcInterfaceName: "switcher" },
      },
    });
  });

  it("declares the live and preview flows in the home region, with the file's outputs", () => {
    const { Resources } = template("eu-west-1");

    expect(Object.keys(Resources)).toEqual(["IngeststageZa", "IngeststageZaOutput", "Buslive", "BusliveOutput", "Buspreview", "BuspreviewOutput"]);
    expect(Resources.Buslive).toEqual({
      Type: "AWS::MediaConnect::Flow",
      Properties: {
        Name: `vs-${switcherId}-bus-live`,
        AvailabilityZone: "eu-west-1b",
        Source: {
          Name: "ingest",
          Description: "temporary; the switcher points it at stage-a and then at the ingest chosen",
          Protocol: "srt-listener",
          IngestPort: 9001,
          WhitelistCidr: "192.0.2.1/32",
          MaxBitrate: 20_000_000,
        },
        VpcInterfaces: [{ Name: "switcher", RoleArn: roleArn, SubnetId: "subnet-0aaa", SecurityGroupIds: ["sg-0aaa"] }],
        SourceMonitoringConfig: { ThumbnailState: "ENABLED" },
      },
    });
    expect((Resources.Buspreview as { Properties: object }).Properties).toMatchObject({ SourceMonitoringConfig: { ThumbnailState: "ENABLED" } });
    expect(Resources.BusliveOutput).toEqual({
      Type: "AWS::MediaConnect::FlowOutput",
      Properties: {
        FlowArn: { "Fn::GetAtt": ["Buslive", "FlowArn"] },
        Name: "live",
        Description: "the switcher's live output",
        Protocol: "srt-listener",
        Port: 9101,
        CidrAllowList: ["192.0.2.0/24"],
        Encryption: { KeyType: "srt-password", RoleArn: roleArn, SecretArn: secretArn("festival/live") },
      },
    });
    expect(Resources.BuspreviewOutput).toEqual({
      Type: "AWS::MediaConnect::FlowOutput",
      Properties: {
        FlowArn: { "Fn::GetAtt": ["Buspreview", "FlowArn"] },
        Name: "preview",
        Description: "the switcher's preview output",
        Protocol: "srt-caller",
        Destination: "10.20.0.5",
        Port: 9102,
      },
    });
  });
});

describe("switcher permissions", () => {
  it("name every action exactly", () => {
    for (const action of ALL_ACTIONS) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
  });

  it("let the engine use MediaConnect's flow actions, and read CloudWatch's metric data for its health figures", () => {
    expect(switcherEnginePermissions()).toEqual([
      {
        actions: [
          "mediaconnect:ListFlows",
          "mediaconnect:DescribeFlow",
          "mediaconnect:DescribeFlowSourceMetadata",
          "mediaconnect:UpdateFlowSource",
          "mediaconnect:StartFlow",
          "mediaconnect:StopFlow",
        ],
        resources: ["*"],
      },
      { actions: ["mediaconnect:DescribeFlowSourceThumbnail", "cloudwatch:GetMetricData"], resources: ["*"] },
    ]);
  });

  it("scope lineups to the stage's schedule group and pass only the scheduler role to the scheduler", () => {
    expect(switchSchedulePermissions("visionstream-test", "arn:aws:iam::111122223333:role/scheduler")).toEqual([
      {
        actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
        resources: ["arn:aws:scheduler:*:*:schedule/visionstream-test-switchers/*"],
      },
      { actions: ["scheduler:ListSchedules"], resources: ["*"] },
      {
        actions: ["iam:PassRole"],
        resources: ["arn:aws:iam::111122223333:role/scheduler"],
        conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["scheduler.amazonaws.com"] }],
      },
    ]);
    expect(switcherFilePermissions("visionstream-test")).toEqual([{ actions: ["s3:PutObject"], resources: ["arn:aws:s3:::visionstream-test-acc-*/switchers/*"] }]);
  });
});

describe("the switcher's resources (Pulumi mocks)", () => {
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: ({ type, name, inputs }) => {
          registered.push({ type, name, inputs });
          return { id: `${name}-id`, state: { ...inputs, arn: `arn:aws:iam::111122223333:role/${name}` } };
        },
        call: ({ token, inputs }) => {
          if (token === "aws:ec2/getSubnet:getSubnet") {
            return { ...inputs, availabilityZone: `${inputs.region}a`, cidrBlock: inputs.region === "eu-west-1" ? "10.20.1.0/24" : "10.30.1.0/24" };
          }
          if (token === "aws:secretsmanager/getSecret:getSecret") return { ...inputs, arn: `arn:aws:secretsmanager:${inputs.region}:111122223333:secret:${inputs.name}-AbCdEf` };
          return { ...inputs, region: "eu-west-1", accountId: "111122223333" };
        },
      },
      "visionstream",
      "test",
      false,
    );
    Object.assign(globalThis, { aws: recordingDependencies(await import("@pulumi/aws")), $interpolate: pulumi.interpolate, $util: pulumi, $app: { name: "visionstream", stage: "test" } });
    const directory = mkdtempSync(join(tmpdir(), "switcher-stack-"));
    writeFileSync(join(directory, "switcher.json"), JSON.stringify(file));
    Object.assign(process.env, { ...env, VISIONSTREAM_SWITCHER_FILE: join(directory, "switcher.json") });
    // Imported above without a switcher file; the stack reads its environment when it loads.
    vi.resetModules();
  });

  it("declare one CloudFormation stack per region and a MediaConnect role that reads only the passphrase secrets", async () => {
    const { flows } = await import("./switcher.ts");

    expect(flows).toHaveLength(2);
    await Promise.all(flows.map((stack) => resolved(stack.id)));
    const stacks = registered.filter((resource) => resource.type === "aws:cloudformation/stack:Stack");
    expect(stacks.map((stack) => [stack.name, stack.inputs.name, stack.inputs.region])).toEqual([
      ["SwitcherFlows-eu-west-1", `visionstream-test-${switcherId}-eu-west-1`, "eu-west-1"],
      ["SwitcherFlows-us-east-1", `visionstream-test-${switcherId}-us-east-1`, "us-east-1"],
    ]);
    const home = JSON.parse(await resolved(flows[0]!.templateBody));
    expect(home.Resources.IngeststageZa.Properties.Source.Decryption.SecretArn).toBe("arn:aws:secretsmanager:eu-west-1:111122223333:secret:festival/stage-a-AbCdEf");
    expect(home.Resources.IngeststageZa.Properties.AvailabilityZone).toBe("eu-west-1a");
    const away = JSON.parse(await resolved(flows[1]!.templateBody));
    expect(away.Resources.IngeststageZbOutput.Properties.CidrAllowList).toEqual(["10.20.1.0/24"]);
    expect(away.Resources.IngeststageZb.Properties.VpcInterfaces[0].SubnetId).toBe("subnet-0bbb");

    const role = registered.find((resource) => resource.name === "SwitcherMediaConnectRole")!;
    expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "mediaconnect.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policy = registered.find((resource) => resource.name === "SwitcherMediaConnectRolePolicy")!;
    expect(JSON.parse(policy.inputs.policy as string).Statement[0].Resource).toEqual([
      "arn:aws:secretsmanager:eu-west-1:111122223333:secret:festival/stage-a-AbCdEf",
      "arn:aws:secretsmanager:eu-west-1:111122223333:secret:festival/live-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:festival/stage-b-AbCdEf",
    ]);
  });

  it("forward each other region's flow and stack events to the app region's default bus, before that region's stack is made", async () => {
    await import("./switcher.ts");
    const { switcherForwardingPatterns } = await import("../events/src/aws/switcher-forwarding.ts");
    const ofType = (type: string) => registered.filter((resource) => resource.type === type);

    const rules = ofType("aws:cloudwatch/eventRule:EventRule");
    const targets = ofType("aws:cloudwatch/eventTarget:EventTarget");
    const roles = ofType("aws:iam/role:Role").filter((role) => role.name.startsWith("SwitcherForwarding-"));

    // The app (eu-west-1, the mocked provider's) is the switcher's home: only us-east-1 forwards.
    expect(rules.map((rule) => [rule.name, rule.inputs.region, JSON.parse(rule.inputs.eventPattern as string)])).toEqual([
      ["SwitcherForwardFlows-us-east-1", "us-east-1", switcherForwardingPatterns(switcherId, "us-east-1", "visionstream-test")[0]],
      ["SwitcherForwardStack-us-east-1", "us-east-1", switcherForwardingPatterns(switcherId, "us-east-1", "visionstream-test")[1]],
    ]);
    expect(rules.every((rule) => rule.inputs.eventBusName === undefined)).toBe(true);
    const appBus = "arn:aws:events:eu-west-1:111122223333:event-bus/default";
    expect(targets.map((target) => [target.name, target.inputs.region, target.inputs.arn, target.inputs.roleArn])).toEqual([
      ["SwitcherForwardFlows-us-east-1", "us-east-1", appBus, "arn:aws:iam::111122223333:role/SwitcherForwarding-us-east-1"],
      ["SwitcherForwardStack-us-east-1", "us-east-1", appBus, "arn:aws:iam::111122223333:role/SwitcherForwarding-us-east-1"],
    ]);
    expect(roles.map((role) => JSON.parse(role.inputs.assumeRolePolicy as string).Statement)).toEqual([
      [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }],
    ]);
    const policy = registered.find((resource) => resource.name === "SwitcherForwarding-us-east-1Policy")!;
    expect(JSON.parse(policy.inputs.policy as string).Statement).toEqual([{ Effect: "Allow", Action: ["events:PutEvents"], Resource: [appBus] }]);
    expect(dependencies.get("SwitcherForwardFlows-us-east-1")).toEqual(["SwitcherForwarding-us-east-1Policy"]);
    expect(dependencies.get("SwitcherFlows-us-east-1")).toEqual(
      expect.arrayContaining(["SwitcherForwarding-us-east-1", "SwitcherForwardFlows-us-east-1", "SwitcherForwardStack-us-east-1"]),
    );
    expect(dependencies.get("SwitcherFlows-eu-west-1")).not.toEqual(expect.arrayContaining(["SwitcherForwardFlows-us-east-1"]));
  });

  it("forward from every region of a switcher whose regions do not include the app's", async () => {
    const { switcherEventForwarding } = await import("./switcher-events.ts");

    const forwarding = switcherEventForwarding({ switcherId, regions: ["eu-central-1", "ap-southeast-2"], appRegion: "us-west-2", stackPrefix: "visionstream-test" });

    expect([...forwarding.keys()]).toEqual(["eu-central-1", "ap-southeast-2"]);
    await Promise.all([...forwarding.values()].flat().map((resource) => resolved((resource as pulumi.CustomResource).id)));
    const target = registered.find((resource) => resource.name === "SwitcherForwardFlows-ap-southeast-2" && resource.type === "aws:cloudwatch/eventTarget:EventTarget")!;
    expect(target.inputs).toMatchObject({ region: "ap-southeast-2", arn: "arn:aws:events:us-west-2:111122223333:event-bus/default" });
  });

  it("let EventBridge Scheduler invoke only the scheduled-switch function", async () => {
    const { switchScheduling } = await import("./switcher.ts");

    const scheduling = switchScheduling("SwitchSchedule", "visionstream-test");

    expect(scheduling.functionName).toBe("visionstream-test-scheduled-switch");
    expect(await resolved(scheduling.group.name)).toBe("visionstream-test-switchers");
    expect(JSON.parse(await resolved(scheduling.role.assumeRolePolicy)).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const arn = "arn:aws:lambda:eu-west-1:111122223333:function:visionstream-test-scheduled-switch";
    expect(JSON.parse(await resolved(scheduling.policy.policy)).Statement).toEqual([
      { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [arn, `${arn}:*`] },
    ]);
  });
});
