import { describe, expect, it } from "vitest";
import { validateTemplate } from "./cloudformation.ts";

const roleArn = "arn:aws:iam::111122223333:role/switcher";

/** A flow and its output, as the switcher's templates declare them. */
function template() {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Parameters: { Stage: { Type: "String" } },
    Resources: {
      Ingest: {
        Type: "AWS::MediaConnect::Flow",
        Properties: {
          Name: "vs-ingest",
          AvailabilityZone: "eu-west-1a",
          Source: { Name: "ingest", Protocol: "srt-listener", IngestPort: 9001, WhitelistCidr: "203.0.113.0/24", Decryption: { KeyType: "srt-password", RoleArn: roleArn, SecretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s" } },
          VpcInterfaces: [{ Name: "switcher", RoleArn: roleArn, SubnetId: "subnet-0aaa", SecurityGroupIds: ["sg-0aaa"] }],
        } as Record<string, unknown>,
      },
      IngestOutput: {
        Type: "AWS::MediaConnect::FlowOutput",
        Properties: {
          FlowArn: { "Fn::GetAtt": ["Ingest", "FlowArn"] },
          Name: { "Fn::Sub": "${Stage}-switcher" },
          Protocol: "srt-listener",
          Port: 9001,
          CidrAllowList: ["10.20.1.0/24"],
        } as Record<string, unknown>,
        DependsOn: ["Ingest"],
      },
    } as Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>,
    Outputs: { Flow: { Value: { Ref: "Ingest" } }, Source: { Value: { "Fn::GetAtt": "Ingest.Source.SourceArn" } } },
  };
}

describe("validateTemplate against CloudFormation's resource schemas", () => {
  it("finds nothing wrong in a valid template", () => {
    expect(validateTemplate(template())).toEqual([]);
  });

  it("reports an unknown resource type, property, a missing required property and wrong types, nested too", () => {
    const planted = template();
    planted.Resources.Ingest!.Properties.Name = undefined;
    planted.Resources.Ingest!.Properties.Sources = [];
    planted.Resources.Ingest!.Properties.Source = { Name: "ingest", Protocol: "srt-listener", IngestPort: "9001" };
    planted.Resources.Ingest!.Properties.VpcInterfaces = { Name: "switcher" };
    planted.Resources.Bridge = { Type: "AWS::MediaConnect::Switcher", Properties: {} };

    expect(validateTemplate(planted)).toEqual([
      { path: "Resources.Ingest.Properties.Name", message: "required property of AWS::MediaConnect::Flow missing" },
      { path: "Resources.Ingest.Properties.Source.IngestPort", message: "expected an integer, got a string" },
      { path: "Resources.Ingest.Properties.VpcInterfaces", message: "expected a list, got an object" },
      { path: "Resources.Ingest.Properties.Sources", message: "not a property of AWS::MediaConnect::Flow" },
      { path: "Resources.Bridge.Type", message: "AWS::MediaConnect::Switcher is not a CloudFormation resource type" },
    ]);
  });

  it("reports a value that is not one of the allowed ones", () => {
    const planted = template();
    planted.Resources.IngestOutput!.Properties.Protocol = "srt";

    expect(validateTemplate(planted)).toEqual([
      { path: "Resources.IngestOutput.Properties.Protocol", message: expect.stringMatching(/^"srt" is not one of .*srt-listener, srt-caller/) },
    ]);
  });

  it("reports Fn::GetAtt of an attribute the type lacks or of no resource, Ref and DependsOn of nothing", () => {
    const planted = template();
    planted.Resources.IngestOutput!.Properties.FlowArn = { "Fn::GetAtt": ["Ingest", "Arn"] };
    planted.Resources.IngestOutput!.Properties.Description = { "Fn::GetAtt": ["Egress", "FlowArn"] };
    planted.Resources.IngestOutput!.Properties.Name = { Ref: "Stages" };
    planted.Resources.IngestOutput!.DependsOn = ["Egress"];

    expect(validateTemplate(planted)).toEqual([
      { path: "Resources.IngestOutput.DependsOn", message: `"Egress" is not a resource of the template` },
      { path: "Resources.IngestOutput.Properties.FlowArn.Fn::GetAtt", message: expect.stringMatching(/^AWS::MediaConnect::Flow has no attribute "Arn" \(it has .*FlowArn/) },
      { path: "Resources.IngestOutput.Properties.Name.Ref", message: `"Stages" is neither a resource nor a parameter of the template` },
      { path: "Resources.IngestOutput.Properties.Description.Fn::GetAtt", message: `"Egress" is not a resource of the template` },
    ]);
  });

  it("wants resources", () => {
    expect(validateTemplate({ Resources: {} })).toEqual([{ path: "Resources", message: "a template declares at least one resource" }]);
  });
});
