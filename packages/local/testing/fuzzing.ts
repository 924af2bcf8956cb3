import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { dynamoClient } from "@visionstream/aws";
import fc from "fast-check";
import { mutatedFrom } from "@visionstream/events/testing/mutation";
import { LOCAL_REGION } from "../src/eventbridge/bus.ts";
import { TABLES } from "../src/runtime.ts";

/** Every run of the reliability suites starts from this seed, so a failure replays the same way. */
export const SEED = 20261203;

/** Strings that have broken parsers, paths and logs elsewhere: traversal, encodings, control and bidi characters. */
export const NASTY_STRINGS = [
  "",
  " ",
  ".",
  "..",
  "...",
  "../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%2e%2e%2f%2e%2e%2fsecrets",
  "%2E%2E/%2E%2E/cdn/upload-signing-secret",
  "..\\..\\windows",
  "media/../vod/x.mp4",
  "/absolute/path",
  "a\u0000b",
  "\r\nX-Injected: 1",
  "\u202egnp.exe",
  "😀".repeat(50),
  "%00",
  "%",
  "%zz",
  "${jndi:ldap://x}",
  "<script>alert(1)</script>",
  "'; DROP TABLE visionstream; --",
  "__proto__",
  "constructor",
  "null",
  "NaN",
];

/** Numbers no schema should take as a port, a limit or a size: never a port of 1024-65535, so no mutation opens a listener. */
export const BAD_NUMBERS = [-1, 0, -0, 1.5, 1023, 65536, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY];

export const hugeString = fc.integer({ min: 100_000, max: 110_000 }).map((size) => "x".repeat(size));

const oddLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...NASTY_STRINGS, ...BAD_NUMBERS, null, true, false),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
);

/** A value where a field's value should be: odd scalars, huge strings, arrays and objects; never an integer in port range. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: oddLeaf, weight: 6 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: fc.array(oddLeaf, { maxLength: 4 }), weight: 1 },
  { arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), oddLeaf, { maxKeys: 4 }), weight: 1 },
);

export const mutated = (base: unknown) => mutatedFrom(base, oddValue, 3);

/** Bodies that are not JSON at all, or JSON that no parser should choke on. */
export const MALFORMED_BODIES = ['{"name":', "{", "nul", '{"a":1}}', "\uFEFF{}", "[".repeat(5_000), '{"a":'.repeat(2_000), "{'name':'x'}", "NaN", "\u0000", '{"__proto__":{"polluted":true}}'];

/** The stored state: every item of the table, and every file (with its size) under the data directory's buckets. */
export async function storedState(dynamoEndpoint: string, dataDir: string) {
  const client = stateClient(dynamoEndpoint);
  const items: string[] = [];
  for (let start: Record<string, unknown> | undefined, page; (page = await client.send(new ScanCommand({ TableName: TABLES.table, ...(start ? { ExclusiveStartKey: start as never } : {}) }))); ) {
    items.push(...(page.Items ?? []).map((item) => JSON.stringify(item, Object.keys(item).sort())));
    if (!(start = page.LastEvaluatedKey)) break;
  }
  const files: string[] = [];
  const root = join(dataDir, "buckets");
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(`${relative(root, path)} ${(await stat(path).catch(() => undefined))?.size}`);
    }
  };
  await walk(root);
  return { items: items.sort(), files: files.sort() };
}

const clients = new Map<string, ReturnType<typeof dynamoClient>>();
function stateClient(endpoint: string) {
  let client = clients.get(endpoint);
  if (!client) clients.set(endpoint, (client = dynamoClient({ region: LOCAL_REGION, endpoint })));
  return client;
}

export function closeStateClients() {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}

export interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/** One raw HTTP request with a deadline: a hang fails the case instead of the suite. */
export async function send(url: string, init: RequestInit, timeoutMs = 10_000): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** What every 4xx must carry: `{ error: { code, message, details } }`, and a 400 names the fields at fault. */
export function errorShapeFault(answer: Answer): string | undefined {
  const error = (answer.json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (!error) return `no { error } body: ${answer.text.slice(0, 200)}`;
  if (typeof error.code !== "string" || typeof error.message !== "string") return `error without code and message: ${answer.text.slice(0, 200)}`;
  if (!error.details || typeof error.details !== "object" || Array.isArray(error.details)) return `error without details: ${answer.text.slice(0, 200)}`;
  if (answer.status === 400) {
    const details = error.details as { issues?: { field?: unknown }[]; field?: unknown };
    const named = Array.isArray(details.issues) ? details.issues.length > 0 && details.issues.every((issue) => typeof issue.field === "string" && issue.field !== "") : typeof details.field === "string";
    if (!named) return `a 400 that names no field: ${answer.text.slice(0, 300)}`;
  }
  return undefined;
}
