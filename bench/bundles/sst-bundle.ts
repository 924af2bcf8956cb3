import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { LAMBDA_BUNDLE } from "../../stacks/lambda-bundle.ts";

/** A Lambda function the stacks declare: its handler string as SST reads it, `<file>.<export>`. */
export interface LambdaFunction {
  name: string;
  file: string;
  exportName: string;
}

const HANDLER = /["'`](packages\/functions\/src\/([\w-]+))\.(\w+)["'`]/g;

/**
 * Every handler string in stacks/ (Function, Cron, Bus subscribers, API routes): SST bundles one package per
 * function, so a handler named twice is bundled once here.
 */
export function lambdaFunctions(root: string): LambdaFunction[] {
  const found = new Map<string, LambdaFunction>();
  const stacks = readdirSync(join(root, "stacks")).filter((name) => name.endsWith(".ts") && !/([.]test|-testing)[.]ts$/.test(name));
  for (const stack of stacks) {
    for (const [, path, name, exportName] of readFileSync(join(root, "stacks", stack), "utf8").matchAll(HANDLER)) {
      if (path && name && exportName) found.set(`${name}.${exportName}`, { name, file: join(root, `${path}.ts`), exportName });
    }
  }
  return [...found.values()];
}

/**
 * The options of SST v4's esbuild call for a nodejs22.x function (the sst CLI's pkg/runtime/node/build.go, the Go binary
 * in node_modules/sst-linux-x64, whose banner lines and forced externals are in it verbatim; defaults from
 * .sst/platform/src/components/aws/function.ts `nodejs`): ESM into bundle.mjs, platform node, target es2023 (its
 * runtime → target map gives es2023 for nodejs22.x), mainFields module then main, keepNames, a linked source map (left
 * out of the zip), no splitting, and only sharp and pg-native external: the AWS SDK v3 clients are bundled.
 * minify and plugins: the stacks' own `nodejs` settings (stacks/lambda-bundle.ts); the Go code minifies when
 * `nodejs.minify` is true and loads `nodejs.plugins` (a path from sst.config.ts) as the list of esbuild plugins.
 */
const SST_NODEJS22: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "es2023",
  mainFields: ["module", "main"],
  keepNames: true,
  sourcemap: "linked",
  splitting: false,
  minify: LAMBDA_BUNDLE.minify,
  external: ["sharp", "pg-native"],
  outExtension: { ".js": ".mjs" },
  banner: {
    js: [
      `import { createRequire as topLevelCreateRequire } from 'module';`,
      `const require = topLevelCreateRequire(import.meta.url);`,
      `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
      `const __filename = topLevelFileUrlToPath(import.meta.url)`,
      `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      "",
    ].join("\n"),
  },
};

export interface FunctionBundle {
  fn: LambdaFunction;
  /** <outdir>/<name>/bundle.mjs */
  path: string;
  bytes: number;
  /** What of the bundle came from each input file, in bytes of output. */
  inputs: Record<string, number>;
}

/**
 * Bundles every function as SST would, in one esbuild run: without splitting, each entry point's output is the same
 * as a build of its own, and the shared inputs are parsed once.
 */
export async function bundleFunctions(functions: LambdaFunction[], outdir: string): Promise<FunctionBundle[]> {
  const plugins = ((await import(pathToFileURL(join(import.meta.dirname, "..", "..", LAMBDA_BUNDLE.plugins)).href)) as { default: Plugin[] }).default;
  const result = await build({
    ...SST_NODEJS22,
    plugins,
    entryPoints: functions.map((fn) => ({ in: fn.file, out: `${fn.name}/bundle` })),
    outdir,
    metafile: true,
    logLevel: "error",
  });
  return functions.map((fn) => {
    const path = join(outdir, fn.name, "bundle.mjs");
    if (!result.metafile) throw new Error("esbuild returned no metafile");
    const output = outputOf(result.metafile, path);
    return {
      fn,
      path,
      bytes: output.bytes,
      inputs: Object.fromEntries(Object.entries(output.inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput])),
    };
  });
}

function outputOf(metafile: Metafile, path: string) {
  const found = Object.entries(metafile.outputs).find(([file]) => path.endsWith(file) || file.endsWith(path));
  if (!found) throw new Error(`esbuild wrote no ${path}`);
  return found[1];
}

/** What a bundle is made of, by npm package (or workspace folder), largest first. */
export function bundleParts(bundle: FunctionBundle): [string, number][] {
  const parts = new Map<string, number>();
  for (const [input, bytes] of Object.entries(bundle.inputs)) {
    const part = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input)?.[1] ?? /^(events|packages\/[^/]+)\//.exec(input)?.[1] ?? input;
    const copy = /node_modules\/.*node_modules\//.test(input) ? `${part} (nested copy)` : part;
    parts.set(copy, (parts.get(copy) ?? 0) + bytes);
  }
  return [...parts].sort((a, b) => b[1] - a[1]);
}
