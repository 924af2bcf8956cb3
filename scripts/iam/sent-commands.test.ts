import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type AdapterEntry, type SentOperation, UnsupportedSdkCall, adapterProgram, sentOperations } from "./sent-commands.ts";
import type ts from "typescript";

const root = fileURLToPath(new URL("../..", import.meta.url));
const within = "scripts/iam/testdata";
const entry = (file: string, member?: string): AdapterEntry => ({ file: `${within}/${file}`, ...(member && { member }) });
const brief = (operations: SentOperation[]) => operations.map(({ sdkPackage, operation, at, tagged }) => `${sdkPackage} ${operation} ${at} ${tagged}`).sort();

let program: ts.Program;
beforeAll(() => {
  program = adapterProgram(root, [`${within}/store.ts`, `${within}/jobs.ts`]);
}, 60_000);

describe("sentOperations", () => {
  it("finds the command a method sends, through an aliased import, and nothing of the other methods", () => {
    expect(brief(sentOperations(program, root, within, [entry("store.ts", "Store.size")]))).toEqual([
      "@aws-sdk/client-s3 HeadObject scripts/iam/testdata/store.ts:9 false",
    ]);
  });

  it("follows this.method() and imported helpers, paginators included", () => {
    expect(brief(sentOperations(program, root, within, [entry("store.ts", "Store.remove")]))).toEqual([
      "@aws-sdk/client-s3 DeleteObject scripts/iam/testdata/store.ts:18 false",
      "@aws-sdk/client-s3 ListObjectsV2 scripts/iam/testdata/listing.ts:5 false",
    ]);
    expect(sentOperations(program, root, within, [entry("store.ts", "Store")])).toHaveLength(3);
  });

  it("sees Tags set in a helper of the code that sends, and the aggregated clients' methods", () => {
    expect(brief(sentOperations(program, root, within, [entry("jobs.ts", "startJob"), entry("jobs.ts", "bucketExists")]))).toEqual([
      "@aws-sdk/client-mediaconvert CreateJob scripts/iam/testdata/jobs.ts:7 true",
      "@aws-sdk/client-s3 HeadBucket scripts/iam/testdata/jobs.ts:11 true",
    ]);
  });

  it("refuses a waiter: it polls the service inside the function", () => {
    expect(() => sentOperations(program, root, within, [entry("jobs.ts", "waitForObject")])).toThrow(UnsupportedSdkCall);
  });

  it("refuses an entry that is not in the file", () => {
    expect(() => sentOperations(program, root, within, [entry("store.ts", "Store.missing")])).toThrow(/no Store.missing/);
  });
});
