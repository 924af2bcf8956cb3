import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { describe, expect, it } from "vitest";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const tree = ["events", "packages", "stacks", "bench", "scripts", "bin", "sst.config.ts"];

async function cruiseFrom(baseDir: string, paths: string[]): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(resolve(root, ".dependency-cruiser.cjs"));
  const tsConfig = extractTSConfig(resolve(root, "tsconfig.json"));
  const { output } = await cruise(paths, { ...options, baseDir }, {}, { tsConfig });
  if (typeof output === "string") throw new Error("dependency-cruiser returned a report, not a result");
  return output;
}

const installed = /^(?:\.\.\/)*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/;

function violations(result: ICruiseResult): string[] {
  return result.summary.violations
    .map(({ rule, from, to, cycle }) => {
      const target = cycle ? cycle.map(({ name }) => name).join(" → ") : to.replace(installed, "$1");
      return `${rule.name}: ${from} → ${target}`;
    })
    .sort();
}

describe("dependency rules", () => {
  it("the tree keeps the layering, with no circles", async () => {
    const result = await cruiseFrom(root, tree);

    expect(violations(result)).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(100);
  });

  it("reports each wrong import of a fixture that breaks them all", async () => {
    const result = await cruiseFrom(resolve(root, "scripts/testdata/layering"), [
      "events",
      "packages",
      "stacks",
      "bench",
    ]);

    expect(violations(result)).toEqual([
      "aws-no-local-functions-or-web: packages/aws/src/adapter.ts → packages/functions/src/handler.ts",
      "core-no-adapter: packages/core/src/storage.ts → packages/local/src/store.ts",
      "core-no-aws-http-ffmpeg-or-processes: packages/core/src/storage.ts → @aws-sdk/client-s3",
      "core-no-aws-http-ffmpeg-or-processes: packages/core/src/storage.ts → child_process",
      "events-no-packages: events/src/channel-event.ts → packages/core/src/channel.ts",
      "functions-no-local-or-web: packages/functions/src/handler.ts → packages/local/src/store.ts",
      "no-circular: packages/core/src/channel.ts → packages/core/src/session.ts → packages/core/src/channel.ts",
      "no-dev-dependency-in-deployed-code: packages/functions/src/handler.ts → fast-check",
      "no-test-support-in-production: packages/local/src/runtime.ts → packages/local/src/testing/engine.ts",
      "not-to-unresolvable: packages/core/src/storage.ts → ./nowhere.ts",
      "nothing-imports-bench: packages/local/src/store.ts → bench/load.ts",
      "protocols-no-visionstream: packages/rtmp/src/server.ts → packages/core/src/channel.ts",
      "protocols-no-visionstream: packages/rtmp/src/server.ts → packages/mpegts/src/packet.ts",
      "stacks-no-local: stacks/api.ts → packages/local/src/store.ts",
    ]);
  });
});
