import { describe, expect, it } from "vitest";
import { actionGranted, checkGrants, ungrantedOperations } from "./grant-checks.ts";

describe("checkGrants", () => {
  it("finds the seed's refused grant: MediaPackage v1 channel creation on ARNs (wildcard-only actions)", async () => {
    const problems = await checkGrants([
      {
        principal: "api",
        statements: [{ actions: ["mediapackage:CreateChannel", "mediapackage:DescribeChannel"], resources: ["arn:aws:mediapackage:*:*:channels/*"] }],
      },
    ]);

    expect(problems).toEqual([
      {
        principal: "api",
        check: "wildcard-only action on an ARN",
        message: 'mediapackage:CreateChannel takes no resource type, so only "*", not arn:aws:mediapackage:*:*:channels/*',
      },
    ]);
  });

  it("accepts an action with required resource types once every one of them is granted, across statements", async () => {
    const group = "arn:aws:mediapackagev2:*:*:channelGroup/visionstream-test";
    const statements = [
      { actions: ["mediapackagev2:CreateChannel"], resources: [`${group}/channel/visionstream-test-*`] },
      { actions: ["mediapackagev2:CreateChannel"], resources: [group] },
    ];

    expect(await checkGrants([{ principal: "f", statements }])).toEqual([]);
    expect(await checkGrants([{ principal: "f", statements: statements.slice(0, 1) }])).toHaveLength(1);
  });
});

describe("ungrantedOperations", () => {
  const sent = (sdkPackage: string, operation: string) => ({ sdkPackage, operation, tagged: false, at: "x.ts:1" });

  it("matches actions as IAM does: case-insensitive, with wildcards", () => {
    expect(actionGranted(["s3:Get*"], "s3:GetObject")).toBe(true);
    expect(actionGranted(["S3:getobject"], "s3:GetObject")).toBe(true);
    expect(actionGranted(["s3:GetObject"], "s3:GetObjectAcl")).toBe(false);
  });

  it("reports each action an operation needs and the grant lacks, and a mapping it does not know", () => {
    const grant = { principal: "f", statements: [{ actions: ["s3:GetObject"], resources: ["*"] }] };

    expect(ungrantedOperations(grant, [sent("@aws-sdk/client-s3", "HeadObject"), sent("@aws-sdk/client-s3", "ListObjectsV2"), sent("@aws-sdk/client-kinesis", "PutRecord")], {}).map((p) => p.message)).toEqual([
      "x.ts:1 sends ListObjectsV2 (@aws-sdk/client-s3), which needs s3:ListBucket",
      "x.ts:1: @aws-sdk/client-kinesis PutRecord: no IAM service prefix for this SDK package",
    ]);
  });
});
