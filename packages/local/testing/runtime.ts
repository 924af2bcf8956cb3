import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalRuntime, type RuntimeConfig, startLocalRuntime } from "../src/runtime.ts";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

/** A whole local runtime on free ports of 127.0.0.1, with its own data directory, for one test file. */
export async function startTestRuntime(
  options: Partial<RuntimeConfig> = {},
): Promise<LocalRuntime & { api: ApiClient; cleanup: () => Promise<void> }> {
  await refuseEphemeralPorts(options);
  const dataDir = await mkdtemp(join(tmpdir(), "visionstream-test-"));
  // Transcoders at the runtime's own priority: in the test suite the other work on the machine is other test files,
  // not this runtime's serving, and yielding to them would only slow the channel under test (transcoder.test.ts
  // checks the niceness itself).
  const runtime = await startLocalRuntime({ dataDir, apiPort: 0, cdnPort: 0, whipPort: 0, adminToken: TEST_ADMIN_TOKEN, inMemory: true, mediaNiceness: 0, ...options });
  return {
    ...runtime,
    api: apiClient(runtime.apiUrl),
    cleanup: async () => {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fixed port of a test lies below Linux's ephemeral range (32768-60999 here): a port in it can be taken at any
 * moment by a connection elsewhere in the suite, and the channel listening there then fails to start.
 */
async function refuseEphemeralPorts(options: Partial<RuntimeConfig>) {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => undefined);
  if (range === undefined) return;
  const [first, last] = range.trim().split(/\s+/).map(Number) as [number, number];
  for (const [name, value] of Object.entries(options)) {
    if (!name.endsWith("Port") || typeof value !== "number" || value === 0) continue;
    if (value >= first && value <= last) throw new Error(`${name} ${value} lies in the ephemeral port range ${first}-${last}, which connections elsewhere take: pick a port below ${first}`);
  }
}

/** An account created with the operator token, once provisioning made it ACTIVE: its id and API key. */
export async function activeAccount(runtime: Pick<LocalRuntime, "accounts"> & { api: ApiClient }, name: string, timeoutMs = 5_000) {
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name } });
  if (created.status !== 201) throw new Error(`account ${name} not created: ${created.status} ${JSON.stringify(created.body)}`);
  const accountId: string = created.body.account.id;
  await eventually(async () => ((await runtime.accounts.get(accountId)).status === "ACTIVE" ? true : undefined), { timeoutMs });
  return { accountId, apiKey: created.body.apiKey as string };
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export type ApiClient = ReturnType<typeof apiClient>;

export function apiClient(baseUrl: string) {
  return async <T = any>(
    method: string,
    path: string,
    options: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

/**
 * Waits for `probe` to answer. The default bound is a wait, not a measure: a start's engine work (spawning the ladder)
 * now runs after the request answers, inside what a test waits for, and a busy machine takes seconds for it.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, { timeoutMs = 15_000, intervalMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
