import fc from "fast-check";

type Path = (string | number)[];

function nodes(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, index) => nodes(item, [...at, index]))];
  if (value && typeof value === "object") return [at, ...Object.entries(value).flatMap(([key, item]) => nodes(item, [...at, key]))];
  return [at];
}

export type Mutation = { pick: number; op: "drop" | "replace" | "wrap" | "duplicate" | "extra"; odd: unknown };

/** A copy of `value` with one node (chosen by `pick`) dropped, replaced by an odd value, wrapped in an array, duplicated, or given a sibling. */
export function mutate(value: unknown, { pick, op, odd }: Mutation): unknown {
  const copy = structuredClone(value);
  const all = nodes(copy);
  const path = all[pick % all.length]!;
  if (path.length === 0) return op === "wrap" ? [copy] : op === "replace" ? odd : copy;
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
  const key = path.at(-1)!;
  if (op === "drop") Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
  else if (op === "replace") parent[key] = odd;
  else if (op === "wrap") parent[key] = [parent[key]];
  else if (op === "duplicate" && Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
  else parent[`${String(key)}${typeof odd === "string" ? odd.slice(0, 20) : "_extra"}`] = odd;
  return copy;
}

/** Lists of 1 to `maxLength` mutations, their odd values drawn from `oddValue`. */
export const mutationsOf = (oddValue: fc.Arbitrary<unknown>, maxLength: number) =>
  fc.array(fc.record({ pick: fc.nat(), op: fc.constantFrom("drop", "replace", "wrap", "duplicate", "extra" as const), odd: oddValue }), { minLength: 1, maxLength });

/** `base` after a list of mutations. */
export const mutatedFrom = (base: unknown, oddValue: fc.Arbitrary<unknown>, maxLength: number) =>
  mutationsOf(oddValue, maxLength).map((list) => list.reduce<unknown>(mutate, base));
