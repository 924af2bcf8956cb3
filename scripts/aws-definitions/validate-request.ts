import { javaPattern } from "./java-pattern.ts";
import { isPlainObject, isStreamingBlob, kindOf, pathOf, shown, type Problem, type Segment, type Validation } from "./problems.ts";
import type { SdkModel } from "./sdk-model.ts";
import type { MemberRef, ServiceModel, Shape } from "./service-model.ts";
import { sdkTypeAt, validateSdkRequest, validateSdkValue } from "./validate-sdk.ts";

export type { Problem, Validation } from "./problems.ts";

/**
 * One request's input checked against AWS's service model (botocore's service-2.json) with every constraint it
 * states: required members (an idempotency token excepted: the SDK fills it), types, unknown members, enum values,
 * min and max (length of a string, list or map, size of a blob, value of a number), patterns and unions.
 *
 * The models are from python3-botocore 1.29 (late 2022). What AWS added since is judged by the installed SDK client
 * (`newer`, read lazily): a member the model lacks is accepted when the SDK's declaration of that place has it, and
 * is then checked against the SDK (type, enum, required members); an enum value the model lacks is accepted when
 * the SDK's enum at that place lists it; an operation the model lacks is checked against the SDK alone. Each such
 * acceptance is a note, counted in the summary.
 */
export function validateRequest(model: ServiceModel, operation: string, input: unknown, newer?: () => SdkModel): Validation {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const definition = model.operations[operation];
  if (!definition) {
    if (!newer) return { problems: [{ path: "(operation)", message: `${model.metadata.serviceId} ${model.metadata.apiVersion} has no operation ${operation}` }], notes };
    const checked = validateSdkRequest(newer(), operation, input);
    return { problems: checked.problems, notes: [`operation ${operation} checked against ${newer().source} only`, ...checked.notes] };
  }
  if (!definition.input) {
    if (isPlainObject(input) && Object.values(input).some((value) => value !== undefined)) problems.push({ path: "(input)", message: `${operation} takes no input` });
    return { problems, notes };
  }
  const context: Context = { model, operation, problems, notes, newer };
  check(context, input, definition.input, []);
  return { problems, notes };
}

interface Context {
  model: ServiceModel;
  operation: string;
  problems: Problem[];
  notes: string[];
  newer: (() => SdkModel) | undefined;
}

function check(context: Context, value: unknown, ref: MemberRef, segments: Segment[]): void {
  const shape = context.model.shapes[ref.shape];
  const path = pathOf(segments);
  const report = (message: string): void => void context.problems.push({ path, message });
  if (!shape) return report(`the model has no shape ${ref.shape}`);
  const wrong = (expected: string): void => report(`expected ${expected} (${ref.shape}), got ${kindOf(value)}`);
  switch (shape.type) {
    case "structure":
      return checkStructure(context, value, ref.shape, shape, segments);
    case "list":
      if (!Array.isArray(value)) return wrong("a list");
      checkSize(report, value.length, shape, "items");
      value.forEach((item, index) => check(context, item, shape.member!, [...segments, index]));
      return;
    case "map": {
      if (!isPlainObject(value)) return wrong("a map (object)");
      const entries = Object.entries(value);
      checkSize(report, entries.length, shape, "entries");
      for (const [key, item] of entries) {
        check(context, key, shape.key!, [...segments, { key }]);
        check(context, item, shape.value!, [...segments, { key }]);
      }
      return;
    }
    case "string":
      if (typeof value !== "string") return wrong("a string");
      return checkString(context, value, ref.shape, shape, segments);
    case "integer":
    case "long":
      if (!(typeof value === "number" && Number.isInteger(value)) && typeof value !== "bigint") return wrong(`an integer`);
      return checkRange(report, Number(value), shape);
    case "double":
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) return wrong("a number");
      return checkRange(report, value, shape);
    case "boolean":
      if (typeof value !== "boolean") wrong("a boolean");
      return;
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) wrong("a valid Date");
      return;
    case "blob":
      if (ref.streaming || shape.streaming) {
        if (!isStreamingBlob(value)) wrong("a string, bytes or a stream");
      } else if (!(value instanceof Uint8Array)) wrong("bytes (Uint8Array)");
      else checkSize(report, value.byteLength, shape, "bytes");
      return;
    default:
      report(`the model's type ${String((shape as Shape).type)} is not known to this check`);
  }
}

function checkStructure(context: Context, value: unknown, name: string, shape: Shape, segments: Segment[]): void {
  const path = pathOf(segments);
  if (shape.document) return;
  if (!isPlainObject(value)) return void context.problems.push({ path, message: `expected a ${name} (object), got ${kindOf(value)}` });
  const members = shape.members ?? {};
  for (const required of shape.required ?? []) {
    if (value[required] === undefined && !members[required]?.idempotencyToken) {
      context.problems.push({ path: pathOf([...segments, required]), message: `required member of ${name} missing` });
    }
  }
  const present = Object.keys(value).filter((member) => value[member] !== undefined);
  if (shape.union && present.length !== 1) context.problems.push({ path, message: `${name} is a union: exactly one member, not ${present.length}` });
  for (const member of present) {
    const ref = members[member];
    if (ref) check(context, value[member], ref, [...segments, member]);
    else checkNewerMember(context, value[member], name, [...segments, member]);
  }
}

/** A member the 2022 model lacks: accepted when the installed SDK declares it at that place, and checked against it. */
function checkNewerMember(context: Context, value: unknown, structure: string, segments: Segment[]): void {
  const sdk = context.newer?.();
  const type = sdk && sdkTypeAt(sdk, context.operation, segments);
  const { apiVersion, serviceId } = context.model.metadata;
  if (!sdk || !type) {
    const also = sdk ? ` nor in ${sdk.source}` : "";
    context.problems.push({ path: pathOf(segments), message: `not a member of ${structure} (${serviceId} ${apiVersion}${also})` });
    return;
  }
  context.notes.push(`member newer than the model, checked against ${sdk.source}: ${structure}.${String(segments.at(-1))}`);
  const unchecked: string[] = [];
  validateSdkValue(sdk, type, value, segments, context.problems, unchecked);
  context.notes.push(...unchecked.map((path) => `type not checked: ${path}`));
}

function checkString(context: Context, value: string, name: string, shape: Shape, segments: Segment[]): void {
  const report = (message: string) => context.problems.push({ path: pathOf(segments), message });
  if (shape.enum && !shape.enum.includes(value)) {
    const sdk = context.newer?.();
    const type = sdk && typeof segments.at(-1) !== "object" ? sdkTypeAt(sdk, context.operation, segments) : undefined;
    if (sdk && type?.kind === "enum" && type.values.has(value)) context.notes.push(`enum value newer than the model, listed by ${sdk.source}: ${name} ${value}`);
    else report(`${shown(value)} is not one of ${name}'s values (${shape.enum.slice(0, 12).join(", ")}${shape.enum.length > 12 ? ", ..." : ""})`);
  }
  // Smithy counts a string's length in Unicode code points.
  checkSize(report, [...value].length, shape, "characters");
  if (shape.pattern !== undefined) {
    const pattern = javaPattern(shape.pattern);
    if (!pattern) context.notes.push(`pattern not checked (no JavaScript equivalent): ${name} ${shape.pattern}`);
    else if (!pattern.test(value)) report(`${shown(value, shape.sensitive)} does not match ${name}'s pattern ${shape.pattern}`);
  }
}

function checkSize(report: (message: string) => void, size: number, shape: Shape, unit: string): void {
  if (shape.min !== undefined && size < shape.min) report(`${size} ${unit}, below the minimum ${shape.min}`);
  if (shape.max !== undefined && size > shape.max) report(`${size} ${unit}, above the maximum ${shape.max}`);
}

function checkRange(report: (message: string) => void, value: number, shape: Shape): void {
  if (shape.min !== undefined && value < shape.min) report(`${value} is below the minimum ${shape.min}`);
  if (shape.max !== undefined && value > shape.max) report(`${value} is above the maximum ${shape.max}`);
}
