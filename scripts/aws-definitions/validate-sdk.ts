import { isPlainObject, isStreamingBlob, kindOf, pathOf, shown, type Problem, type Segment } from "./problems.ts";
import type { SdkModel, SdkType } from "./sdk-model.ts";

/**
 * A value checked against the installed SDK's declarations: types, required and unknown members, enum values, one
 * member of a union. No lengths, ranges or patterns (the declarations have none). `unchecked` collects the paths whose
 * declared type this reader does not know (none in the clients used today).
 */
export function validateSdkValue(model: SdkModel, type: SdkType, value: unknown, segments: Segment[], problems: Problem[], unchecked: string[] = []): void {
  const path = pathOf(segments);
  const wrong = (expected: string): void => void problems.push({ path, message: `expected ${expected}, got ${kindOf(value)} (${model.source})` });
  switch (type.kind) {
    case "string":
      if (typeof value !== "string") wrong("a string");
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) if (typeof value !== "bigint") wrong("a number");
      return;
    case "boolean":
      if (typeof value !== "boolean") wrong("a boolean");
      return;
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) wrong("a valid Date");
      return;
    case "blob":
      if (!(value instanceof Uint8Array)) wrong("bytes (Uint8Array)");
      return;
    case "streaming":
      if (!isStreamingBlob(value)) wrong("a string, bytes or a stream");
      return;
    case "document":
      return;
    case "unknown":
      unchecked.push(`${path}: ${type.text}`);
      return;
    case "enum":
      if (typeof value !== "string") wrong(`a string of ${type.name}`);
      else if (!type.values.has(value)) problems.push({ path, message: `${shown(value)} is not one of ${type.name}'s values (${[...type.values].slice(0, 12).join(", ")}) (${model.source})` });
      return;
    case "list":
      if (!Array.isArray(value)) wrong("a list");
      else value.forEach((item, index) => validateSdkValue(model, type.element, item, [...segments, index], problems, unchecked));
      return;
    case "map":
      if (!isPlainObject(value)) wrong("a map (object)");
      else for (const [key, item] of Object.entries(value)) validateSdkValue(model, type.value, item, [...segments, { key }], problems, unchecked);
      return;
    case "structure": {
      if (!isPlainObject(value)) return wrong(`a ${type.name} (object)`);
      const members = model.members(type.name);
      for (const [name, member] of members) {
        if (member.required && value[name] === undefined) problems.push({ path: pathOf([...segments, name]), message: `required member of ${type.name} missing (${model.source})` });
      }
      const present = Object.keys(value).filter((name) => value[name] !== undefined);
      if (type.union && present.length !== 1) problems.push({ path, message: `${type.name} is a union: exactly one member, not ${present.length} (${model.source})` });
      for (const name of present) {
        const member = members.get(name);
        if (!member) problems.push({ path: pathOf([...segments, name]), message: `not a member of ${type.name} (${model.source})` });
        else validateSdkValue(model, member.type, value[name], [...segments, name], problems, unchecked);
      }
      return;
    }
  }
}

/** The declared type at a path of an operation's input, or undefined when the SDK does not know that path. */
export function sdkTypeAt(model: SdkModel, operation: string, segments: readonly Segment[]): SdkType | undefined {
  const input = model.input(operation);
  if (!input) return undefined;
  let type: SdkType = { kind: "structure", name: input, union: false };
  for (const segment of segments) {
    if (typeof segment === "string" && type.kind === "structure") {
      const member = model.members(type.name).get(segment);
      if (!member) return undefined;
      type = member.type;
    } else if (typeof segment === "number" && type.kind === "list") type = type.element;
    else if (typeof segment === "object" && type.kind === "map") type = type.value;
    else return undefined;
  }
  return type;
}

/** A whole request checked against the SDK only: for services that python3-botocore's models predate. */
export function validateSdkRequest(model: SdkModel, operation: string, input: unknown): { problems: Problem[]; notes: string[] } {
  const structure = model.input(operation);
  if (!structure) return { problems: [{ path: "(operation)", message: `${model.source} has no ${operation}Command` }], notes: [] };
  const problems: Problem[] = [];
  const unchecked: string[] = [];
  validateSdkValue(model, { kind: "structure", name: structure, union: false }, input, [], problems, unchecked);
  return { problems, notes: unchecked.map((path) => `type not checked: ${path}`) };
}
