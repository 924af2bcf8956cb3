import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, relative } from "node:path";
import { CLIENTS, clientName, operationOf } from "./clients.ts";
import { requestsSummaryFile, root } from "./fetch-botocore.ts";
import type { Validation } from "./problems.ts";
import { sdkModel } from "./sdk-model.ts";
import { loadServiceModel } from "./service-model.ts";
import { validateRequest } from "./validate-request.ts";
import { validateSdkRequest } from "./validate-sdk.ts";

/**
 * Every request an adapter test sends through a `mockClient` stub, checked against AWS's definitions after each test
 * (scripts/aws-definitions/setup.ts wraps aws-sdk-client-mock's mockClient with `capturing`). Calls are collected
 * before a stub's history is reset, so a test that resets halfway loses none.
 */
interface Stub {
  calls(): { args: unknown[] }[];
  reset(): unknown;
  resetHistory(): unknown;
  restore(): void;
}

interface Captured {
  client: string;
  command: unknown;
}

export class InvalidAwsRequests extends Error {
  override name = "InvalidAwsRequests";
}

const stubs: { client: string; stub: Stub }[] = [];
const seen = new WeakSet<object>();
let pending: Captured[] = [];
const tally = { requests: 0, operations: {} as Record<string, number>, notes: {} as Record<string, number> };

function collect(entry: { client: string; stub: Stub }): void {
  for (const { args } of entry.stub.calls()) {
    const command = args[0];
    if (typeof command !== "object" || command === null || seen.has(command)) continue;
    seen.add(command);
    pending.push({ client: entry.client, command });
  }
}

/** mockClient, whose stubs are registered and whose history is collected before it is reset. */
export function capturing<F extends (client: never, ...rest: never[]) => unknown>(mockClient: F): F {
  return ((client: never, ...rest: never[]) => {
    const stub = mockClient(client, ...rest) as Stub;
    const entry = { client: clientName(client), stub };
    stubs.push(entry);
    for (const method of ["reset", "resetHistory", "restore"] as const) {
      const own = stub[method].bind(stub);
      stub[method] = () => {
        collect(entry);
        return own() as never;
      };
    }
    return stub;
  }) as F;
}

/** One command checked against its service's model (or, for a service the models predate, its SDK client). */
export function validateCommand(client: string, command: unknown): Validation & { operation: string } {
  const operation = operationOf(command) ?? "?";
  const definitions = CLIENTS[client];
  if (!definitions) return { operation, problems: [{ path: "(client)", message: `${client} is not in scripts/aws-definitions/clients.ts: add its botocore model and SDK package` }], notes: [] };
  if (operation === "?") return { operation, problems: [{ path: "(command)", message: "not an AWS SDK command (its class name does not end with Command)" }], notes: [] };
  const input = (command as { input?: unknown }).input ?? {};
  if (!definitions.botocore) {
    const checked = validateSdkRequest(sdkModel(definitions.sdk), operation, input);
    return { operation, problems: checked.problems, notes: [`service checked against ${sdkModel(definitions.sdk).source} only`, ...checked.notes] };
  }
  return { operation, ...validateRequest(loadServiceModel(definitions.botocore), operation, input, () => sdkModel(definitions.sdk)) };
}

/** Checks what the stubs received since the last check; throws InvalidAwsRequests listing every problem. */
export function checkCapturedRequests(): void {
  for (const entry of stubs) collect(entry);
  const requests = pending;
  pending = [];
  const faults: string[] = [];
  for (const { client, command } of requests) {
    const { operation, problems, notes } = validateCommand(client, command);
    const service = CLIENTS[client]?.botocore ?? CLIENTS[client]?.sdk.replace("@aws-sdk/client-", "") ?? client;
    const name = `${service}:${operation}`;
    tally.requests += 1;
    tally.operations[name] = (tally.operations[name] ?? 0) + 1;
    for (const note of notes) tally.notes[note] = (tally.notes[note] ?? 0) + 1;
    for (const { path, message } of problems) faults.push(`${client} ${operation}: ${path}: ${message}`);
  }
  if (faults.length > 0) {
    throw new InvalidAwsRequests(`AWS would refuse ${faults.length === 1 ? "this request" : "these requests"} (scripts/aws-definitions):\n${faults.map((fault) => `  - ${fault}`).join("\n")}`);
  }
}

/** Appends this test file's counts to the run's summary (scripts/aws-definitions/requests-summary.ts prints it). */
export function writeRequestsSummary(testFile: string | undefined): void {
  // The checks' own tests plant faulty requests: they are not the adapters'.
  if (tally.requests === 0 || testFile?.includes("scripts/aws-definitions/")) return;
  mkdirSync(dirname(requestsSummaryFile), { recursive: true });
  // The workers of one vitest run share its process as parent: the summary reads the newest run's lines.
  const line = { run: process.ppid, file: testFile ? relative(root, testFile) : undefined, ...tally };
  appendFileSync(requestsSummaryFile, `${JSON.stringify(line)}\n`);
  tally.requests = 0;
  tally.operations = {};
  tally.notes = {};
}
