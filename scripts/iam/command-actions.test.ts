import { describe, expect, it } from "vitest";
import { UnmappedOperation, requiredActions } from "./command-actions.ts";

const operation = (sdkPackage: string, name: string, tagged = false) => requiredActions({ sdkPackage: `@aws-sdk/${sdkPackage}`, operation: name, tagged });

describe("requiredActions", () => {
  it("names the action after the operation, under the service's IAM prefix", () => {
    expect(operation("client-mediapackagev2", "PutOriginEndpointPolicy")).toEqual({ actions: ["mediapackagev2:PutOriginEndpointPolicy"] });
    expect(operation("client-secrets-manager", "RestoreSecret")).toEqual({ actions: ["secretsmanager:RestoreSecret"] });
    expect(operation("client-eventbridge", "PutEvents")).toEqual({ actions: ["events:PutEvents"] });
  });

  it("knows the operations AWS authorizes with actions of another name", () => {
    expect(operation("client-s3", "HeadObject").actions).toEqual(["s3:GetObject"]);
    expect(operation("client-s3", "ListObjectsV2").actions).toEqual(["s3:ListBucket"]);
    expect(operation("client-s3", "DeleteObjects").actions).toEqual(["s3:DeleteObject"]);
    expect(operation("client-s3", "PutBucketCors").actions).toEqual(["s3:PutBucketCORS"]);
    expect(operation("lib-dynamodb", "Update").actions).toEqual(["dynamodb:UpdateItem"]);
    expect(operation("lib-dynamodb", "TransactWrite").actions).toEqual(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]);
  });

  it("adds the tagging action to a creation that carries tags, and iam:PassRole to one that hands a role over", () => {
    expect(operation("client-mediaconvert", "CreateJob", true)).toEqual({
      actions: ["mediaconvert:CreateJob", "mediaconvert:TagResource", "iam:PassRole"],
      passesRoleTo: "mediaconvert.amazonaws.com",
    });
    expect(operation("client-medialive", "CreateChannel", false)).toEqual({ actions: ["medialive:CreateChannel", "iam:PassRole"], passesRoleTo: "medialive.amazonaws.com" });
    expect(operation("client-medialive", "StartChannel", true)).toEqual({ actions: ["medialive:StartChannel"] });
  });

  it("refuses what it cannot map", () => {
    expect(() => operation("client-kinesis", "PutRecord")).toThrow(UnmappedOperation);
    expect(() => operation("lib-dynamodb", "ExecuteStatement")).toThrow(UnmappedOperation);
  });
});
