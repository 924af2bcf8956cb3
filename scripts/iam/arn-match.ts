/**
 * Whether a granted resource ARN (with IAM's `*` and `?` wildcards) can name a resource of a type whose ARN format the
 * Service Authorization Reference gives (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`): is there one ARN that
 * both match?
 */
type GrantToken = { kind: "literal"; character: string } | { kind: "any" } | { kind: "one" };
type FormatToken = { kind: "literal"; character: string } | { kind: "variable"; allows: (character: string) => boolean };

const VARIABLE_CHARACTERS: Record<string, RegExp> = {
  Partition: /[a-z-]/,
  Region: /[a-z0-9-]/,
  Account: /[0-9]/,
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
  BucketName: /[a-z0-9.-]/,
};
/** Variables that may hold a slash: object keys, paths, and secret names (which we nest: <prefix>/accounts/...). */
const MAY_HOLD_SLASH = /(Path|^ObjectName|^SecretId)$/;
/**
 * Variables that may hold a colon: a Lambda function's actions may be granted on its version or alias ARNs
 * (`function:<name>:<qualifier>`, https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
 */
const MAY_HOLD_COLON = /^FunctionName$/;

function variableAllows(name: string): (character: string) => boolean {
  const known = VARIABLE_CHARACTERS[name];
  if (known) return (character) => known.test(character);
  if (MAY_HOLD_SLASH.test(name)) return () => true;
  if (MAY_HOLD_COLON.test(name)) return (character) => character !== "/";
  // An id or a name ends at the next separator of the ARN.
  return (character) => character !== "/" && character !== ":";
}

function grantTokens(arn: string): GrantToken[] {
  return [...arn].map((character) =>
    character === "*" ? { kind: "any" } : character === "?" ? { kind: "one" } : { kind: "literal", character },
  );
}

function formatTokens(format: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  for (let index = 0; index < format.length; ) {
    const variable = /^\$\{([^}]+)\}/.exec(format.slice(index));
    if (variable) {
      tokens.push({ kind: "variable", allows: variableAllows(variable[1]!) });
      index += variable[0].length;
    } else tokens.push({ kind: "literal", character: format[index++]! });
  }
  return tokens;
}

/**
 * IAM's `*` spans any characters within an ARN segment, and past the colons only as the last character of its segment
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 */
const spansColon = (grant: GrantToken[], index: number) => {
  const next = grant[index + 1];
  return next === undefined || (next.kind === "literal" && next.character === ":");
};

export function arnFits(grantedArn: string, format: string): boolean {
  if (grantedArn === "*") return true;
  const grant = grantTokens(grantedArn);
  const type = formatTokens(format);
  const seen = new Set<string>();
  // State: position in the grant, position in the format, and whether the format's variable there has a character yet.
  const stack: [number, number, boolean][] = [[0, 0, false]];
  const push = (i: number, j: number, inVariable: boolean) => {
    const key = `${i},${j},${inVariable}`;
    if (!seen.has(key)) {
      seen.add(key);
      stack.push([i, j, inVariable]);
    }
  };
  while (stack.length > 0) {
    const [i, j, inVariable] = stack.pop()!;
    if (i === grant.length && j === type.length) return true;
    const g = grant[i];
    const f = type[j];
    if (g?.kind === "any") push(i + 1, j, inVariable);
    if (inVariable) push(i, j + 1, false);
    if (!g || !f) continue;
    if (f.kind === "literal" && !inVariable) {
      if (g.kind === "literal" && g.character === f.character) push(i + 1, j + 1, false);
      if (g.kind === "one") push(i + 1, j + 1, false);
      if (g.kind === "any" && (f.character !== ":" || spansColon(grant, i))) push(i, j + 1, false);
    } else if (f.kind === "variable") {
      if (g.kind === "literal" && f.allows(g.character)) push(i + 1, j, true);
      if (g.kind === "one") push(i + 1, j, true);
      if (g.kind === "any") push(i, j, true);
    }
  }
  return false;
}
