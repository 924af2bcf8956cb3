// The layering of ARCHITECTURE.md ("Rules of the design"), checked by `npm run check:deps` in `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */

const testSupport = "([.]test[.]ts$|(^|/)testing(/|[.]ts$)|-testing[.]ts$)";
const visionStream = "^(events|packages|stacks|bench|scripts|bin)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import circles, type-only ones included.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import resolves to a file or an installed package.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "core-no-adapter",
      severity: "error",
      comment: "Core knows nothing of the adapters; its tests and test support may use them (dynalite, the dynamo repositories).",
      from: { path: "^packages/core/src/", pathNot: testSupport },
      to: { path: "^packages/(aws|local|functions|rtmp|mpegts|web)/" },
    },
    {
      name: "core-no-aws-http-ffmpeg-or-processes",
      severity: "error",
      comment: "Core knows nothing of AWS, HTTP, ffmpeg or child processes.",
      from: { path: "^packages/core/src/" },
      to: {
        path: [
          "(^|/)node_modules/(@aws-sdk|@aws-lambda-powertools|@smithy|@middy|hono|@hono)/",
          "(^|/)node_modules/(fluent-ffmpeg|ffmpeg-static|ffprobe-static|@ffmpeg-installer|@ffprobe-installer|@ffmpeg)/",
          "^(node:)?child_process$",
        ],
      },
    },
    {
      name: "events-no-packages",
      severity: "error",
      comment: "events/ is the single source of event names and shapes: it imports nothing from packages/.",
      from: { path: "^events/" },
      to: { path: "^packages/" },
    },
    {
      name: "protocols-no-visionstream",
      severity: "error",
      comment: "The protocol libraries know nothing of VisionStream, nor of each other.",
      from: { path: "^packages/(rtmp|mpegts)/" },
      to: { path: visionStream, pathNot: "^packages/$1/" },
    },
    {
      name: "aws-no-local-functions-or-web",
      severity: "error",
      from: { path: "^packages/aws/" },
      to: { path: "^packages/(local|functions|web)/" },
    },
    {
      name: "functions-no-local-or-web",
      severity: "error",
      comment: "Local may import functions, never the reverse.",
      from: { path: "^packages/functions/" },
      to: { path: "^packages/(local|web)/" },
    },
    {
      name: "nothing-imports-bench",
      severity: "error",
      from: { pathNot: "^bench/" },
      to: { path: "^bench/" },
    },
    {
      name: "stacks-no-local",
      severity: "error",
      from: { path: "^(stacks/|sst[.]config[.]ts$)" },
      to: { path: "^packages/local/" },
    },
    {
      name: "no-test-support-in-production",
      severity: "error",
      comment: "Tests and their support (testing.ts, testing/) are imported by tests and benchmarks only.",
      from: { path: "^(events|packages|stacks)/", pathNot: testSupport },
      to: { path: testSupport },
    },
    {
      name: "no-dev-dependency-in-deployed-code",
      severity: "error",
      comment: "What Lambda runs (events, core, aws, functions) and the protocol libraries use production dependencies only.",
      from: { path: "^(events|packages/(core|aws|functions|rtmp|mpegts))/src/", pathNot: testSupport },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    exclude: { path: ["^packages/web/dist/", "(^|/)[.]sst/", "^scripts/testdata/"] },
    tsPreCompilationDeps: true,
    preserveSymlinks: false,
    combinedDependencies: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".d.ts", ".json"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
