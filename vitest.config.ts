import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["events/**/*.test.ts", "packages/**/*.test.ts", "stacks/**/*.test.ts", "scripts/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Checks every request sent to an aws-sdk-client-mock stub against AWS's service models.
    setupFiles: ["scripts/aws-definitions/setup.ts"],
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN" },
  },
});
