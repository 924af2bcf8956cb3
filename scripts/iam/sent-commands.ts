import { relative, resolve, sep } from "node:path";
import ts from "typescript";
import type { SdkOperation } from "./command-actions.ts";

/** Where an adapter's code starts: a file, and in it a class, one method of a class, or a function (all of it without). */
export interface AdapterEntry {
  file: string;
  member?: string;
}

/** An operation the code sends, and where. */
export interface SentOperation extends SdkOperation {
  at: string;
}

/** A call into the AWS SDK that maps to no operation (a waiter polls inside the function). */
export class UnsupportedSdkCall extends Error {
  override name = "UnsupportedSdkCall";
}

const SDK_PACKAGE = /[\\/]node_modules[\\/](@aws-sdk[\\/][^\\/]+)[\\/]/;
/** Members of the SDK's aggregated clients that send nothing. */
const CLIENT_PLUMBING = new Set(["send", "destroy", "middlewareStack", "config"]);

/** The adapters' sources and their imports, type-checked once: symbols are resolved through imports and `this`. */
export function adapterProgram(root: string, files: readonly string[]): ts.Program {
  const configFile = ts.readConfigFile(resolve(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  return ts.createProgram(
    files.map((file) => resolve(root, file)),
    { ...options, noEmit: true },
  );
}

function entryNodes(source: ts.SourceFile, member: string | undefined): ts.Node[] {
  if (!member) return [source];
  const [name, method] = member.split(".");
  const found: ts.Node[] = [];
  source.forEachChild((node) => {
    if (ts.isClassDeclaration(node) && node.name?.text === name) {
      if (!method) found.push(node);
      else found.push(...node.members.filter((candidate) => candidate.name && ts.isIdentifier(candidate.name) && candidate.name.text === method));
    } else if (ts.isFunctionDeclaration(node) && node.name?.text === name && !method) {
      found.push(node);
    } else if (ts.isVariableStatement(node) && !method) {
      found.push(...node.declarationList.declarations.filter((declaration) => ts.isIdentifier(declaration.name) && declaration.name.text === name));
    }
  });
  if (found.length === 0) throw new Error(`${source.fileName}: no ${member}`);
  return found;
}

const inTypePosition = (node: ts.Node): boolean => {
  for (let current: ts.Node | undefined = node.parent; current; current = current.parent) {
    if (ts.isTypeNode(current) || ts.isImportDeclaration(current) || ts.isExportDeclaration(current)) return true;
    if (ts.isBlock(current) || ts.isSourceFile(current)) return false;
  }
  return false;
};

/**
 * Every AWS SDK operation the entries send, following calls, `new` and `this.` into the code they reach under
 * `within` (packages/aws/src): `new XxxCommand(...)`, `paginateXxx(...)` and methods of the aggregated clients.
 */
export function sentOperations(program: ts.Program, root: string, within: string, entries: readonly AdapterEntry[]): SentOperation[] {
  const checker = program.getTypeChecker();
  const scope = resolve(root, within) + sep;
  const ours = (declaration: ts.Declaration) => {
    const file = declaration.getSourceFile().fileName;
    return resolve(file).startsWith(scope) && !/\.test\.ts$|-testing\.ts$|[\\/]testing\.ts$/.test(file);
  };
  const queue: ts.Node[] = entries.flatMap(({ file, member }) => {
    const source = program.getSourceFile(resolve(root, file));
    if (!source) throw new Error(`${file} is not in the program`);
    return entryNodes(source, member);
  });
  const reached = new Set<ts.Node>();
  const sent: Omit<SentOperation, "tagged">[] = [];
  let tagged = false;
  const at = (node: ts.Node) => {
    const source = node.getSourceFile();
    return `${relative(root, source.fileName)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };
  const reach = (node: ts.Node | undefined) => {
    if (node && !reached.has(node)) queue.push(node);
  };
  const follow = (declaration: ts.Declaration, asConstructor: boolean) => {
    if (ts.isClassDeclaration(declaration)) {
      if (!asConstructor) return;
      for (const member of declaration.members) {
        if (ts.isConstructorDeclaration(member) || (ts.isPropertyDeclaration(member) && member.initializer)) reach(member);
      }
    } else if (
      ts.isFunctionDeclaration(declaration) ||
      ts.isMethodDeclaration(declaration) ||
      ts.isGetAccessorDeclaration(declaration) ||
      ts.isSetAccessorDeclaration(declaration) ||
      ts.isConstructorDeclaration(declaration)
    ) {
      reach(declaration);
    } else if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration)) && declaration.initializer) {
      reach(declaration.initializer);
    }
  };
  const sdkCall = (node: ts.Node, declaration: ts.Declaration, name: string, asConstructor: boolean) => {
    const sdkPackage = SDK_PACKAGE.exec(declaration.getSourceFile().fileName)?.[1]?.replaceAll("\\", "/");
    if (!sdkPackage) return;
    if (asConstructor && name.endsWith("Command")) sent.push({ sdkPackage, operation: name.slice(0, -"Command".length), at: at(node) });
    else if (name.startsWith("paginate")) sent.push({ sdkPackage, operation: name.slice("paginate".length), at: at(node) });
    else if (name.startsWith("waitUntil") || name.startsWith("waitFor")) throw new UnsupportedSdkCall(`${at(node)}: ${name} polls the service inside a function`);
    else if (ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration)) {
      const owner = declaration.parent;
      const ownerName = (ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner)) && owner.name?.text;
      if (ownerName && !ownerName.endsWith("Client") && !CLIENT_PLUMBING.has(name) && /^[a-z]/.test(name)) {
        sent.push({ sdkPackage, operation: name.charAt(0).toUpperCase() + name.slice(1), at: at(node) });
      }
    }
  };
  const visit = (node: ts.Node) => {
    if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name) && node.name.text === "Tags") tagged = true;
    if (ts.isIdentifier(node) && !inTypePosition(node)) {
      const asConstructor = ts.isNewExpression(node.parent) && node.parent.expression === node;
      let symbol = checker.getSymbolAtLocation(node);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const declaration of symbol?.declarations ?? []) {
        if (ours(declaration)) follow(declaration, asConstructor);
        else sdkCall(node, declaration, symbol!.name, asConstructor);
      }
    }
    node.forEachChild(visit);
  };
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (reached.has(node)) continue;
    reached.add(node);
    visit(node);
  }
  const unique = new Map(sent.map((operation) => [`${operation.sdkPackage} ${operation.operation} ${operation.at}`, { ...operation, tagged }]));
  return [...unique.values()];
}
