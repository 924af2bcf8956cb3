import { describe, expect, it } from "vitest";
import { matchesPattern, wildcardExpression } from "../match.ts";
import { sampleEvent } from "./samples/documented.ts";
import { cloudFormationStackStatusChangeSample } from "./samples/cloudformation.ts";
import { mediaConnectFlowHealthSample, mediaConnectFlowStatusChangeSample, mediaConnectSourceHealthSample } from "./samples/mediaconnect.ts";
import { switcherForwardingPatterns } from "./switcher-forwarding.ts";

const switcherId = "sw-0123456789abcdef";
const region = "ap-southeast-2";
const prefix = "visionstream-production";

/** A documented sample as it would come from `region`, its first resource (the flow) named `flow`. */
function mediaConnectEvent(sample: typeof mediaConnectSourceHealthSample, flow: string, from = region) {
  const event = sampleEvent(sample);
  const resources = (event.resources as string[]).map((arn) =>
    arn.replace(":us-east-1:", `:${from}:`).replace(/:ExampleFlow$/, `:${flow}`),
  );
  return { ...event, region: from, resources };
}

function stackEvent(stackName: string, from = region) {
  const event = sampleEvent(cloudFormationStackStatusChangeSample);
  const stackId = `arn:aws:cloudformation:${from}:111122223333:stack/${stackName}/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;
  return { ...event, region: from, resources: [stackId], detail: { ...event.detail, "stack-id": stackId } };
}

const forwarded = (event: unknown) => switcherForwardingPatterns(switcherId, region, prefix).some((pattern) => matchesPattern(pattern, event));

describe("switcherForwardingPatterns", () => {
  it("forward the source health and status of the switcher's ingest and bus flows in the region", () => {
    expect(forwarded(mediaConnectEvent(mediaConnectSourceHealthSample, `vs-${switcherId}-stage-c`))).toBe(true);
    expect(forwarded(mediaConnectEvent(mediaConnectFlowStatusChangeSample, `vs-${switcherId}-stage-c`))).toBe(true);
    expect(forwarded(mediaConnectEvent(mediaConnectFlowStatusChangeSample, `vs-${switcherId}-bus-live`))).toBe(true);
  });

  it("leave other switchers' flows, other flows, other regions and other MediaConnect events where they are", () => {
    expect(forwarded(mediaConnectEvent(mediaConnectSourceHealthSample, "vs-sw-fedcba9876543210-stage-c"))).toBe(false);
    expect(forwarded(mediaConnectEvent(mediaConnectSourceHealthSample, "ExampleFlow"))).toBe(false);
    expect(forwarded(mediaConnectEvent(mediaConnectSourceHealthSample, `vs-${switcherId}-stage-c`, "eu-west-1"))).toBe(false);
    expect(forwarded(mediaConnectEvent(mediaConnectFlowHealthSample, `vs-${switcherId}-stage-c`))).toBe(false);
  });

  it("forward the status of the switcher's stack in the region, with or without the stack's uuid", () => {
    const bare = sampleEvent(cloudFormationStackStatusChangeSample);
    const stack = `${prefix}-${switcherId}-${region}`;
    const withoutUuid = { ...bare, detail: { ...bare.detail, "stack-id": `arn:aws:cloudformation:${region}:111122223333:stack/${stack}` } };

    expect(forwarded(stackEvent(stack))).toBe(true);
    expect(forwarded(withoutUuid)).toBe(true);
    expect(forwarded(stackEvent(`visionstream-dev-${switcherId}-${region}`))).toBe(false);
    expect(forwarded(stackEvent(`${prefix}-sw-fedcba9876543210-${region}`))).toBe(false);
    expect(forwarded(stackEvent(stack, "eu-west-1"))).toBe(false);
  });

  it("use only wildcards EventBridge accepts", () => {
    const wildcards = JSON.stringify(switcherForwardingPatterns(switcherId, region, prefix)).match(/"wildcard":"[^"]*"/g) ?? [];

    expect(wildcards).toHaveLength(2);
    for (const wildcard of wildcards) expect(() => wildcardExpression(JSON.parse(`{${wildcard}}`).wildcard)).not.toThrow();
  });
});
