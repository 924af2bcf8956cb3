import type { EventPattern } from "./patterns.ts";

type Scalar = string | number | boolean | null;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function matchesNumeric(conditions: readonly unknown[], value: unknown): boolean {
  if (typeof value !== "number") return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const operator = conditions[i];
    const bound = conditions[i + 1] as number;
    const ok =
      operator === "=" ? value === bound
      : operator === "<" ? value < bound
      : operator === "<=" ? value <= bound
      : operator === ">" ? value > bound
      : operator === ">=" ? value >= bound
      : false;
    if (!ok) return false;
  }
  return true;
}

/** A wildcard value EventBridge refuses when the rule is created. */
export class InvalidEventPattern extends Error {
  override name = "InvalidEventPattern";
}

const wildcards = new Map<string, RegExp>();

/**
 * EventBridge's wildcard: `*` matches any run of characters (none included), `\\*` a literal asterisk and `\\\\` a
 * backslash; two wildcards in a row, or a backslash before anything else, are refused (aws/event-ruler's README,
 * "Wildcard matching"; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 */
export function wildcardExpression(wildcard: string): RegExp {
  const cached = wildcards.get(wildcard);
  if (cached) return cached;
  let source = "";
  for (let index = 0; index < wildcard.length; index++) {
    const character = wildcard[index]!;
    if (character === "*") {
      if (wildcard[index + 1] === "*") throw new InvalidEventPattern(`wildcard ${JSON.stringify(wildcard)}: consecutive wildcard characters`);
      source += "[\\s\\S]*";
    } else if (character === "\\") {
      const escaped = wildcard[++index];
      if (escaped !== "*" && escaped !== "\\") {
        throw new InvalidEventPattern(`wildcard ${JSON.stringify(wildcard)}: a backslash escapes only * or \\`);
      }
      source += `\\${escaped}`;
    } else source += character.replace(/[.+?^${}()|[\]\\/]/g, "\\$&");
  }
  const expression = new RegExp(`^${source}$`);
  wildcards.set(wildcard, expression);
  return expression;
}

/** prefix and suffix take a string, or `{ "equals-ignore-case": string }` to compare regardless of case. */
function affix(operand: unknown, value: unknown, test: (value: string, affix: string) => boolean): boolean {
  if (typeof value !== "string") return false;
  if (typeof operand === "string") return test(value, operand);
  if (isRecord(operand) && typeof operand["equals-ignore-case"] === "string") {
    return test(value.toLowerCase(), operand["equals-ignore-case"].toLowerCase());
  }
  throw new InvalidEventPattern(`prefix or suffix ${JSON.stringify(operand)}: a string or { "equals-ignore-case": string }`);
}

function matchesOne(condition: unknown, value: unknown, present: boolean): boolean {
  if (!isRecord(condition)) return present && (condition as Scalar) === value;
  if ("exists" in condition) return condition.exists === present;
  if (!present) return false;
  if ("prefix" in condition) return affix(condition.prefix, value, (text, start) => text.startsWith(start));
  if ("suffix" in condition) return affix(condition.suffix, value, (text, end) => text.endsWith(end));
  if ("wildcard" in condition) {
    if (typeof condition.wildcard !== "string") throw new InvalidEventPattern(`wildcard ${JSON.stringify(condition.wildcard)}: not a string`);
    return typeof value === "string" && wildcardExpression(condition.wildcard).test(value);
  }
  if ("equals-ignore-case" in condition)
    return typeof value === "string" && value.toLowerCase() === String(condition["equals-ignore-case"]).toLowerCase();
  if ("numeric" in condition) return matchesNumeric(condition.numeric as readonly unknown[], value);
  if ("anything-but" in condition) {
    const excluded = condition["anything-but"];
    const list = Array.isArray(excluded) ? excluded : [excluded];
    return !list.some((item) => matchesOne(item, value, true));
  }
  return false;
}

function matchesField(conditions: readonly unknown[], value: unknown, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  return conditions.some((condition) =>
    isRecord(condition) && "exists" in condition
      ? matchesOne(condition, value, present)
      : values.some((item) => matchesOne(condition, item, present)),
  );
}

/** EventBridge's event-pattern matching (literals, prefix, suffix, wildcard, anything-but, exists, numeric, equals-ignore-case). */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const subject = isRecord(event) ? event : {};
  return Object.entries(pattern).every(([field, condition]) => {
    const present = field in subject && subject[field] !== undefined;
    const value = subject[field];
    if (Array.isArray(condition)) return matchesField(condition, value, present);
    return isRecord(value) && matchesPattern(condition as EventPattern, value);
  });
}
