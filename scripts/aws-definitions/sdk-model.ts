import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as TypeScript from "typescript";
import { root } from "./fetch-botocore.ts";

/**
 * What the installed AWS SDK v3 client knows of a service, read from its TypeScript declarations (dist-types): the
 * same in every SDK version, old (3.6xx) and new (schema-based). An interface is a structure whose members without
 * `?` are required; `declare const X: { readonly A: "A" }` is the enum X; `type X = X.AMember | ...` is a union. The
 * declarations carry no lengths, ranges or patterns: only names, types, required members and enum values.
 */
export type SdkType =
  | { kind: "string" | "number" | "boolean" | "timestamp" | "blob" | "streaming" | "document" }
  | { kind: "list"; element: SdkType }
  | { kind: "map"; value: SdkType }
  | { kind: "structure"; name: string; union: boolean }
  | { kind: "enum"; name: string; values: ReadonlySet<string> }
  | { kind: "unknown"; text: string };

export interface SdkMember {
  type: SdkType;
  required: boolean;
}

// Loaded on first use: most test files never need the SDK's declarations.
let typescript: typeof TypeScript | undefined;
const load = () => (typescript ??= createRequire(import.meta.url)("typescript") as typeof TypeScript);

interface Declared {
  members: TypeScript.NodeArray<TypeScript.TypeElement>;
  base?: { name: string; omit: string[] };
}

export class SdkModel {
  readonly source: string;
  private readonly interfaces = new Map<string, Declared>();
  private readonly enums = new Map<string, Set<string>>();
  private readonly unions = new Map<string, string[]>();
  private readonly directory: string;
  private readonly structures = new Map<string, Map<string, SdkMember>>();

  constructor(readonly packageName: string) {
    const require = createRequire(join(root, "packages", "aws", "package.json"));
    this.directory = dirname(require.resolve(`${packageName}/package.json`));
    const { version } = JSON.parse(readFileSync(join(this.directory, "package.json"), "utf8")) as { version: string };
    this.source = `${packageName} ${version}`;
    const models = join(this.directory, "dist-types", "models");
    for (const file of readdirSync(models).filter((name) => name.endsWith(".d.ts"))) this.read(join(models, file));
  }

  /** The input structure of an operation (its `<Operation>CommandInput`), or undefined when the SDK has no such command. */
  input(operation: string): string | undefined {
    const file = join(this.directory, "dist-types", "commands", `${operation}Command.d.ts`);
    if (!existsSync(file)) return undefined;
    this.read(file);
    return this.interfaces.has(`${operation}CommandInput`) ? `${operation}CommandInput` : undefined;
  }

  members(structure: string): Map<string, SdkMember> {
    const ts = load();
    const known = this.structures.get(structure);
    if (known) return known;
    const members = new Map<string, SdkMember>();
    this.structures.set(structure, members);
    const unionOf = this.unions.get(structure);
    for (const variant of unionOf ?? []) {
      for (const [name, member] of this.members(variant)) members.set(name, { ...member, required: false });
    }
    const declared = this.interfaces.get(structure);
    if (declared?.base) for (const [name, member] of this.members(declared.base.name)) if (!declared.base.omit.includes(name)) members.set(name, member);
    for (const element of declared?.members ?? []) {
      if (!ts.isPropertySignature(element) || !element.type) continue;
      const name = element.name.getText();
      if (name === "$unknown" || element.type.kind === ts.SyntaxKind.NeverKeyword) continue;
      members.set(name, { type: this.resolve(element.type), required: !element.questionToken && !unionOf });
    }
    return members;
  }

  resolve(node: TypeScript.TypeNode): SdkType {
    const ts = load();
    if (ts.isParenthesizedTypeNode(node)) return this.resolve(node.type);
    if (ts.isUnionTypeNode(node)) {
      const types = node.types.filter((type) => type.kind !== ts.SyntaxKind.UndefinedKeyword);
      if (types.length === 1) return this.resolve(types[0]!);
      if (types.every((type) => ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal))) {
        return { kind: "enum", name: node.getText(), values: new Set(types.map((type) => ((type as TypeScript.LiteralTypeNode).literal as TypeScript.StringLiteral).text)) };
      }
      return { kind: "unknown", text: node.getText() };
    }
    if (node.kind === ts.SyntaxKind.StringKeyword) return { kind: "string" };
    if (node.kind === ts.SyntaxKind.NumberKeyword || node.kind === ts.SyntaxKind.BigIntKeyword) return { kind: "number" };
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return { kind: "boolean" };
    if (ts.isArrayTypeNode(node)) return { kind: "list", element: this.resolve(node.elementType) };
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if (name === "Record" && node.typeArguments?.length === 2) return { kind: "map", value: this.resolve(node.typeArguments[1]!) };
      if (name === "Date") return { kind: "timestamp" };
      if (name === "Uint8Array") return { kind: "blob" };
      if (/^Streaming/.test(name)) return { kind: "streaming" };
      if (/DocumentType$/.test(name)) return { kind: "document" };
      const values = this.enums.get(name);
      if (values) return { kind: "enum", name, values };
      if (this.interfaces.has(name) || this.unions.has(name)) return { kind: "structure", name, union: this.unions.has(name) };
    }
    return { kind: "unknown", text: node.getText() };
  }

  private read(file: string): void {
    const ts = load();
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (statement: TypeScript.Statement, namespace = "") => {
      if (ts.isInterfaceDeclaration(statement)) {
        const heritage = statement.heritageClauses?.[0]?.types[0];
        let base: Declared["base"];
        if (heritage) {
          const isOmit = heritage.expression.getText() === "Omit";
          const target = isOmit ? heritage.typeArguments?.[0]?.getText() : heritage.expression.getText();
          const keys = isOmit ? (heritage.typeArguments?.[1]?.getText().match(/"[^"]+"/g) ?? []).map((key) => key.slice(1, -1)) : [];
          if (target) base = { name: target, omit: keys };
        }
        this.interfaces.set(`${namespace}${statement.name.text}`, { members: statement.members, base });
      } else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (!declaration.type || !ts.isTypeLiteralNode(declaration.type)) continue;
          const values = declaration.type.members.flatMap((member) =>
            ts.isPropertySignature(member) && member.type && ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal) ? [member.type.literal.text] : [],
          );
          if (values.length > 0) this.enums.set(declaration.name.getText(), new Set(values));
        }
      } else if (ts.isTypeAliasDeclaration(statement) && ts.isUnionTypeNode(statement.type)) {
        const variants = statement.type.types.map((type) => type.getText());
        if (variants.every((variant) => variant.startsWith(`${statement.name.text}.`))) {
          this.unions.set(statement.name.text, variants.filter((variant) => !variant.endsWith(".$UnknownMember")));
        }
      } else if (ts.isModuleDeclaration(statement) && statement.body && ts.isModuleBlock(statement.body)) {
        for (const inner of statement.body.statements) visit(inner, `${statement.name.getText()}.`);
      }
    };
    for (const statement of source.statements) visit(statement);
  }
}

const models = new Map<string, SdkModel>();

export function sdkModel(packageName: string): SdkModel {
  let model = models.get(packageName);
  if (!model) models.set(packageName, (model = new SdkModel(packageName)));
  return model;
}
