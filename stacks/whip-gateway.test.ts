import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { readWhipGatewayConfig } from "../packages/functions/src/config.ts";
import { whipGatewayTaskPolicy } from "./permissions.ts";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
/** An SST component as the stack declared it: its constructor's arguments. */
type Declared = { component: string; name: string; args: Record<string, unknown> };

const root = fileURLToPath(new URL("..", import.meta.url));
const registered: Registered[] = [];
const components: Declared[] = [];
const ignoring = new Map<string, string[]>();
const resolved = <T>(value: pulumi.Input<T>) => new Promise<T>((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
const ACCOUNT = "111122223333";
const ORIGIN_FACING_LIST = "pl-3b927c52";

/** SST's components stand in as records of their arguments; their outputs are named after them ("WhipLoadBalancer.dnsName"). */
const component = (kind: string) =>
  class {
    constructor(name: string, args: Record<string, unknown> = {}) {
      components.push({ component: kind, name, args });
      return new Proxy(this, { get: (_, property) => (typeof property === "string" ? pulumi.output(`${name}.${property}`) : undefined) });
    }
  };

let stack: typeof import("./whip-gateway.ts");
const declared = (kind: string, name: string) => components.find((entry) => entry.component === kind && entry.name === name)!;
const resource = (name: string) => registered.find((entry) => entry.name === name)!;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        registered.push({ type, name, inputs });
        const domainName = type === "aws:cloudfront/distribution:Distribution" ? { domainName: "d1a2b3c4e5f6g7.cloudfront.net" } : {};
        const arn = type === "aws:secretsmanager/secret:Secret" ? `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:visionstream-test/broadcast-AbCdEf` : `arn:aws:mock:::${name}`;
        return { id: `${name}-id`, state: { ...inputs, arn, name: inputs.name ?? `${name}-1a2b3c4`, ...domainName } };
      },
      call: ({ token, inputs }) => {
        if (token === "aws:ec2/getManagedPrefixList:getManagedPrefixList") return { ...inputs, id: ORIGIN_FACING_LIST };
        if (token === "aws:secretsmanager/getRandomPassword:getRandomPassword") return { ...inputs, randomPassword: "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v" };
        return { ...inputs, region: "eu-west-1", accountId: ACCOUNT };
      },
    },
    "visionstream",
    "test",
    false,
  );
  const aws = await import("@pulumi/aws");
  // Pulumi's mocks never see resource options: the secret's are recorded here.
  const SecretVersion = new Proxy(aws.secretsmanager.SecretVersion, {
    construct: (Class, args: unknown[]) => {
      const [name, , opts] = args as [string, unknown, pulumi.CustomResourceOptions | undefined];
      ignoring.set(name, opts?.ignoreChanges ?? []);
      return Reflect.construct(Class, args) as object;
    },
  });
  Object.assign(globalThis, {
    aws: { ...aws, secretsmanager: { ...aws.secretsmanager, SecretVersion } },
    sst: { aws: { Dynamo: component("Dynamo"), Vpc: component("Vpc"), Cluster: component("Cluster"), Alb: component("Alb"), Service: component("Service") } },
    $app: { name: "visionstream", stage: "test" },
    $util: pulumi,
    $interpolate: pulumi.interpolate,
    $jsonStringify: pulumi.jsonStringify,
  });
  stack = await import("./whip-gateway.ts");
});

describe("the WHIP gateway's service (stacks/whip-gateway.ts, Pulumi mocks)", () => {
  it("runs one task of the image built from the repository's Dockerfile, whose command bundles the gateway's entry", () => {
    const { args } = declared("Service", "WhipGateway");
    const image = args.image as { context: string; dockerfile: string };
    const dockerfile = readFileSync(`${root}/${image.context}/${image.dockerfile}`, "utf8");
    const entry = /esbuild (\S+)/.exec(dockerfile)?.[1];

    expect(image).toEqual({ context: ".", dockerfile: "stacks/whip-gateway.Dockerfile" });
    expect(entry).toBe("packages/functions/src/whip-gateway-main.ts");
    expect(existsSync(`${root}/${entry}`)).toBe(true);
    expect(dockerfile).toMatch(/^FROM node:22-bookworm-slim$/m);
    expect(dockerfile).toMatch(/apt-get install .*ffmpeg/);
    expect(dockerfile).toMatch(/^CMD \["node", "whip-gateway\.mjs"\]$/m);
    expect(readFileSync(`${root}/stacks/whip-gateway.Dockerfile.dockerignore`, "utf8").split("\n")).toEqual(expect.arrayContaining(["**/node_modules", ".sst"]));
    expect(args.scaling).toEqual({ min: 1, max: 1 });
    // Not even during a deploy: two tasks would take turns replacing each other's address on the channels' allow-lists.
    expect((args.transform as { service: Record<string, unknown> }).service).toEqual({ deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 });
    expect(args).toMatchObject({ architecture: "x86_64", cpu: "1 vCPU", memory: "2 GB", dev: false });
    expect(args.cluster).toBeDefined();
    expect(declared("Cluster", "WhipCluster").args.vpc).toBeDefined();
  });

  it("gives the container the configuration its own schema reads, the ports matching the load balancer and the security group", async () => {
    const { args } = declared("Service", "WhipGateway");
    const environment = Object.fromEntries(
      await Promise.all(Object.entries(args.environment as Record<string, pulumi.Input<string>>).map(async ([name, value]) => [name, await resolved(value)] as const)),
    );
    const config = readWhipGatewayConfig(environment);
    const loadBalancer = args.loadBalancer as { rules: { listen: string; forward: string; conditions: { path: string } }[]; health: Record<string, { successCodes: string }> };
    const vpcTransform = declared("Vpc", "WhipVpc").args.transform as { securityGroup: (args: { ingress?: unknown }) => void };
    const securityGroup = { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }] as unknown };
    vpcTransform.securityGroup(securityGroup);
    const ingress = await resolved(securityGroup.ingress as pulumi.Input<{ protocol: string; fromPort: number; toPort: number; cidrBlocks: string[] }[]>);

    expect(environment).toEqual({
      VISIONSTREAM_RESOURCE_PREFIX: "visionstream-test",
      VISIONSTREAM_TABLE: "Table.name",
      VISIONSTREAM_BROADCAST_SECRET_ARN: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:visionstream-test/broadcast-AbCdEf`,
      VISIONSTREAM_WHIP_PORT: "8082",
      VISIONSTREAM_WHIP_ICE_PORTS: "50000-50199",
      VISIONSTREAM_WHIP_FORWARDED_HOPS: "2",
      AWS_REGION: "eu-west-1",
    });
    expect(loadBalancer.rules).toEqual([{ listen: "80/http", forward: `${config.VISIONSTREAM_WHIP_PORT}/http`, conditions: { path: "/whip/*" }, priority: 100 }]);
    expect(loadBalancer.health[`${config.VISIONSTREAM_WHIP_PORT}/http`]).toMatchObject({ path: "/", successCodes: "200-499" });
    // The VPC's own traffic stays; the sessions' media comes from anywhere, on exactly the ports the gateway binds.
    expect(ingress).toEqual([
      { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] },
      expect.objectContaining({ protocol: "udp", fromPort: config.VISIONSTREAM_WHIP_ICE_PORTS[0], toPort: config.VISIONSTREAM_WHIP_ICE_PORTS[1], cidrBlocks: ["0.0.0.0/0"] }),
    ]);
  });

  it("lets only CloudFront reach the load balancer, and serves WHIP over HTTPS through it with nothing cached", async () => {
    const albTransform = declared("Alb", "WhipLoadBalancer").args.transform as { securityGroup: (args: { ingress?: unknown }) => void };
    const securityGroup: { ingress?: unknown } = { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] };
    albTransform.securityGroup(securityGroup);
    const albIngress = await resolved(securityGroup.ingress as pulumi.Input<{ prefixListIds: pulumi.Input<string>[] }[]>);
    const distribution = resource("WhipDistribution").inputs as {
      isIpv6Enabled: boolean;
      origins: { domainName: string; customOriginConfig: { originProtocolPolicy: string } }[];
      defaultCacheBehavior: { viewerProtocolPolicy: string; allowedMethods: string[]; cachePolicyId: string; originRequestPolicyId: string };
    };

    expect(declared("Alb", "WhipLoadBalancer").args.listeners).toEqual([{ port: 80, protocol: "http" }]);
    expect(albIngress).toHaveLength(1);
    expect(albIngress[0]).toMatchObject({ protocol: "tcp", fromPort: 80, toPort: 80 });
    expect(await resolved(albIngress[0]!.prefixListIds[0]!)).toBe(ORIGIN_FACING_LIST);
    expect(distribution.origins).toEqual([expect.objectContaining({ domainName: "WhipLoadBalancer.dnsName", customOriginConfig: expect.objectContaining({ originProtocolPolicy: "http-only" }) })]);
    expect(distribution.defaultCacheBehavior).toMatchObject({
      viewerProtocolPolicy: "https-only",
      cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
      originRequestPolicyId: "216adef6-5c7f-47e4-b989-5492eafa07d3",
    });
    expect(distribution.defaultCacheBehavior.allowedMethods).toEqual(expect.arrayContaining(["POST", "DELETE", "OPTIONS", "PATCH"]));
    expect(distribution.isIpv6Enabled).toBe(false);
    expect(await resolved(stack.whipUrl)).toBe("https://d1a2b3c4e5f6g7.cloudfront.net");
  });

  it("runs the task with a role of its own: the table's reads, the broadcast key and the stage's MediaLive input allow-lists, assumed by ECS tasks of this account only", async () => {
    const { args } = declared("Service", "WhipGateway");
    const role = resource("WhipGatewayTaskRole");
    const policy = resource("WhipGatewayTaskRolePolicy");
    const statements = JSON.parse(policy.inputs.policy as string).Statement as { Action: string[] }[];

    expect(await resolved(args.taskRole as pulumi.Input<string>)).toBe("WhipGatewayTaskRole-1a2b3c4");
    expect(args.permissions).toBeUndefined();
    expect(JSON.parse(await resolved(role.inputs.assumeRolePolicy as string)).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
    ]);
    expect(JSON.parse(policy.inputs.policy as string)).toEqual(
      whipGatewayTaskPolicy("Table.arn", `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:visionstream-test/broadcast-AbCdEf`, "visionstream-test"),
    );
    expect(statements.find((statement) => statement.Action.includes("medialive:UpdateInputSecurityGroup"))).toEqual({
      Effect: "Allow",
      Action: ["medialive:DescribeInputSecurityGroup", "medialive:UpdateInputSecurityGroup"],
      Resource: ["arn:aws:medialive:*:*:inputSecurityGroup:*"],
      Condition: { StringEquals: { "aws:ResourceTag/visionstream:prefix": "visionstream-test" } },
    });
  });

  it("draws the broadcast key once: a later deploy keeps it, since a new key would void every broadcast link", () => {
    const version = resource("BroadcastSecretValue");

    expect(resource("BroadcastSecret").inputs.namePrefix).toBe("visionstream-test/broadcast-");
    // A secret output reaches the mocks wrapped: { <signature>, value }.
    const secretString = version.inputs.secretString as string | { value: string };
    expect(typeof secretString === "string" ? secretString : secretString.value).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(ignoring.get("BroadcastSecretValue")).toEqual(["secretString"]);
  });
});
