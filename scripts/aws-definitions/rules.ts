import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { z } from "zod";
import type { EventPattern } from "../../events/src/event-pattern.ts";
import { matchesPattern } from "../../events/src/match.ts";

/**
 * Rules against handlers, from the code: each rule of events/src/patterns.ts reaches a handler file that exports its
 * function; each event type a function parses has a rule; AWS's documented sample events parse with our schemas and
 * fit the rules that listen for their type.
 */
export interface EventType {
  source: string;
  detailType: string;
}

const literals = (schema: unknown): string[] =>
  schema instanceof z.ZodLiteral ? [...schema.values].map(String)
  : schema instanceof z.ZodEnum ? schema.options.map(String)
  : [];

/** The source and detail-type pairs an event schema accepts (a union's, each of its options'); none for another schema. */
export function eventTypesOf(schema: unknown): EventType[] {
  if (schema instanceof z.ZodUnion) return schema.options.flatMap(eventTypesOf);
  if (!(schema instanceof z.ZodObject)) return [];
  const shape = schema.shape as Record<string, unknown>;
  return literals(shape.source).flatMap((source) => literals(shape["detail-type"]).map((detailType) => ({ source, detailType })));
}

/** Whether a rule listens for that type (its detail filter aside). */
export const listensFor = (pattern: EventPattern, { source, detailType }: EventType) =>
  matchesPattern({ source: pattern.source ?? [source], "detail-type": pattern["detail-type"] ?? [detailType] } as EventPattern, { source, "detail-type": detailType });

/** Rules and handlers paired: `<file without .ts>.<export>` per rule, and each file there exporting that name. */
export function handlerProblems(rules: Record<string, EventPattern>, handlers: Record<string, string>, root: string): string[] {
  const problems: string[] = [];
  for (const rule of Object.keys(rules)) if (!(rule in handlers)) problems.push(`rule ${rule}: no handler in RuleHandlers`);
  for (const [rule, handler] of Object.entries(handlers)) {
    if (!(rule in rules)) problems.push(`handler of ${rule}: no such rule in events/src/patterns.ts`);
    const dot = handler.lastIndexOf(".");
    const file = join(root, `${handler.slice(0, dot)}.ts`);
    const name = handler.slice(dot + 1);
    if (!existsSync(file)) problems.push(`rule ${rule}: ${relative(root, file)} does not exist`);
    else if (!exportedNames(file).has(name)) problems.push(`rule ${rule}: ${relative(root, file)} exports no ${name}`);
  }
  return problems;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

const isExported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword);

function exportedNames(file: string): Set<string> {
  const names = new Set<string>();
  for (const statement of parse(file).statements) {
    if (ts.isVariableStatement(statement) && isExported(statement)) {
      for (const declaration of statement.declarationList.declarations) names.add(declaration.name.getText());
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && isExported(statement) && statement.name) {
      names.add(statement.name.text);
    } else if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.add(element.name.text);
    }
  }
  return names;
}

const sourceFiles = (directory: string): string[] =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? (entry.name === "node_modules" ? [] : sourceFiles(join(directory, entry.name)))
    : entry.name.endsWith(".ts") && !/\.test\.ts$|testing\.ts$/.test(entry.name) ? [join(directory, entry.name)]
    : [],
  );

/**
 * The schemas of `eventsModule` that code under `directory` parses events with: given to `eventHandler(schema, ...)`,
 * to `parser({ schema })`, or called as `schema.parse(...)` / `schema.safeParse(...)`.
 */
export function parsedSchemas(directory: string, eventsModule: string): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const file of sourceFiles(directory)) {
    const source = parse(file);
    const imported = new Map<string, string>();
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || (statement.moduleSpecifier as ts.StringLiteral).text !== eventsModule) continue;
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) imported.set(element.name.text, (element.propertyName ?? element.name).text);
    }
    const note = (node: ts.Node | undefined) => {
      if (node && ts.isIdentifier(node) && imported.has(node.text)) {
        const name = imported.get(node.text)!;
        used.set(name, [...(used.get(name) ?? []), relative(directory, file)]);
      }
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        if (node.expression.getText() === "eventHandler") note(node.arguments[0]);
        if (ts.isPropertyAccessExpression(node.expression) && ["parse", "safeParse", "parseAsync", "safeParseAsync"].includes(node.expression.name.text)) note(node.expression.expression);
      }
      if (ts.isPropertyAssignment(node) && node.name.getText() === "schema") note(node.initializer);
      if (ts.isShorthandPropertyAssignment(node) && node.name.text === "schema") note(node.name);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return used;
}

/** Event types parsed by some handler that no rule listens for. */
export function unroutedEventTypes(types: readonly EventType[], rules: Record<string, EventPattern>): EventType[] {
  return types.filter((type) => !Object.values(rules).some((pattern) => listensFor(pattern, type)));
}

/** A value the condition list accepts, built from AWS's own value where the condition allows (prefix, suffix, wildcard). */
function accepted(conditions: readonly unknown[], original: unknown): unknown {
  const condition = conditions[0];
  if (typeof condition !== "object" || condition === null) return condition;
  const text = typeof original === "string" ? original : "x";
  if ("prefix" in condition && typeof condition.prefix === "string") return `${condition.prefix}${text}`;
  if ("suffix" in condition && typeof condition.suffix === "string") return `${text}${condition.suffix}`;
  if ("wildcard" in condition && typeof condition.wildcard === "string") return condition.wildcard.replaceAll("*", "x");
  if ("equals-ignore-case" in condition) return condition["equals-ignore-case"];
  return original;
}

/**
 * The sample with each field a rule filters on set to a value the filter accepts; problems for filtered fields the
 * sample does not have (a misspelt field or one of another event).
 */
function fitted(pattern: EventPattern, sample: Record<string, unknown>, path: string[], problems: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...sample };
  for (const [field, condition] of Object.entries(pattern)) {
    if (path.length === 0 && (field === "source" || field === "detail-type")) continue;
    const where = [...path, field].join(".");
    const present = field in sample;
    if (Array.isArray(condition)) {
      const exists = condition.some((item) => typeof item === "object" && item !== null && "exists" in item);
      if (!present && !exists) problems.push(`filters on ${where}, which AWS's sample has not`);
      else if (present) copy[field] = accepted(condition, sample[field]);
    } else if (typeof sample[field] === "object" && sample[field] !== null) {
      copy[field] = fitted(condition as EventPattern, sample[field] as Record<string, unknown>, [...path, field], problems);
    } else problems.push(`filters inside ${where}, which AWS's sample has ${present ? "as a value" : "not"}`);
  }
  return copy;
}

export interface Sample {
  name: string;
  event: Record<string, unknown>;
}

/** Each sample parses with the schemas of its type, and fits (once its filtered fields are set) every rule that listens for its type. */
export function sampleProblems(samples: readonly Sample[], schemas: Record<string, unknown>, rules: Record<string, EventPattern>): string[] {
  const problems: string[] = [];
  for (const { name, event } of samples) {
    const type = { source: String(event.source), detailType: String(event["detail-type"]) };
    for (const [schemaName, schema] of Object.entries(schemas)) {
      if (!eventTypesOf(schema).some((candidate) => candidate.source === type.source && candidate.detailType === type.detailType)) continue;
      const parsed = (schema as z.ZodType).safeParse(event);
      if (!parsed.success) problems.push(`${name}: ${schemaName} refuses it: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    }
    for (const [rule, pattern] of Object.entries(rules)) {
      if (!listensFor(pattern, type)) continue;
      const found: string[] = [];
      const fit = fitted(pattern, event, [], found);
      problems.push(...found.map((problem) => `${name}: rule ${rule} ${problem}`));
      if (found.length === 0 && !matchesPattern(pattern, fit)) problems.push(`${name}: rule ${rule} matches no event of AWS's shape`);
    }
  }
  return problems;
}
