// The layering of ARCHITECTURE.md ("Rules of the design"), checked by `npm run check:deps` in `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */

const testSupport = "([.]test[.]ts$|(^|/)testing(/|[.]ts$)|-testing[.]ts$)";
const visionStream = "^(events|packages|stacks|bench|scripts|bin)/";

/** An import that is an error wherever it occurs. */
const forbid = (name, comment, from, to) => ({ name, severity: "error", comment, from, to });

module.exports = {
  forbidden: [
    forbid("no-circular", "No import circles, type-only ones included.", {}, { circular: true }),
    forbid(
      "not-to-unresolvable",
      "Every import resolves to a file or an installed package.",
      {},
      { couldNotResolve: true },
    ),
    forbid(
      "core-no-adapter",
      "Core knows nothing of the adapters; its tests and test support may use them (dynalite, the dynamo repositories).",
      { path: "^packages/core/src/", pathNot: testSupport },
      { path: "^packages/(aws|local|functions|rtmp|mpegts|mp4|whip|web)/" },
    ),
    forbid("core-no-aws-http-ffmpeg-or-processes", "Core knows nothing of AWS, HTTP, ffmpeg or child processes.", { path: "^packages/core/src/" }, {
      path: [
        "(^|/)node_modules/(@aws-sdk|@aws-lambda-powertools|@smithy|@middy|hono|@hono)/",
        "(^|/)node_modules/(fluent-ffmpeg|ffmpeg-static|ffprobe-static|@ffmpeg-installer|@ffprobe-installer|@ffmpeg)/",
        "^(node:)?child_process$",
      ],
    }),
    forbid(
      "events-no-packages",
      "events/ is the single source of event names and shapes: it imports nothing from packages/.",
      { path: "^events/" },
      { path: "^packages/" },
    ),
    forbid(
      "protocols-no-visionstream",
      "The protocol libraries know nothing of VisionStream, nor of each other; their tests share the fuzz harness (scripts/testing).",
      { path: "^packages/(rtmp|mpegts|mp4|whip)/" },
      { path: visionStream, pathNot: "^(packages/$1|scripts/testing)/" },
    ),
    forbid(
      "aws-no-local-functions-or-web",
      "The AWS adapters know nothing of the runtimes that wire them.",
      { path: "^packages/aws/" },
      { path: "^packages/(local|functions|web)/" },
    ),
    forbid(
      "functions-no-local-or-web",
      "Local may import functions, never the reverse.",
      { path: "^packages/functions/" },
      { path: "^packages/(local|web)/" },
    ),
    forbid(
      "nothing-imports-bench",
      "Benchmarks measure the code; nothing depends on them.",
      { pathNot: "^bench/" },
      { path: "^bench/" },
    ),
    forbid(
      "stacks-no-local",
      "The infrastructure deploys the AWS half only.",
      { path: "^(stacks/|sst[.]config[.]ts$)" },
      { path: "^packages/local/" },
    ),
    forbid(
      "no-test-support-in-production",
      "Tests and their support (testing.ts, testing/) are imported by tests and benchmarks only.",
      { path: "^(events|packages|stacks)/", pathNot: testSupport },
      { path: testSupport },
    ),
    forbid(
      "no-dev-dependency-in-deployed-code",
      "What Lambda runs (events, core, aws, functions) and the protocol libraries use production dependencies only.",
      { path: "^(events|packages/(core|aws|functions|rtmp|mpegts|mp4|whip))/src/", pathNot: testSupport },
      { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    ),
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
