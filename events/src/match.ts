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

function matchesOne(condition: unknown, value: unknown, present: boolean): boolean {
  if (!isRecord(condition)) return present && (condition as Scalar) === value;
  if ("exists" in condition) return condition.exists === present;
  if (!present) return false;
  if ("prefix" in condition) return typeof value === "string" && value.startsWith(String(condition.prefix));
  if ("suffix" in condition) return typeof value === "string" && value.endsWith(String(condition.suffix));
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

/** EventBridge's event-pattern matching (literals, prefix, suffix, anything-but, exists, numeric, equals-ignore-case). */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const subject = isRecord(event) ? event : {};
  return Object.entries(pattern).every(([field, condition]) => {
    const present = field in subject && subject[field] !== undefined;
    const value = subject[field];
    if (Array.isArray(condition)) return matchesField(condition, value, present);
    return isRecord(value) && matchesPattern(condition as EventPattern, value);
  });
}
