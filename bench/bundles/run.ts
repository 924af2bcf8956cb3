/**
 * Lambda bundles: every function the stacks declare, bundled as SST v4 bundles a nodejs22.x function (sst-bundle.ts),
 * its size (and gzip size, for reference), and the cold import of each bundle: a fresh node process per import, timed
 * around a dynamic import() and less the same import of an empty module. Targets: ≤ 1 MB, ≤ 300 ms.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { loadAverage, median } from "../common.ts";
import { bundleFunctions, bundleParts, type FunctionBundle, lambdaFunctions } from "./sst-bundle.ts";

const MAX_BYTES = 1_000_000;
const MAX_IMPORT_MS = 300;
const RUNS = Number(process.env.RUNS ?? 3);
const root = resolve(import.meta.dirname, "../..");

/** What the configuration modules check at import (packages/functions/src/config.ts): well-formed, fake. */
const FAKE_ENVIRONMENT = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "bench-not-a-secret",
  POWERTOOLS_LOG_LEVEL: "WARN",
  VISIONSTREAM_RUNTIME: "aws",
  VISIONSTREAM_RESOURCE_PREFIX: "visionstream-bench",
  VISIONSTREAM_TABLE: "visionstream-bench-table",
  VISIONSTREAM_IDEMPOTENCY_TABLE: "visionstream-bench-idempotency",
  VISIONSTREAM_BUS: "visionstream-bench-bus",
  VISIONSTREAM_MEDIALIVE_ROLE_ARN: "arn:aws:iam::123456789012:role/medialive",
  VISIONSTREAM_MEDIACONVERT_ROLE_ARN: "arn:aws:iam::123456789012:role/mediaconvert",
  VISIONSTREAM_SWITCH_SCHEDULE_GROUP: "visionstream-bench-switches",
  VISIONSTREAM_SCHEDULED_SWITCH_ARN: "arn:aws:lambda:eu-west-1:123456789012:function:scheduled-switch",
  VISIONSTREAM_SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/scheduler",
  VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP: "visionstream-bench",
  VISIONSTREAM_MEDIAPACKAGE_EGRESS_DOMAIN: "abcdef.egress.mediapackagev2.eu-west-1.amazonaws.com",
  VISIONSTREAM_S3_OAC_ID: "E1S3OAC",
  VISIONSTREAM_MEDIAPACKAGE_OAC_ID: "E1MPOAC",
  VISIONSTREAM_SPEKE_URL: "https://speke.example.com/copyProtection",
  VISIONSTREAM_SPEKE_ROLE_ARN: "arn:aws:iam::123456789012:role/speke",
  VISIONSTREAM_KEY_DELIVERY_DOMAIN: "keys.lambda-url.eu-west-1.on.aws",
  VISIONSTREAM_KEY_DELIVERY_OAC_ID: "E1KEYOAC",
  VISIONSTREAM_KEY_SERVER_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-server",
  VISIONSTREAM_WEB_URL: "https://web.example.com",
  VISIONSTREAM_ADMIN_TOKEN: "bench-admin-token-0123456789",
  VISIONSTREAM_WHIP_URL: "https://whip.example.com",
  VISIONSTREAM_BROADCAST_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:broadcast",
};

// Prints the milliseconds import() of argv[1] took, on the clock and in CPU (less sensitive to a busy machine), and
// whether it exports argv[2] as a function.
const IMPORT_TIMER = `
const cpu = process.cpuUsage();
const started = performance.now();
const module = await import(process.argv[1]);
const ms = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
console.log(JSON.stringify({ ms, cpuMs: (user + system) / 1000, exported: process.argv[2] === "" || typeof module[process.argv[2]] === "function" }));`;

interface ImportTime {
  ms: number;
  cpuMs: number;
  exported: boolean;
}

function importOnce(path: string, exportName: string): ImportTime {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", IMPORT_TIMER, pathToFileURL(path).href, exportName], {
    env: { PATH: process.env.PATH, ...FAKE_ENVIRONMENT },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "") as ImportTime;
}

const bytes = (value: number) => value.toLocaleString("en-US");
/** The share of a bundle that is the AWS SDK v3 (its @aws-sdk and @smithy packages). */
const sdkBytes = (bundle: FunctionBundle) =>
  Object.entries(bundle.inputs).reduce((sum, [input, size]) => (/node_modules\/@(aws-sdk|smithy)\//.test(input) ? sum + size : sum), 0);
const megabytes = (value: number) => `${(value / 1e6).toFixed(2)} MB`;

const outdir = mkdtempSync(join(tmpdir(), "visionstream-bundles-"));
try {
  const functions = lambdaFunctions(root);
  console.log(`load average before: ${loadAverage()} on ${availableParallelism()} cores`);
  console.log(`${functions.length} functions in stacks/, bundled as SST v4 bundles nodejs22.x (esbuild, minified, es2023, AWS SDK bundled) ...`);
  const buildStarted = performance.now();
  const bundles = await bundleFunctions(functions, outdir);
  console.log(`  bundled in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`);

  // Over 1 MB: what the bundle is made of, said once for bundles made of the same parts.
  const made = new Map<string, string[]>();
  for (const bundle of bundles.filter((each) => each.bytes > MAX_BYTES)) {
    const parts = bundleParts(bundle);
    const nested = parts.filter(([part]) => part.endsWith("(nested copy)")).reduce((sum, [, size]) => sum + size, 0);
    const largest = parts.slice(0, 8).map(([part, size]) => `${part} ${(size / 1000).toFixed(0)} kB`);
    const line = `${largest.join(", ")}; nested copies of packages (other versions) ${(nested / 1000).toFixed(0)} kB`;
    made.set(line, [...(made.get(line) ?? []), `${bundle.fn.name} ${megabytes(bundle.bytes)}`]);
  }
  for (const [line, names] of made) console.log(`  over 1 MB: ${names.join(", ")}\n    made of ${line}`);

  const empty = join(outdir, "empty.mjs");
  writeFileSync(empty, "export {};\n");
  console.log(`cold imports, a fresh node ${process.version} per import, ${RUNS} of each ...`);
  const baselineRuns = Array.from({ length: RUNS }, () => importOnce(empty, ""));
  const baseline = median(baselineRuns.map((run) => run.ms));
  const baselineCpu = median(baselineRuns.map((run) => run.cpuMs));
  const rows: { bundle: FunctionBundle; gzip: number; importMs: number; cpuMs: number }[] = [];
  for (const bundle of bundles) {
    const runs = Array.from({ length: RUNS }, () => importOnce(bundle.path, bundle.fn.exportName));
    if (!runs.every((run) => run.exported)) throw new Error(`${bundle.fn.name}: the bundle exports no function ${bundle.fn.exportName}`);
    const importMs = median(runs.map((run) => run.ms)) - baseline;
    rows.push({ bundle, gzip: gzipSync(readFileSync(bundle.path)).length, importMs, cpuMs: median(runs.map((run) => run.cpuMs)) - baselineCpu });
  }
  console.log(`load average after: ${loadAverage()}`);

  console.log(`empty-module import (baseline, subtracted): ${baseline.toFixed(1)} ms, ${baselineCpu.toFixed(1)} ms CPU`);
  console.log(`${"function".padEnd(28)}${"bytes".padStart(12)}${"gzip".padStart(11)}${"AWS SDK".padStart(12)}${"import ms".padStart(11)}${"CPU ms".padStart(9)}`);
  for (const { bundle, gzip, importMs, cpuMs } of rows) {
    const columns = [bytes(bundle.bytes).padStart(12), bytes(gzip).padStart(11), bytes(sdkBytes(bundle)).padStart(12), importMs.toFixed(0).padStart(11), cpuMs.toFixed(0).padStart(9)];
    console.log(`${bundle.fn.name.padEnd(28)}${columns.join("")}`);
  }
  const largest = rows.reduce((a, b) => (b.bundle.bytes > a.bundle.bytes ? b : a));
  const slowest = rows.reduce((a, b) => (b.importMs > a.importMs ? b : a));
  const oversize = rows.filter((row) => row.bundle.bytes > MAX_BYTES).length;
  const slow = rows.filter((row) => row.importMs > MAX_IMPORT_MS).length;
  console.log(
    `largest ${largest.bundle.fn.name} ${megabytes(largest.bundle.bytes)} (≤ 1 MB: ${oversize === 0 ? "met" : `missed by ${oversize} of ${rows.length}`}); ` +
      `slowest import ${slowest.bundle.fn.name} ${slowest.importMs.toFixed(0)} ms (${slowest.cpuMs.toFixed(0)} ms CPU), median of ${RUNS} ` +
      `(≤ ${MAX_IMPORT_MS} ms: ${slow === 0 ? "met" : `missed by ${slow} of ${rows.length}`})`,
  );
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
