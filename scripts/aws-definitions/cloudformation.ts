import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { Property, PropertyType, Resource, SpecDatabase } from "@aws-cdk/service-spec-types";
import { isPlainObject, kindOf, shown, type Problem } from "./problems.ts";

/**
 * A CloudFormation template checked against the resource schemas that AWS CDK ships (@aws-cdk/aws-service-spec,
 * built from CloudFormation's registry): every resource type exists, its properties are known, of their type
 * (nested property types, lists, maps, allowed values included) and the required ones are there; `Ref`, `Fn::GetAtt`
 * and `DependsOn` name resources of the template (or parameters, or pseudo parameters), and `Fn::GetAtt` an
 * attribute that the resource type has. The value of another intrinsic function (Fn::Sub, Fn::Join...) is accepted
 * for any type: it is known at deploy time only.
 */
let database: SpecDatabase | undefined;
const spec = () => (database ??= loadAwsServiceSpecSync());

const PSEUDO_PARAMETERS = new Set(["AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"]);

interface Context {
  problems: Problem[];
  resources: Record<string, unknown>;
  parameters: Set<string>;
}

export function validateTemplate(template: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isPlainObject(template) || !isPlainObject(template.Resources) || Object.keys(template.Resources).length === 0) {
    return [{ path: "Resources", message: "a template declares at least one resource" }];
  }
  const context: Context = { problems, resources: template.Resources, parameters: new Set(isPlainObject(template.Parameters) ? Object.keys(template.Parameters) : []) };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const path = `Resources.${logicalId}`;
    if (!/^[A-Za-z0-9]+$/.test(logicalId)) problems.push({ path, message: "a logical id is alphanumeric" });
    if (!isPlainObject(resource) || typeof resource.Type !== "string") {
      problems.push({ path: `${path}.Type`, message: "a resource has a Type" });
      continue;
    }
    for (const target of [resource.DependsOn ?? []].flat()) {
      if (typeof target !== "string" || !(target in template.Resources)) problems.push({ path: `${path}.DependsOn`, message: `${shown(target)} is not a resource of the template` });
    }
    if (resource.Type.startsWith("Custom::") || resource.Type === "AWS::CloudFormation::CustomResource") continue;
    const [definition] = spec().lookup("resource", "cloudFormationType", "equals", resource.Type);
    if (!definition) {
      problems.push({ path: `${path}.Type`, message: `${resource.Type} is not a CloudFormation resource type` });
      continue;
    }
    checkProperties(context, resource.Properties ?? {}, definition.properties, resource.Type, `${path}.Properties`);
  }
  if (template.Outputs !== undefined) checkIntrinsics(context, template.Outputs, "Outputs");
  return problems;
}

function checkProperties(context: Context, value: unknown, properties: Record<string, Property>, owner: string, path: string): void {
  if (intrinsic(context, value, path)) return;
  if (!isPlainObject(value)) return void context.problems.push({ path, message: `expected the properties of ${owner} (an object), got ${kindOf(value)}` });
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && value[name] === undefined) context.problems.push({ path: `${path}.${name}`, message: `required property of ${owner} missing` });
  }
  for (const [name, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const property = properties[name];
    if (!property) context.problems.push({ path: `${path}.${name}`, message: `not a property of ${owner}` });
    else checkValue(context, item, property.type, `${path}.${name}`);
  }
}

function checkValue(context: Context, value: unknown, type: PropertyType, path: string): void {
  if (intrinsic(context, value, path)) return;
  const problems = context.problems;
  const wrong = (expected: string): void => void problems.push({ path, message: `expected ${expected}, got ${kindOf(value)}` });
  switch (type.type) {
    case "string":
      if (typeof value !== "string") return wrong("a string");
      if (type.allowedValues && !type.allowedValues.includes(value)) problems.push({ path, message: `${shown(value)} is not one of ${type.allowedValues.join(", ")}` });
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return wrong("an integer");
      if (type.allowedValues && !type.allowedValues.includes(value)) problems.push({ path, message: `${value} is not one of ${type.allowedValues.join(", ")}` });
      return;
    case "number":
      if (typeof value !== "number") wrong("a number");
      return;
    case "boolean":
      if (typeof value !== "boolean") wrong("a boolean");
      return;
    case "date-time":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) wrong("a date-time string");
      return;
    case "null":
      if (value !== null) wrong("null");
      return;
    case "json":
      if (typeof value !== "string" && !isPlainObject(value) && !Array.isArray(value)) wrong("JSON (an object or a string)");
      else checkIntrinsics(context, value, path);
      return;
    case "tag":
      return checkProperties(context, value, { Key: { type: { type: "string" }, required: true }, Value: { type: { type: "string" }, required: true } }, "a tag", path);
    case "array":
      if (!Array.isArray(value)) return wrong("a list");
      value.forEach((item, index) => checkValue(context, item, type.element, `${path}[${index}]`));
      return;
    case "map":
      if (!isPlainObject(value)) return wrong("a map (object)");
      for (const [key, item] of Object.entries(value)) checkValue(context, item, type.element, `${path}.${key}`);
      return;
    case "ref": {
      const definition = spec().get("typeDefinition", type.reference);
      return checkProperties(context, value, definition.properties, definition.name, path);
    }
    case "union": {
      const attempts = type.types.map((candidate) => {
        const trial: Context = { ...context, problems: [] };
        checkValue(trial, value, candidate, path);
        return trial.problems;
      });
      if (attempts.some((attempt) => attempt.length === 0)) return;
      problems.push(...attempts.reduce((fewest, attempt) => (attempt.length < fewest.length ? attempt : fewest)));
      return;
    }
  }
}

/** Whether the value is an intrinsic function (then checks the resources and attributes it names). */
function intrinsic(context: Context, value: unknown, path: string): boolean {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !(keys[0] === "Ref" || keys[0]!.startsWith("Fn::") || keys[0] === "Condition")) return false;
  checkIntrinsics(context, value, path);
  return true;
}

/** Every Ref and Fn::GetAtt within a value. */
function checkIntrinsics(context: Context, value: unknown, path: string): void {
  if (Array.isArray(value)) return value.forEach((item, index) => checkIntrinsics(context, item, `${path}[${index}]`));
  if (!isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (key === "Ref") checkRef(context, item, `${path}.Ref`);
    else if (key === "Fn::GetAtt") checkGetAtt(context, item, `${path}.Fn::GetAtt`);
    else checkIntrinsics(context, item, `${path}.${key}`);
  }
}

function checkRef(context: Context, target: unknown, path: string): void {
  if (typeof target !== "string") return void context.problems.push({ path, message: `Ref takes a logical id, got ${kindOf(target)}` });
  if (!(target in context.resources) && !context.parameters.has(target) && !PSEUDO_PARAMETERS.has(target)) {
    context.problems.push({ path, message: `${shown(target)} is neither a resource nor a parameter of the template` });
  }
}

function checkGetAtt(context: Context, argument: unknown, path: string): void {
  const parts =
    typeof argument === "string" ? [argument.slice(0, argument.indexOf(".")), argument.slice(argument.indexOf(".") + 1)]
    : Array.isArray(argument) && argument.length === 2 ? argument
    : undefined;
  if (!parts || typeof parts[0] !== "string" || parts[0] === "") return void context.problems.push({ path, message: "Fn::GetAtt takes [logicalId, attribute]" });
  const [logicalId, attribute] = parts as [string, unknown];
  const resource = context.resources[logicalId];
  if (!isPlainObject(resource)) return void context.problems.push({ path, message: `${shown(logicalId)} is not a resource of the template` });
  if (typeof attribute !== "string") return checkIntrinsics(context, attribute, path);
  const type = String(resource.Type);
  if (type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource") return;
  const [definition] = spec().lookup("resource", "cloudFormationType", "equals", type) as readonly Resource[];
  if (definition && !(attribute in definition.attributes)) {
    context.problems.push({ path, message: `${type} has no attribute ${shown(attribute)} (it has ${Object.keys(definition.attributes).join(", ")})` });
  }
}
