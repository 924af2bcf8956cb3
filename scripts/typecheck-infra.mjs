#!/usr/bin/env node
// Type-checks sst.config.ts and stacks/ offline: `sst install` generates the platform types
// (.sst/platform) when they are missing or from another sst version, then tsc checks with stacks/tsconfig.json.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

function fail(step, output) {
  process.stderr.write(`${output.trimEnd()}\n${step} failed\n`);
  process.exit(1);
}

const platform = join(root, ".sst", "platform");
const sstVersion = JSON.parse(readFileSync(join(root, "node_modules", "sst", "package.json"), "utf8")).version;
const platformVersion = existsSync(join(platform, "version"))
  ? readFileSync(join(platform, "version"), "utf8").trim()
  : undefined;

if (!existsSync(join(platform, "config.d.ts")) || platformVersion !== sstVersion) {
  const install = run(join(root, "node_modules", ".bin", "sst"), ["install", "--stage", "ci"], {
    ...process.env,
    SST_NO_BUN: "1",
    SST_SKIP_DEPENDENCY_CHECK: "1",
    SST_TELEMETRY_DISABLED: "1",
  });
  if (install.status !== 0) fail("sst install --stage ci", install.output);
}

const tsc = run(process.execPath, [
  require.resolve("typescript/bin/tsc"),
  "-p",
  join(root, "stacks", "tsconfig.json"),
  "--pretty",
  "false",
]);
if (tsc.status !== 0) fail("tsc -p stacks/tsconfig.json", tsc.output);
process.stdout.write("sst.config.ts and stacks/ type-check\n");
