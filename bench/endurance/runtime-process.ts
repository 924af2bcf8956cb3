import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { apiClient, eventually } from "@visionstream/local/testing/runtime";
import { childPidsOf, processFigures } from "./proc.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "visionstream.mjs");
const STARTED_WITHIN_MS = 90_000;
const STOPPED_WITHIN_MS = 30_000;
const MAX_WARNINGS_KEPT = 1_000;

export interface RuntimeWarning {
  level: "WARN" | "ERROR";
  message: string;
  at: Date;
  /** The rest of the log entry, as logged (no secrets: the runtime never logs them). */
  details: Record<string, unknown>;
}

const LogEntry = z.looseObject({ level: z.enum(["WARN", "ERROR", "CRITICAL"]), message: z.string(), timestamp: z.string() });

/** A warning or error of the runtime's logger (one JSON object per line); undefined for anything else. */
function warningOf(line: string): RuntimeWarning | undefined {
  if (!line.startsWith("{")) return undefined;
  let parsed: ReturnType<typeof LogEntry.safeParse>;
  try {
    parsed = LogEntry.safeParse(JSON.parse(line));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const { level, message, timestamp, service: _service, sampling_rate: _rate, ...details } = parsed.data;
  return { level: level === "WARN" ? "WARN" : "ERROR", message, at: new Date(timestamp), details };
}

export interface RuntimePorts {
  apiPort: number;
  cdnPort: number;
  whipPort: number;
  rtmpPort: number;
  rtpPort: number;
  srtPort: number;
}

class RuntimeDidNotStart extends Error {
  override name = "RuntimeDidNotStart";
}

/**
 * `visionstream start` as a user runs it, in a process of its own, so that its memory and descriptors (and its CDN
 * process's) are measured from outside, apart from this benchmark's own.
 */
export async function startRuntimeProcess(dataDir: string, ports: RuntimePorts, onWarning: (warning: RuntimeWarning) => void = () => {}) {
  const adminToken = `vsadmin_${randomBytes(24).toString("base64url")}`;
  const flags = Object.entries(ports).flatMap(([name, port]) => [`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(port)]);
  const child = spawn(process.execPath, [BIN, "start", "--data-dir", dataDir, ...flags], {
    // The bus logs every event it routes; warnings and errors are what matter over hours.
    env: { ...process.env, VISIONSTREAM_ADMIN_TOKEN: adminToken, POWERTOOLS_LOG_LEVEL: "WARN" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tail: string[] = [];
  const warnings: RuntimeWarning[] = [];
  let rest = "";
  const keep = (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const warning = warningOf(line);
      if (warning) {
        if (warnings.length < MAX_WARNINGS_KEPT) warnings.push(warning);
        onWarning(warning);
      }
      tail.push(line);
    }
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let stopping = false;
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve(code);
      if (stopping) return;
      // A runtime that ends on its own is the finding: say how, with what it printed last (read to the end of its output,
      // unless a child of its own still holds the pipes after a second).
      void Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000))]).then(() =>
        console.log(`visionstream start (pid ${child.pid}) exited by itself (${signal ?? code}); its last lines:\n${[...tail, rest].join("\n")}`),
      );
    }),
  );
  const started = performance.now();
  while (!tail.some((line) => line.includes("VisionStream is running"))) {
    if (child.exitCode !== null) throw new RuntimeDidNotStart(`visionstream start exited with ${child.exitCode}: ${tail.join("\n")}`);
    if (performance.now() - started > STARTED_WITHIN_MS) {
      stopping = true;
      child.kill("SIGINT");
      throw new RuntimeDidNotStart(`visionstream start did not start within ${STARTED_WITHIN_MS / 1000} s: ${tail.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const apiUrl = `http://127.0.0.1:${ports.apiPort}`;
  const pid = child.pid!;
  return {
    pid,
    apiUrl,
    adminToken,
    api: apiClient(apiUrl),
    startSeconds: (performance.now() - started) / 1000,
    /** The warnings and errors the runtime logged, in order (the first thousand). */
    warnings: () => [...warnings],
    /** Whether the process has exited (its code or signal; null while it runs), and the last lines it printed. */
    lastWords: () => ({ exited: child.exitCode ?? child.signalCode, lines: [...tail, rest].join("\n") }),
    runtime: () => processFigures(pid),
    /** The CDN process of the moment (the runtime starts another if it dies). */
    cdn: () => processFigures(childPidsOf(pid, join("cloudfront", "process.ts"))[0]),
    /** Ctrl-C, as a user stops it; killed if it has not stopped within 30 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOPPED_WITHIN_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type RuntimeProcess = Awaited<ReturnType<typeof startRuntimeProcess>>;

/** A new account of the runtime, once ACTIVE: its id, its API key, and calls to the API with that key. */
export async function activeAccountOf(runtime: RuntimeProcess, name: string) {
  const created = await runtime.api("POST", "/accounts", { token: runtime.adminToken, json: { name } });
  if (created.status !== 201) throw new Error(`account not created: ${created.status} ${JSON.stringify(created.body)}`);
  const accountId: string = created.body.account.id;
  const apiKey: string = created.body.apiKey;
  const call = (method: string, path: string, json?: unknown) => runtime.api(method, path, { token: apiKey, ...(json !== undefined ? { json } : {}) });
  await eventually(async () => ((await call("GET", `/accounts/${accountId}`)).body.account?.status === "ACTIVE" ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });
  return { accountId, apiKey, call };
}
