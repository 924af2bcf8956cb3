import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Architecture } from "../packages/core/src/switcher/architecture.ts";
import {
  ALL_ACTIONS,
  switchSchedulePermissions,
  switcherEnginePermissions,
  switcherFilePermissions,
} from "./permissions.ts";
import { recordingOptions, type DeclaredOptions } from "./pulumi-options-testing.ts";
import { architectureOf, env, file, network, switcherId } from "./switcher-testing.ts";
import { switcherRegionTemplate, type SwitcherDeployment } from "./switcher.ts";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
const registered: Registered[] = [];
let declared: Map<string, DeclaredOptions>;
const stackOptions = (name: string) => declared.get(`cloudformation.Stack ${name}`);
const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

const architecture: Architecture = architectureOf(file);
const deployment = { switcherId, architecture, network } satisfies SwitcherDeployment;
const roleArn = "arn:aws:iam::111122223333:role/switcher-mediaconnect";
const secretArn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;

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
          Description: "closed until the switcher points it at an ingest",
          Protocol: "srt-listener",
          IngestPort: 1024,
          WhitelistCidr: "192.0.2.1/32",
          MaxBitrate: 80_000_000,
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
    const recording = recordingOptions(await import("@pulumi/aws"), ["cloudformation", "cloudwatch"]);
    declared = recording.declared;
    Object.assign(globalThis, { aws: recording.aws, $interpolate: pulumi.interpolate, $util: pulumi, $app: { name: "visionstream", stage: "test" } });
    const directory = mkdtempSync(join(tmpdir(), "switcher-stack-"));
    writeFileSync(join(directory, "switcher.json"), JSON.stringify(file));
    Object.assign(process.env, { ...env, VISIONSTREAM_SWITCHER_FILE: join(directory, "switcher.json") });
    // Imported above without a switcher file; the stack reads its environment when it loads.
    vi.resetModules();
  });

  it("declare one protected CloudFormation stack per region and a MediaConnect role that reads only the passphrase secrets", async () => {
    const { flows } = await import("./switcher.ts");

    expect(flows).toHaveLength(2);
    await Promise.all(flows.map((stack) => resolved(stack.id)));
    const stacks = registered.filter((resource) => resource.type === "aws:cloudformation/stack:Stack");
    expect(stacks.map((stack) => [stack.name, stack.inputs.name, stack.inputs.region])).toEqual([
      [`SwitcherFlows-${switcherId}-eu-west-1`, `visionstream-test-${switcherId}-eu-west-1`, "eu-west-1"],
      [`SwitcherFlows-${switcherId}-us-east-1`, `visionstream-test-${switcherId}-us-east-1`, "us-east-1"],
    ]);
    expect(stacks.map((stack) => stackOptions(stack.name)?.protect)).toEqual([true, true]);
    // The only switcher: it keeps what a stage deployed before names carried the switcher's id.
    expect(stacks.map((stack) => stackOptions(stack.name)?.aliases)).toEqual([["SwitcherFlows-eu-west-1"], ["SwitcherFlows-us-east-1"]]);
    const home = JSON.parse(await resolved(flows[0]!.templateBody));
    expect(home.Resources.IngeststageZa.Properties.Source.Decryption.SecretArn).toBe("arn:aws:secretsmanager:eu-west-1:111122223333:secret:festival/stage-a-AbCdEf");
    expect(home.Resources.IngeststageZa.Properties.AvailabilityZone).toBe("eu-west-1a");
    const away = JSON.parse(await resolved(flows[1]!.templateBody));
    expect(away.Resources.IngeststageZbOutput.Properties.CidrAllowList).toEqual(["10.20.1.0/24"]);
    expect(away.Resources.IngeststageZb.Properties.VpcInterfaces[0].SubnetId).toBe("subnet-0bbb");

    const role = registered.find((resource) => resource.name === `SwitcherMediaConnectRole-${switcherId}`)!;
    expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "mediaconnect.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policy = registered.find((resource) => resource.name === `SwitcherMediaConnectRole-${switcherId}Policy`)!;
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
      [`SwitcherForwardFlows-${switcherId}-us-east-1`, "us-east-1", switcherForwardingPatterns(switcherId, "us-east-1", "visionstream-test")[0]],
      [`SwitcherForwardStack-${switcherId}-us-east-1`, "us-east-1", switcherForwardingPatterns(switcherId, "us-east-1", "visionstream-test")[1]],
    ]);
    expect(rules.every((rule) => rule.inputs.eventBusName === undefined)).toBe(true);
    const appBus = "arn:aws:events:eu-west-1:111122223333:event-bus/default";
    expect(targets.map((target) => [target.name, target.inputs.region, target.inputs.arn, target.inputs.roleArn])).toEqual([
      [`SwitcherForwardFlows-${switcherId}-us-east-1`, "us-east-1", appBus, `arn:aws:iam::111122223333:role/SwitcherForwarding-${switcherId}-us-east-1`],
      [`SwitcherForwardStack-${switcherId}-us-east-1`, "us-east-1", appBus, `arn:aws:iam::111122223333:role/SwitcherForwarding-${switcherId}-us-east-1`],
    ]);
    expect(roles.map((role) => JSON.parse(role.inputs.assumeRolePolicy as string).Statement)).toEqual([
      [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }],
    ]);
    const policy = registered.find((resource) => resource.name === `SwitcherForwarding-${switcherId}-us-east-1Policy`)!;
    expect(JSON.parse(policy.inputs.policy as string).Statement).toEqual([{ Effect: "Allow", Action: ["events:PutEvents"], Resource: [appBus] }]);
    expect(declared.get(`cloudwatch.EventTarget SwitcherForwardFlows-${switcherId}-us-east-1`)).toEqual({
      dependsOn: [`SwitcherForwarding-${switcherId}-us-east-1Policy`],
      protect: true,
      aliases: ["SwitcherForwardFlows-us-east-1"],
    });
    expect(declared.get(`cloudwatch.EventRule SwitcherForwardFlows-${switcherId}-us-east-1`)?.protect).toBe(true);
    expect(stackOptions(`SwitcherFlows-${switcherId}-us-east-1`)?.dependsOn).toEqual(
      expect.arrayContaining([`SwitcherForwarding-${switcherId}-us-east-1`, `SwitcherForwardFlows-${switcherId}-us-east-1`, `SwitcherForwardStack-${switcherId}-us-east-1`]),
    );
    expect(stackOptions(`SwitcherFlows-${switcherId}-eu-west-1`)?.dependsOn).not.toEqual(expect.arrayContaining([`SwitcherForwardFlows-${switcherId}-us-east-1`]));
  });

  it("forward from every region of a switcher whose regions do not include the app's", async () => {
    const { switcherEventForwarding } = await import("./switcher-events.ts");

    const forwarding = switcherEventForwarding({ switcherId, regions: ["eu-central-1", "ap-southeast-2"], appRegion: "us-west-2", stackPrefix: "visionstream-test", protect: true, formerNames: false });

    expect([...forwarding.keys()]).toEqual(["eu-central-1", "ap-southeast-2"]);
    await Promise.all([...forwarding.values()].flat().map((resource) => resolved((resource as pulumi.CustomResource).id)));
    const target = registered.find((resource) => resource.name === `SwitcherForwardFlows-${switcherId}-ap-southeast-2` && resource.type === "aws:cloudwatch/eventTarget:EventTarget")!;
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

  describe("of a stage with several switchers (a directory of files)", () => {
    const other = "sw-fedcba9876543210";
    /** Deploys the directory's switchers afresh, as `sst deploy` would with this environment. */
    async function deploy(release?: string) {
      const directory = mkdtempSync(join(tmpdir(), "switchers-"));
      writeFileSync(join(directory, "festival.json"), JSON.stringify({ ...file, id: switcherId }));
      writeFileSync(join(directory, "studio.json"), JSON.stringify({ ...file, id: other, name: "studio" }));
      delete process.env.VISIONSTREAM_SWITCHER_ID;
      delete process.env.VISIONSTREAM_SWITCHER_RELEASE;
      Object.assign(process.env, { VISIONSTREAM_SWITCHER_FILE: directory, ...(release && { VISIONSTREAM_SWITCHER_RELEASE: release }) });
      registered.length = 0;
      vi.resetModules();
      const { flows } = await import("./switcher.ts");
      await Promise.all(flows.map((stack) => resolved(stack.id)));
      // Registered as their inputs resolve: by name, for a stable order.
      return registered.filter((resource) => resource.type === "aws:cloudformation/stack:Stack").sort((one, two) => one.name.localeCompare(two.name));
    }

    it("give each switcher its own resources, every one named after it, and protect both switchers' stacks", async () => {
      const stacks = await deploy();

      expect(stacks.map((stack) => [stack.name, stack.inputs.name, stackOptions(stack.name)])).toEqual([
        [`SwitcherFlows-${switcherId}-eu-west-1`, `visionstream-test-${switcherId}-eu-west-1`, expect.objectContaining({ protect: true, aliases: [] })],
        [`SwitcherFlows-${switcherId}-us-east-1`, `visionstream-test-${switcherId}-us-east-1`, expect.objectContaining({ protect: true, aliases: [] })],
        [`SwitcherFlows-${other}-eu-west-1`, `visionstream-test-${other}-eu-west-1`, expect.objectContaining({ protect: true, aliases: [] })],
        [`SwitcherFlows-${other}-us-east-1`, `visionstream-test-${other}-us-east-1`, expect.objectContaining({ protect: true, aliases: [] })],
      ]);
      const names = registered.map((resource) => `${resource.type} ${resource.name}`);
      expect(new Set(names).size).toBe(names.length);
      expect(registered.filter((resource) => !resource.name.includes(switcherId) && !resource.name.includes(other))).toEqual([]);
      expect(registered.filter((resource) => resource.type === "aws:iam/role:Role").map((role) => role.name).sort()).toEqual([
        `SwitcherForwarding-${switcherId}-us-east-1`,
        `SwitcherForwarding-${other}-us-east-1`,
        `SwitcherMediaConnectRole-${switcherId}`,
        `SwitcherMediaConnectRole-${other}`,
      ]);
    });

    it("leave unprotected the switchers named in VISIONSTREAM_SWITCHER_RELEASE, so that the next deploy without their file deletes them", async () => {
      const stacks = await deploy(` ${other} `);

      expect(stacks.map((stack) => [stack.name, stackOptions(stack.name)?.protect])).toEqual([
        [`SwitcherFlows-${switcherId}-eu-west-1`, true],
        [`SwitcherFlows-${switcherId}-us-east-1`, true],
        [`SwitcherFlows-${other}-eu-west-1`, false],
        [`SwitcherFlows-${other}-us-east-1`, false],
      ]);
      expect(declared.get(`cloudwatch.EventRule SwitcherForwardFlows-${other}-us-east-1`)?.protect).toBe(false);
    });
  });
});
