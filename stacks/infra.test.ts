import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { Rules, stageRules } from "../events/src/patterns.ts";
import { API_FUNCTIONS } from "../packages/functions/src/api-routes.ts";
import { apiFunctionComponent } from "./api-functions.ts";
import {
  ALL_ACTIONS,
  LIVE_ENGINE_LIST_ACTIONS,
  accountBucketArn,
  deprovisionPermissions,
  liveEnginePermissions,
  provisionPermissions,
  recordingStorePermissions,
  switchSchedulePermissions,
  switcherEnginePermissions,
  vodAssemblyPermissions,
} from "./permissions.ts";
import { FunctionAdapters, functionPermissions } from "./function-permissions.ts";
import { LAMBDA_BUNDLE } from "./lambda-bundle.ts";
import { RuleHandlers, defaultBusArn, ruleBus, ruleNames, subscriberPattern } from "./rules.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
const registered: Registered[] = [];

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        registered.push({ type, name, inputs });
        return { id: `${name}-id`, state: { ...inputs, arn: `arn:aws:mock:::${name}` } };
      },
      call: ({ inputs }) => inputs,
    },
    "visionstream",
    "test",
    false,
  );
  // The stacks use SST's globals; in SST they are injected, here they are the same Pulumi modules.
  Object.assign(globalThis, { aws: await import("@pulumi/aws"), $interpolate: pulumi.interpolate, $jsonStringify: pulumi.jsonStringify });
});

describe("sst.config.ts and stacks/", () => {
  it("type-check against the SST platform", () => {
    const result = spawnSync(process.execPath, ["scripts/typecheck-infra.mjs"], {
      cwd: root,
      encoding: "utf8",
      timeout: 180_000,
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 200_000);

  it("name each top-level component once, whatever the case: SST refuses a second of one name", async () => {
    const sources = ["sst.config.ts", ...readdirSync(join(root, "stacks")).filter((file) => /^[\w-]+\.ts$/.test(file) && !/([.]test|-testing)[.]ts$/.test(file)).map((file) => `stacks/${file}`)];
    const declared = sources.flatMap((file) => [...readFileSync(join(root, file), "utf8").matchAll(/new sst\.(?:aws\.)?\w+\(\s*"(\w+)"/g)].map((match) => match[1]!));
    const names = [...declared, ...API_FUNCTIONS.map(apiFunctionComponent)].map((name) => name.toLowerCase());

    expect(declared).toContain("Api");
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });
});

/** Messages through SST's own bridge for `nodejs.plugins` (made by the type-check above), as its Go side sends them. */
async function throughSstBridge(messages: { command: "resolve" | "load"; value: Record<string, unknown> }[]) {
  const bridge = spawn(process.execPath, [".sst/platform/functions/nodejs-runtime/plugin.mjs", join(root, LAMBDA_BUNDLE.plugins)], { cwd: root });
  try {
    const lines = createInterface({ input: bridge.stdout })[Symbol.asyncIterator]();
    const replies: Record<string, unknown>[] = [];
    for (const [id, message] of messages.entries()) {
      bridge.stdin.write(`${JSON.stringify({ id, ...message })}\n`);
      const line = await lines.next();
      replies.push((JSON.parse(String(line.value)) as { value: Record<string, unknown> }).value);
    }
    return replies;
  } finally {
    bridge.kill();
  }
}

describe("the Lambda bundles' esbuild plugins", () => {
  const zodExternal = join(root, "node_modules", "zod", "v4", "classic", "external.js");

  it("leave zod's locales out under SST's bridge, and leave every other import and file to esbuild", async () => {
    const [locales, ownImport, otherLocales, load] = await throughSstBridge([
      { command: "resolve", value: { path: "../locales/index.js", importer: zodExternal, namespace: "file", kind: "import-statement" } },
      { command: "resolve", value: { path: "./handlers/channels.ts", importer: join(root, "packages/functions/src/channel-alert.ts"), namespace: "file" } },
      { command: "resolve", value: { path: "../locales/index.js", importer: join(root, "packages/web/src/i18n.ts"), namespace: "file" } },
      { command: "load", value: { path: join(root, "packages/functions/src/key-server.ts"), namespace: "file" } },
    ]);
    const [chain, nestedChain] = await throughSstBridge([
      { command: "resolve", value: { path: "@aws-sdk/credential-provider-node", importer: join(root, "node_modules/@aws-sdk/client-dynamodb/dist-es/runtimeConfig.js"), namespace: "file" } },
      { command: "resolve", value: { path: "@aws-sdk/credential-provider-node", importer: join(root, "node_modules/@aws-sdk/client-mediaconnect/dist-es/runtimeConfig.js"), namespace: "file" } },
    ]);

    expect(chain).toEqual({ path: join(root, "stacks", "lambda-credentials.mjs") });
    expect(nestedChain).toEqual({ path: join(root, "stacks", "lambda-credentials.mjs") });
    expect(locales).toEqual({ path: join(root, "stacks", "empty-module.mjs") });
    expect(ownImport).toEqual({});
    expect(otherLocales).toEqual({});
    expect(load).toEqual({});
  }, 30_000);

  it("make a bundle of zod without its locales that still validates, in English", async () => {
    const dir = mkdtempSync(join(tmpdir(), "visionstream-plugins-"));
    try {
      writeFileSync(join(dir, "entry.mjs"), `import { z } from "zod";\nexport const check = (value) => z.object({ name: z.string().min(1) }).safeParse(value);\n`);
      const plugins = ((await import(join(root, LAMBDA_BUNDLE.plugins))) as { default: Parameters<typeof build>[0]["plugins"] }).default;
      const result = await build({ entryPoints: [join(dir, "entry.mjs")], bundle: true, minify: true, platform: "node", format: "esm", outfile: join(dir, "out.mjs"), nodePaths: [join(root, "node_modules")], plugins, metafile: true, logLevel: "error" });
      const output = Object.values(result.metafile.outputs)[0]!;
      const { check } = (await import(join(dir, "out.mjs"))) as { check: (value: unknown) => { success: boolean; error?: { issues: { message: string }[] } } };

      expect(Object.keys(output.inputs).filter((input) => input.includes("/locales/") && !input.endsWith("/en.js"))).toEqual([]);
      expect(output.bytes).toBeLessThan(250_000);
      expect(check({ name: "ok" }).success).toBe(true);
      expect(check({ name: "" }).error?.issues[0]?.message).toMatch(/^Too small/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("the Lambda bundles' credentials", () => {
  it("come from the environment alone, for the newer clients and the older ones' own copies of the SDK: no other link of the chain is bundled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "visionstream-credentials-"));
    try {
      writeFileSync(
        join(dir, "entry.mjs"),
        `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nimport { MediaConnectClient } from "@aws-sdk/client-mediaconnect";\n` +
          `export const credentials = () => Promise.all([new DynamoDBClient({ region: "eu-west-1" }), new MediaConnectClient({ region: "eu-west-1" })].map((client) => client.config.credentials()));\n`,
      );
      const plugins = ((await import(join(root, LAMBDA_BUNDLE.plugins))) as { default: Parameters<typeof build>[0]["plugins"] }).default;
      const result = await build({ entryPoints: [join(dir, "entry.mjs")], bundle: true, minify: true, platform: "node", format: "esm", outfile: join(dir, "out.mjs"), nodePaths: [join(root, "node_modules")], plugins, metafile: true, logLevel: "error",
        // As SST's ESM bundles: the SDK's CommonJS code requires node's modules.
        banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" } });
      const inputs = Object.keys(Object.values(result.metafile.outputs)[0]!.inputs);
      const check = spawnSync(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(join(dir, "out.mjs"))}).then(({ credentials }) => credentials()).then((found) => console.log(JSON.stringify(found.map(({ accessKeyId, secretAccessKey, sessionToken }) => ({ accessKeyId, secretAccessKey, sessionToken })))), (error) => console.log(JSON.stringify({ error: error.message })))`], {
        env: { PATH: process.env.PATH, HOME: dir, AWS_ACCESS_KEY_ID: "ASIAEXAMPLEROLE00000", AWS_SECRET_ACCESS_KEY: "role-secret", AWS_SESSION_TOKEN: "role-session" },
        encoding: "utf8",
      });
      const without = spawnSync(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(join(dir, "out.mjs"))}).then(({ credentials }) => credentials()).then(() => console.log("{}"), (error) => console.log(JSON.stringify({ error: error.message })))`], {
        env: { PATH: process.env.PATH, HOME: dir },
        encoding: "utf8",
      });

      expect(inputs.filter((input) => /credential-provider-(node|ini|sso|process|web-identity|http|login)|client-sts|client-sso|nested-clients/.test(input))).toEqual([]);
      const role = { accessKeyId: "ASIAEXAMPLEROLE00000", secretAccessKey: "role-secret", sessionToken: "role-session" };
      expect(JSON.parse(check.stdout.trim()), check.stderr).toEqual([role, role]);
      expect(JSON.parse(without.stdout.trim()).error).toMatch(/environment variable/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("permissions", () => {
  it("name every IAM action exactly, without wildcards", () => {
    for (const action of ALL_ACTIONS) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
  });

  it("scope provisioning to the stage's account buckets and secrets, and only CloudFront to *", () => {
    const statements = provisionPermissions("visionstream-test");

    expect(statements).toContainEqual(expect.objectContaining({ resources: [accountBucketArn("visionstream-test")] }));
    expect(accountBucketArn("visionstream-test")).toBe("arn:aws:s3:::visionstream-test-acc-*");
    expect(statements).toContainEqual(
      expect.objectContaining({
        resources: ["arn:aws:secretsmanager:*:*:secret:visionstream-test/accounts/*"],
      }),
    );
    for (const { actions, resources } of statements) {
      if (JSON.stringify(resources).includes('"*"')) {
        for (const action of actions) expect(action).toMatch(/^cloudfront:/);
      }
    }
  });

  it("let deprovisioning delete the distribution, key group, public key and secret, and create nothing", () => {
    const granted = deprovisionPermissions("p").flatMap((s) => s.actions);

    for (const action of ["cloudfront:DeleteDistribution", "cloudfront:DeleteKeyGroup", "cloudfront:DeletePublicKey", "secretsmanager:DeleteSecret"]) {
      expect(granted).toContain(action);
    }
    for (const action of granted) expect(action).not.toMatch(/:(Create|Put|Restore)/);
    expect(granted.filter((action) => action.startsWith("s3:"))).toEqual([]);
  });

  it("let the live engine drive MediaLive and the stage's MediaPackage v2 channel group, keep SRT channels' passphrases, list with *, and pass only the MediaLive role", async () => {
    const roleArn = "arn:aws:iam::111122223333:role/medialive";
    const statements = await Promise.all(
      liveEnginePermissions("visionstream-test", roleArn).map(async (s) => ({ ...s, resources: await resolved(pulumi.output(s.resources)) })),
    );
    const group = "arn:aws:mediapackagev2:*:*:channelGroup/visionstream-test";

    for (const { actions, resources } of statements) {
      if (resources.includes("*")) expect(actions).toEqual([...LIVE_ENGINE_LIST_ACTIONS]);
      for (const action of actions) expect(action).toMatch(/^(medialive|mediapackagev2|iam|secretsmanager):/);
    }
    // Channels' passphrases only, never the accounts' signing keys beside them.
    expect(statements.filter((s) => s.actions.some((action) => action.startsWith("secretsmanager:")))).toEqual([
      {
        actions: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret"],
        resources: ["arn:aws:secretsmanager:*:*:secret:visionstream-test/accounts/*/channels/*"],
      },
    ]);
    expect(statements).toContainEqual({
      actions: ["iam:PassRole"],
      resources: [roleArn],
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["medialive.amazonaws.com"] }],
    });
    const grantedOn = (action: string) => statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
    for (const verb of ["Create", "Describe", "Update", "Start", "Stop", "Delete"]) {
      expect(grantedOn(`medialive:${verb}Channel`)).toContain("arn:aws:medialive:*:*:channel:*");
    }
    // MediaPackage v2 names the channel group and the channel in every request: both are required resource types.
    expect(grantedOn("mediapackagev2:CreateChannel")).toEqual([group, `${group}/channel/visionstream-test-*`]);
    expect(grantedOn("mediapackagev2:PutOriginEndpointPolicy")).toEqual([
      group,
      `${group}/channel/visionstream-test-*`,
      `${group}/channel/visionstream-test-*/originEndpoint/*`,
    ]);
    expect(statements.flatMap((s) => s.actions)).not.toContain("mediapackage:CreateChannel");
  });

  it("let VOD assembly create jobs on the queues, tag and read jobs, and pass only the MediaConvert role to MediaConvert", async () => {
    const roleArn = "arn:aws:iam::111122223333:role/mediaconvert";
    const statements = await Promise.all(
      vodAssemblyPermissions(roleArn).map(async (s) => ({ ...s, resources: await resolved(pulumi.output(s.resources)) })),
    );

    expect(statements).toEqual([
      { actions: ["mediaconvert:CreateJob"], resources: ["arn:aws:mediaconvert:*:*:queues/*"] },
      { actions: ["mediaconvert:GetJob", "mediaconvert:TagResource"], resources: ["arn:aws:mediaconvert:*:*:jobs/*"] },
      {
        actions: ["iam:PassRole"],
        resources: [roleArn],
        conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["mediaconvert.amazonaws.com"] }],
      },
    ]);
  });

  it("let the recordings API read and delete only recordings/ and vod/ of the stage's account buckets", () => {
    expect(recordingStorePermissions("visionstream-test")).toEqual([
      { actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::visionstream-test-acc-*"] },
      {
        actions: ["s3:GetObject", "s3:DeleteObject"],
        resources: ["arn:aws:s3:::visionstream-test-acc-*/recordings/*", "arn:aws:s3:::visionstream-test-acc-*/vod/*"],
      },
    ]);
  });

  it("give every function the tables, Query on their indexes, and the bus", async () => {
    const { basePermissions } = await import("./permissions.ts");
    const statements = basePermissions({ table: "arn:table", idempotencyTable: "arn:idem", bus: "arn:bus" });

    const resources = await Promise.all(statements.map((s) => resolved(pulumi.output(s.resources))));

    expect(resources).toEqual([["arn:table"], ["arn:table/index/*"], ["arn:idem"], ["arn:bus"]]);
    expect(statements[1]!.actions).toEqual(["dynamodb:Query"]);
  });

  it("build each function's grants from the adapters it drives", () => {
    const stage = { prefix: "p", mediaLiveRoleArn: "ml", mediaConvertRoleArn: "mc", schedulerRoleArn: "sc" };

    expect(functionPermissions("resumePendingWork", stage)).toEqual([]);
    expect(functionPermissions("channelStep", stage)).toEqual(liveEnginePermissions("p", "ml"));
    expect(functionPermissions("releaseAccountChannels", stage)).toEqual(liveEnginePermissions("p", "ml"));
    expect(functionPermissions("releaseAccountSwitchers", stage)).toEqual([...switcherEnginePermissions(), ...switchSchedulePermissions("p", "sc")]);
    expect(functionPermissions("deprovisionAccount", stage)).toEqual(deprovisionPermissions("p"));
    expect(FunctionAdapters.switcherApply).toEqual(["switcherEngine", "switcherFiles"]);
    expect(functionPermissions("stopIdleChannels", stage)).toEqual([]);
  });
});

describe("rules", () => {
  it("subscribe every rule of events/ to its handler with the same pattern", () => {
    for (const rule of ruleNames) {
      const pattern = subscriberPattern(Rules[rule]);

      expect(RuleHandlers[rule]).toMatch(/^packages\/functions\/src\/.+\.handler$/);
      expect(pattern.source).toEqual(Rules[rule].source);
      expect(pattern.detailType).toEqual(Rules[rule]["detail-type"]);
    }
  });

  it("refuse what Bus.subscribe cannot express", () => {
    expect(() => subscriberPattern({ source: ["visionstream"], account: ["123"] })).toThrow(/account/);
  });

  it("listen to AWS service events on the default bus and to ours on the VisionStream bus", () => {
    expect(ruleBus(Rules.channelStateChanged)).toBe("default");
    expect(ruleBus(Rules.channelAlert)).toBe("default");
    expect(ruleBus(Rules.provisionAccount)).toBe("visionstream");
    expect(() => ruleBus({ source: ["aws.medialive", "visionstream"] })).toThrow(/both buses/);
    expect(subscriberPattern(Rules.channelStateChanged)).toEqual({
      source: ["aws.medialive"],
      detailType: ["MediaLive Channel State Change"],
    });
    expect(defaultBusArn("eu-west-1", "111122223333")).toBe("arn:aws:events:eu-west-1:111122223333:event-bus/default");
  });

  it("hand MediaLive's events to the channel handlers", () => {
    expect(RuleHandlers.channelStateChanged).toBe("packages/functions/src/channel-state-changed.handler");
    expect(RuleHandlers.channelAlert).toBe("packages/functions/src/channel-alert.handler");
  });

  it("hand recording events to the recording handlers, on the default bus", () => {
    expect(RuleHandlers.recordingSegmentCreated).toBe("packages/functions/src/recording-segment-created.handler");
    expect(RuleHandlers.recordingSessionEnded).toBe("packages/functions/src/recording-session-ended.handler");
    expect(RuleHandlers.recordingJobChanged).toBe("packages/functions/src/recording-job-changed.handler");
    for (const rule of ["recordingSegmentCreated", "recordingSessionEnded", "recordingJobChanged"] as const) {
      expect(ruleBus(Rules[rule])).toBe("default");
    }
  });

  it("hand the engine's measured recording gaps to their handler, on the VisionStream bus", () => {
    expect(RuleHandlers.recordingGapDetected).toBe("packages/functions/src/recording-gap-detected.handler");
    expect(ruleBus(Rules.recordingGapDetected)).toBe("visionstream");
  });

  it("hand channel steps and switcher applies to their handlers, on the VisionStream bus, and every handler file exists", () => {
    expect(RuleHandlers.channelStep).toBe("packages/functions/src/channel-step.handler");
    expect(RuleHandlers.switcherApply).toBe("packages/functions/src/switcher-apply.handler");
    expect(ruleBus(Rules.channelStep)).toBe("visionstream");
    expect(ruleBus(Rules.switcherApply)).toBe("visionstream");
    for (const handler of Object.values(RuleHandlers)) expect(existsSync(`${root}${handler.replace(/\.handler$/, ".ts")}`), handler).toBe(true);
  });

  it("subscribe the segment rule to the stage's account buckets and .ts keys only", () => {
    expect(subscriberPattern(stageRules("visionstream-test").recordingSegmentCreated)).toEqual({
      source: ["aws.s3"],
      detailType: ["Object Created"],
      detail: { bucket: { name: [{ prefix: "visionstream-test-acc-" }] }, object: { key: [{ wildcard: "recordings/*.ts" }] } },
    });
  });

  it("keep detail filters", () => {
    const pattern = subscriberPattern({ source: ["visionstream"], detail: { state: ["STOPPED"] } });

    expect(pattern).toEqual({ source: ["visionstream"], detail: { state: ["STOPPED"] } });
  });
});

describe("replay archive", () => {
  it("archives every event of the bus for 30 days", async () => {
    const { replayArchive } = await import("./replay.ts");

    const archive = replayArchive("BusArchive", "arn:aws:events:eu-west-1:123456789012:event-bus/visionstream");

    expect(await resolved(archive.eventSourceArn)).toBe("arn:aws:events:eu-west-1:123456789012:event-bus/visionstream");
    expect(await resolved(archive.retentionDays)).toBe(30);
    expect(await resolved(archive.eventPattern)).toBeUndefined();
    expect(registered).toContainEqual(
      expect.objectContaining({ type: "aws:cloudwatch/eventArchive:EventArchive", name: "BusArchive" }),
    );
  });
});

describe("MediaLive role", () => {
  it("is trusted by MediaLive, may write the stage's account buckets, push to its MediaPackage v2 channels and read SRT channels' passphrases", async () => {
    const { mediaLiveRole } = await import("./medialive.ts");

    const { role, policy } = mediaLiveRole("MediaLiveRole", "visionstream-test");

    const trust = JSON.parse(await resolved(role.assumeRolePolicy));
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "medialive.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const group = "arn:aws:mediapackagev2:*:*:channelGroup/visionstream-test";
    expect(JSON.parse(await resolved(policy.policy)).Statement).toEqual([
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::visionstream-test-acc-*"] },
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
        Resource: ["arn:aws:s3:::visionstream-test-acc-*/*"],
      },
      { Effect: "Allow", Action: ["mediapackagev2:PutObject", "mediapackagev2:GetChannel"], Resource: [`${group}/channel/visionstream-test-*`] },
      { Effect: "Allow", Action: ["mediapackagev2:GetChannel"], Resource: [group] },
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: ["arn:aws:secretsmanager:*:*:secret:visionstream-test/accounts/*/channels/*"] },
    ]);
    expect(await resolved(policy.role)).toBe("MediaLiveRole-id");
    expect(registered).toContainEqual(expect.objectContaining({ type: "aws:iam/role:Role", name: "MediaLiveRole" }));
  });
});

describe("stage-wide live delivery", () => {
  it("is one MediaPackage v2 channel group named after the prefix and one origin access control per origin type", async () => {
    const { liveDelivery } = await import("./delivery.ts");

    const delivery = liveDelivery("Live", "visionstream-test");

    expect(await resolved(delivery.channelGroup.name)).toBe("visionstream-test");
    expect(registered).toContainEqual(expect.objectContaining({ type: "aws:mediapackagev2/channelGroup:ChannelGroup", name: "LiveChannelGroup" }));
    const oacs = registered.filter((resource) => resource.type === "aws:cloudfront/originAccessControl:OriginAccessControl");
    expect(oacs.map(({ inputs }) => [inputs.name, inputs.originAccessControlOriginType, inputs.signingBehavior, inputs.signingProtocol])).toEqual([
      ["visionstream-test-s3", "s3", "always", "sigv4"],
      ["visionstream-test-mediapackagev2", "mediapackagev2", "always", "sigv4"],
    ]);
  });
});

describe("service role for one account", () => {
  it("is trusted by the service only when it acts for that account (the SPEKE role: confused deputy)", async () => {
    const { serviceRole } = await import("./service-role.ts");

    const { role } = serviceRole("SpekeTestRole", {
      principal: "mediapackagev2.amazonaws.com",
      description: "test",
      policy: "{}",
      sourceAccount: pulumi.output("111122223333"),
    });

    expect(JSON.parse(await resolved(role.assumeRolePolicy)).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "mediapackagev2.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
      },
    ]);
  });
});

describe("MediaConvert role", () => {
  it("is trusted by MediaConvert, reads recordings/ and writes vod/ of the stage's account buckets", async () => {
    const { mediaConvertRole } = await import("./mediaconvert.ts");

    const { role, policy } = mediaConvertRole("MediaConvertRole", "visionstream-test");

    const trust = JSON.parse(await resolved(role.assumeRolePolicy));
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "mediaconvert.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(JSON.parse(await resolved(policy.policy)).Statement).toEqual([
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::visionstream-test-acc-*/recordings/*"] },
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::visionstream-test-acc-*/vod/*"] },
    ]);
    expect(await resolved(policy.role)).toBe("MediaConvertRole-id");
    expect(registered).toContainEqual(expect.objectContaining({ type: "aws:iam/role:Role", name: "MediaConvertRole" }));
  });
});
