import { describe, expect, it } from "vitest";
import { matchesPattern } from "../match.ts";
import { stageRules } from "../patterns.ts";
import { CloudFormationStackStatusChange, stackNameOf, switcherStackDeployedPattern } from "./cloudformation.ts";
import { cloudFormationStackStatusChangeSample } from "./samples/cloudformation.ts";
import { sampleEvent } from "./samples/documented.ts";

const switcherStack = (stackName: string, status = "CREATE_COMPLETE") => {
  const event = sampleEvent(cloudFormationStackStatusChangeSample);
  const stackId = `arn:aws:cloudformation:ap-southeast-2:111122223333:stack/${stackName}/5c1c0ab0-12fc-11ed-acb4-0e99ce9abea2`;
  return { ...event, region: "ap-southeast-2", resources: [stackId], detail: { ...event.detail, "stack-id": stackId, "status-details": { status, "status-reason": "" } } };
};

describe("CloudFormationStackStatusChange", () => {
  it("parses the documented sample, and names the stack of a stack id with or without its unique suffix", () => {
    const event = CloudFormationStackStatusChange.parse(sampleEvent(cloudFormationStackStatusChangeSample));

    expect(event.detail["status-details"].status).toBe("CREATE_COMPLETE");
    expect(stackNameOf(event.detail["stack-id"])).toBe("teststack");
    expect(stackNameOf("arn:aws:cloudformation:eu-west-1:111122223333:stack/vs-prod-sw-0123456789abcdef-eu-west-1/5c1c0ab0")).toBe(
      "vs-prod-sw-0123456789abcdef-eu-west-1",
    );
    expect(stackNameOf("arn:aws:s3:::bucket")).toBeUndefined();
  });

  it("rejects another detail-type and a missing stack id", () => {
    const resource = { ...sampleEvent(cloudFormationStackStatusChangeSample), "detail-type": "CloudFormation Resource Status Change" };
    const noStack = sampleEvent(cloudFormationStackStatusChangeSample);
    delete noStack.detail["stack-id"];

    for (const event of [resource, noStack]) expect(CloudFormationStackStatusChange.safeParse(event).success).toBe(false);
  });
});

describe("the switcher stack rule", () => {
  it("matches a switcher stack of its stage once created, updated or rolled back to its last state, in any region", () => {
    const rule = stageRules("visionstream-prod").switcherStackDeployed;

    for (const status of ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"])
      expect(matchesPattern(rule, switcherStack("visionstream-prod-sw-0123456789abcdef-ap-southeast-2", status))).toBe(true);
  });

  it("ignores stacks in progress or failed, other stages' switcher stacks and other stacks", () => {
    const rule = stageRules("visionstream-prod").switcherStackDeployed;

    for (const status of ["CREATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "CREATE_FAILED", "DELETE_COMPLETE"])
      expect(matchesPattern(rule, switcherStack("visionstream-prod-sw-0123456789abcdef-eu-west-1", status))).toBe(false);
    expect(matchesPattern(rule, switcherStack("visionstream-dev-sw-0123456789abcdef-eu-west-1"))).toBe(false);
    expect(matchesPattern(rule, switcherStack("visionstream-prod-Bus"))).toBe(false);
    expect(matchesPattern(switcherStackDeployedPattern(), sampleEvent(cloudFormationStackStatusChangeSample))).toBe(false);
  });
});
