import { describe, expect, it } from "vitest";
import { CLIENTS } from "./clients.ts";
import { javaPattern } from "./java-pattern.ts";
import { sdkModel } from "./sdk-model.ts";
import { loadServiceModel, type ServiceModel } from "./service-model.ts";
import { validateRequest } from "./validate-request.ts";
import { validateSdkRequest } from "./validate-sdk.ts";

const scheduler = () => loadServiceModel("scheduler");
const schedulerSdk = () => sdkModel("@aws-sdk/client-scheduler");

/** A one-time schedule as the switch scheduler creates it: valid in every respect. */
const schedule = () => ({
  Name: "sw-0123456789abcdef-take-1",
  GroupName: "visionstream-test-switchers",
  ScheduleExpression: "at(2030-01-01T10:00:00)",
  ScheduleExpressionTimezone: "UTC",
  FlexibleTimeWindow: { Mode: "OFF" } as Record<string, unknown>,
  Target: { Arn: "arn:aws:lambda:eu-west-1:111122223333:function:f", RoleArn: "arn:aws:iam::111122223333:role/scheduler", Input: "{}" } as Record<string, unknown>,
});

const problemsOf = (input: unknown, model: ServiceModel = scheduler(), operation = "CreateSchedule") => validateRequest(model, operation, input, schedulerSdk).problems;

describe("validateRequest against AWS's service model", () => {
  it("finds nothing wrong in a valid request, and fills no idempotency token itself (the SDK does)", () => {
    const validation = validateRequest(scheduler(), "CreateSchedule", schedule(), schedulerSdk);

    expect(validation).toEqual({ problems: [], notes: [] });
  });

  it("reports each planted fault at its path", () => {
    const input = schedule();
    input.Name = "switch at ten";
    input.ScheduleExpression = "";
    input.FlexibleTimeWindow = { Mode: "ON", MaximumWindowInMinutes: 1441 };
    delete input.Target.RoleArn;
    input.Target.Retries = 3;
    input.Target.RetryPolicy = { MaximumRetryAttempts: "2" };

    expect(problemsOf(input)).toEqual([
      { path: "Name", message: `"switch at ten" does not match Name's pattern ^[0-9a-zA-Z-_.]+$` },
      { path: "ScheduleExpression", message: "0 characters, below the minimum 1" },
      { path: "FlexibleTimeWindow.Mode", message: `"ON" is not one of FlexibleTimeWindowMode's values (OFF, FLEXIBLE)` },
      { path: "FlexibleTimeWindow.MaximumWindowInMinutes", message: "1441 is above the maximum 1440" },
      { path: "Target.RoleArn", message: "required member of Target missing" },
      { path: "Target.Retries", message: "not a member of Target (Scheduler 2021-06-30 nor in @aws-sdk/client-scheduler " + schedulerSdk().source.split(" ")[1] + ")" },
      { path: "Target.RetryPolicy.MaximumRetryAttempts", message: "expected an integer (MaximumRetryAttempts), got a string" },
    ]);
  });

  it("reports a missing required member at the top, a value below a number's minimum and a wrong type of list", () => {
    const input: Record<string, unknown> = { ...schedule(), FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 0 } };
    delete input.Name;
    (input.Target as Record<string, unknown>).EcsParameters = { TaskDefinitionArn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/t", PlacementConstraints: "none" };

    expect(problemsOf(input)).toEqual([
      { path: "Name", message: "required member of CreateScheduleInput missing" },
      { path: "FlexibleTimeWindow.MaximumWindowInMinutes", message: "0 is below the minimum 1" },
      { path: "Target.EcsParameters.PlacementConstraints", message: "expected a list (PlacementConstraints), got a string" },
    ]);
  });

  it("accepts a member and an enum value newer than the 2022 model when the installed SDK declares them, and checks them there", () => {
    const newer = { ...schedule(), ActionAfterCompletion: "DELETE" };
    const unknownValue = { ...schedule(), ActionAfterCompletion: "KEEP" };
    const mediaconvert = loadServiceModel("mediaconvert");
    const passthrough = { Role: "arn:aws:iam::111122223333:role/r", Settings: { OutputGroups: [{ Outputs: [{ VideoDescription: { CodecSettings: { Codec: "PASSTHROUGH" } } }] }] } };
    const mediaconvertSdk = () => sdkModel("@aws-sdk/client-mediaconvert");

    expect(validateRequest(scheduler(), "CreateSchedule", newer, schedulerSdk)).toEqual({
      problems: [],
      notes: [`member newer than the model, checked against ${schedulerSdk().source}: CreateScheduleInput.ActionAfterCompletion`],
    });
    expect(problemsOf(unknownValue)).toEqual([
      { path: "ActionAfterCompletion", message: `"KEEP" is not one of ActionAfterCompletion's values (DELETE, NONE) (${schedulerSdk().source})` },
    ]);
    expect(validateRequest(mediaconvert, "CreateJob", passthrough, mediaconvertSdk).notes).toEqual([
      `enum value newer than the model, listed by ${mediaconvertSdk().source}: VideoCodec PASSTHROUGH`,
    ]);
    expect(validateRequest(mediaconvert, "CreateJob", passthrough).problems).toEqual([
      { path: "Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.Codec", message: expect.stringMatching(/^"PASSTHROUGH" is not one of VideoCodec's values/) },
    ]);
  });

  it("checks a union, bytes, timestamps, map sizes and unknown operations", () => {
    const model: ServiceModel = {
      metadata: { serviceId: "Planted", apiVersion: "2024-01-01", protocol: "json", endpointPrefix: "planted" },
      operations: { Put: { name: "Put", input: { shape: "PutInput" } } },
      shapes: {
        PutInput: { type: "structure", members: { Choice: { shape: "Choice" }, Data: { shape: "Data" }, At: { shape: "At" }, Tags: { shape: "Tags" } } },
        Choice: { type: "structure", union: true, members: { A: { shape: "Text" }, B: { shape: "Text" } } },
        Text: { type: "string" },
        Data: { type: "blob", max: 2 },
        At: { type: "timestamp" },
        Tags: { type: "map", key: { shape: "Text" }, value: { shape: "Text" }, min: 1 },
      },
    };

    expect(validateRequest(model, "Put", { Choice: { A: "a", B: "b" }, Data: new Uint8Array(3), At: "2024-01-01", Tags: {} }).problems).toEqual([
      { path: "Choice", message: "Choice is a union: exactly one member, not 2" },
      { path: "Data", message: "3 bytes, above the maximum 2" },
      { path: "At", message: "expected a valid Date (At), got a string" },
      { path: "Tags", message: "0 entries, below the minimum 1" },
    ]);
    expect(validateRequest(model, "Get", {}).problems).toEqual([{ path: "(operation)", message: "Planted 2024-01-01 has no operation Get" }]);
  });
});

describe("MediaPackage v2 (newer than python3-botocore's models): checked against the installed SDK's declarations", () => {
  const sdk = () => sdkModel(CLIENTS.MediaPackageV2Client!.sdk);
  const endpoint = { ChannelGroupName: "visionstream-test", ChannelName: "visionstream-test-ch1", OriginEndpointName: "ts", ContainerType: "TS", HlsManifests: [{ ManifestName: "master" }] };

  it("accepts an origin endpoint as declared", () => {
    expect(validateSdkRequest(sdk(), "CreateOriginEndpoint", endpoint).problems).toEqual([]);
  });

  it("reports a missing required member, an unknown member, a bad enum value and a wrong type", () => {
    const { OriginEndpointName: _, ...input } = { ...endpoint, ContainerType: "MP4", Segmentation: {}, StartoverWindowSeconds: "60" };
    const source = sdk().source;

    expect(validateSdkRequest(sdk(), "CreateOriginEndpoint", input).problems).toEqual([
      { path: "OriginEndpointName", message: `required member of CreateOriginEndpointCommandInput missing (${source})` },
      { path: "ContainerType", message: `"MP4" is not one of ContainerType's values (CMAF, TS) (${source})` },
      { path: "Segmentation", message: `not a member of CreateOriginEndpointCommandInput (${source})` },
      { path: "StartoverWindowSeconds", message: `expected a number, got a string (${source})` },
    ]);
  });
});

describe("javaPattern", () => {
  it("reads Java's POSIX classes and needless escapes, and matches anywhere unless anchored", () => {
    expect(javaPattern("\\p{Print}+")!.test("tab\there")).toBe(true);
    expect(javaPattern("^\\p{Print}+$")!.test("tab\there")).toBe(false);
    expect(javaPattern("^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-]*$")!.test("!a-b=c")).toBe(true);
    expect(javaPattern("[A-Za-z0-9\\_\\-]+")!.test("..a..")).toBe(true);
    expect(javaPattern("^[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*$")!.test("ok 🎥")).toBe(true);
    expect(javaPattern("^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$")!.test("a*b")).toBe(true);
    expect(javaPattern("[a-z&&[^b]]")).toBeUndefined();
    expect(javaPattern("a*+b")).toBeUndefined();
  });

  it("translates every pattern of the services the adapters call", () => {
    const services = Object.values(CLIENTS).flatMap(({ botocore }) => (botocore ? [botocore] : []));
    const untranslated = services.flatMap((service) =>
      Object.values(loadServiceModel(service).shapes).flatMap((shape) => (shape.pattern !== undefined && !javaPattern(shape.pattern) ? [`${service}: ${shape.pattern}`] : [])),
    );

    expect(untranslated).toEqual([]);
  });
});
