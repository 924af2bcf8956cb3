import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { Rules } from "../events/src/patterns.ts";
import {
  ALL_ACTIONS,
  LIVE_ENGINE_LIST_ACTIONS,
  accountBucketArn,
  deprovisionPermissions,
  liveEnginePermissions,
  provisionPermissions,
  recordingStorePermissions,
  vodAssemblyPermissions,
} from "./permissions.ts";
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
  Object.assign(globalThis, { aws: await import("@pulumi/aws"), $interpolate: pulumi.interpolate });
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
});

describe("permissions", () => {
  it("name every IAM action exactly, without wildcards", () => {
    for (const action of ALL_ACTIONS) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
  });

  it("scope provisioning to the stage's buckets and secrets, and only CloudFront to *", () => {
    const statements = provisionPermissions("visionstream-test");

    expect(statements).toContainEqual(expect.objectContaining({ resources: [accountBucketArn("visionstream-test")] }));
    expect(accountBucketArn("visionstream-test")).toBe("arn:aws:s3:::visionstream-test-*");
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

  it("let deprovisioning do no more than provisioning", () => {
    const granted = provisionPermissions("p").flatMap((s) => s.actions);
    for (const action of deprovisionPermissions("p").flatMap((s) => s.actions)) {
      expect(granted).toContain(action);
    }
  });

  it("let the live engine drive MediaLive and MediaPackage, list with *, and pass only the MediaLive role", async () => {
    const roleArn = "arn:aws:iam::111122223333:role/medialive";
    const statements = liveEnginePermissions(roleArn);
    const resolvedStatements = await Promise.all(
      statements.map(async (s) => ({ ...s, resources: await resolved(pulumi.output(s.resources)) })),
    );

    for (const { actions, resources } of resolvedStatements) {
      if (resources.includes("*")) expect(actions).toEqual([...LIVE_ENGINE_LIST_ACTIONS]);
      for (const action of actions) expect(action).toMatch(/^(medialive|mediapackage|iam):/);
    }
    expect(resolvedStatements).toContainEqual({
      actions: ["iam:PassRole"],
      resources: [roleArn],
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["medialive.amazonaws.com"] }],
    });
    const granted = statements.flatMap((s) => s.actions);
    for (const verb of ["Create", "Describe", "Update", "Start", "Stop", "Delete"]) {
      expect(granted).toContain(`medialive:${verb}Channel`);
    }
    for (const action of [
      "medialive:CreateInput",
      "medialive:DeleteInput",
      "medialive:CreateInputSecurityGroup",
      "medialive:DeleteInputSecurityGroup",
      "mediapackage:CreateChannel",
      "mediapackage:DeleteChannel",
      "mediapackage:CreateOriginEndpoint",
      "mediapackage:DeleteOriginEndpoint",
    ]) {
      expect(granted).toContain(action);
    }
  });

  it("let VOD assembly start and read MediaConvert jobs, and pass only the MediaConvert role to MediaConvert", async () => {
    const roleArn = "arn:aws:iam::111122223333:role/mediaconvert";
    const statements = await Promise.all(
      vodAssemblyPermissions(roleArn).map(async (s) => ({ ...s, resources: await resolved(pulumi.output(s.resources)) })),
    );

    expect(statements).toEqual([
      {
        actions: ["mediaconvert:CreateJob", "mediaconvert:GetJob", "mediaconvert:TagResource"],
        resources: ["arn:aws:mediaconvert:*:*:jobs/*", "arn:aws:mediaconvert:*:*:queues/*"],
      },
      {
        actions: ["iam:PassRole"],
        resources: [roleArn],
        conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["mediaconvert.amazonaws.com"] }],
      },
    ]);
  });

  it("let the recordings API read and delete only recordings/ and vod/ of the stage's buckets", () => {
    expect(recordingStorePermissions("visionstream-test")).toEqual([
      { actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::visionstream-test-*"] },
      {
        actions: ["s3:GetObject", "s3:DeleteObject"],
        resources: ["arn:aws:s3:::visionstream-test-*/recordings/*", "arn:aws:s3:::visionstream-test-*/vod/*"],
      },
    ]);
  });

  it("give every function the tables, their indexes and the bus", async () => {
    const { basePermissions } = await import("./permissions.ts");
    const statements = basePermissions({ table: "arn:table", idempotencyTable: "arn:idem", bus: "arn:bus" });

    const resources = await Promise.all(
      statements.map((s) => resolved(pulumi.output(s.resources))),
    );

    expect(resources).toEqual([["arn:table", "arn:table/index/*"], ["arn:idem"], ["arn:bus"]]);
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
  it("is trusted by MediaLive and may write the stage's account buckets and read MediaPackage channels", async () => {
    const { mediaLiveRole } = await import("./medialive.ts");

    const { role, policy } = mediaLiveRole("MediaLiveRole", "visionstream-test");

    const trust = JSON.parse(await resolved(role.assumeRolePolicy));
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "medialive.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(JSON.parse(await resolved(policy.policy)).Statement).toEqual([
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::visionstream-test-*"] },
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
        Resource: ["arn:aws:s3:::visionstream-test-*/*"],
      },
      { Effect: "Allow", Action: ["mediapackage:DescribeChannel"], Resource: ["arn:aws:mediapackage:*:*:channels/*"] },
    ]);
    expect(await resolved(policy.role)).toBe("MediaLiveRole-id");
    expect(registered).toContainEqual(expect.objectContaining({ type: "aws:iam/role:Role", name: "MediaLiveRole" }));
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
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::visionstream-test-*/recordings/*"] },
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::visionstream-test-*/vod/*"] },
    ]);
    expect(await resolved(policy.role)).toBe("MediaConvertRole-id");
    expect(registered).toContainEqual(expect.objectContaining({ type: "aws:iam/role:Role", name: "MediaConvertRole" }));
  });
});
