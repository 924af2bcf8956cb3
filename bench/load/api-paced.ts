/**
 * The API at a fixed request rate, open loop: one request every 1/rate seconds, whatever the answers do, the kinds of
 * request interleaved in their shares, as the players and apps of an audience arrive. Each latency runs from the
 * moment its request was due to the end of its answer, so a late send (this process was slow) counts against the
 * figure rather than being left out. A kind's requests go to its callers in turn (one account's key each), and to
 * each caller's paths in turn, so a kind spread over many accounts and objects has no hot key. Runs as a child
 * process of bench/load/run.ts (never on the API's event loop); prints its figures as JSON on its last line.
 */
import { Agent, get as httpGet } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { z } from "zod";

/** An account's API key and the paths it asks for. */
const Caller = z.object({ apiKey: z.string(), paths: z.array(z.string()).min(1) });
export type Caller = z.infer<typeof Caller>;

const Options = z.object({
  apiUrl: z.string().url(),
  seconds: z.number().positive(),
  kinds: z.array(z.object({ name: z.string(), rate: z.number().nonnegative(), callers: z.array(Caller).min(1) })),
  timeoutMs: z.number().int().positive(),
  /** Sent at the same pace before the measured seconds, not counted: connections opened, code compiled. */
  warmUpSeconds: z.number().nonnegative(),
});

export interface ApiKindFigures {
  name: string;
  rate: number;
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** p99 of the requests due in each window of `seconds` of the measured time, in order: where in the run the tail is. */
  p99ByWindow: { seconds: number; p99: number[] };
}

const WINDOW_SECONDS = 5;

const options = Options.parse(JSON.parse(process.argv[2] ?? "{}"));
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One GET, its body read to the end: the status, or 0 when the connection failed or timed out. */
function request({ apiKey, path }: { apiKey: string; path: string }): Promise<number> {
  return new Promise((resolve) => {
    const headers = { authorization: `Bearer ${apiKey}` };
    const req = httpGet(`${options.apiUrl}${path}`, { agent, headers, timeout: options.timeoutMs }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", () => resolve(0));
  });
}

/** The order of one cycle: each kind as often as its rate, spread evenly (largest-remainder interleaving). */
function cycle(kinds: { rate: number }[]): number[] {
  const total = kinds.reduce((sum, kind) => sum + kind.rate, 0);
  const credit = kinds.map(() => 0);
  return Array.from({ length: total }, () => {
    kinds.forEach((kind, index) => (credit[index]! += kind.rate / total));
    const next = credit.indexOf(Math.max(...credit));
    credit[next]! -= 1;
    return next;
  });
}

/** The n-th request of a kind: its callers in turn, and each caller's paths in turn. */
function nth(callers: Caller[], n: number) {
  const caller = callers[n % callers.length]!;
  return { apiKey: caller.apiKey, path: caller.paths[Math.floor(n / callers.length) % caller.paths.length]! };
}

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? Number.NaN;

const kinds = options.kinds.filter((kind) => kind.rate > 0);
const rate = kinds.reduce((sum, kind) => sum + kind.rate, 0);
const order = cycle(kinds);
const latencies = kinds.map((): number[] => []);
const byWindow = kinds.map((): number[][] => []);
const outcomes = kinds.map(() => ({ non2xx: 0, errors: 0 }));
const sentOfKind = kinds.map(() => 0);
const pending: Promise<void>[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const started = performance.now();
const measuredFrom = started + options.warmUpSeconds * 1000;
const until = measuredFrom + options.seconds * 1000;

for (let sent = 0; rate > 0; sent++) {
  const due = started + (sent * 1000) / rate;
  if (due >= until) break;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  const index = order[sent % order.length]!;
  pending.push(
    request(nth(kinds[index]!.callers, sentOfKind[index]!++)).then((status) => {
      if (due < measuredFrom) return;
      const latency = performance.now() - due;
      latencies[index]!.push(latency);
      ((byWindow[index]![Math.floor((due - measuredFrom) / (WINDOW_SECONDS * 1000))] ??= [])).push(latency);
      if (status === 0) outcomes[index]!.errors++;
      else if (status < 200 || status > 299) outcomes[index]!.non2xx++;
    }),
  );
}
// No rate (API_RATE=0): the API rests for the same time, so the other loads still run their full length.
if (rate === 0) await new Promise((resolve) => setTimeout(resolve, until - performance.now()));
await Promise.all(pending);
agent.destroy();

const figures: ApiKindFigures[] = kinds.map((kind, index) => {
  const sorted = latencies[index]!.sort((a, b) => a - b);
  return {
    name: kind.name,
    rate: kind.rate,
    requests: sorted.length,
    perSecond: sorted.length / options.seconds,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    ...outcomes[index]!,
    p99ByWindow: { seconds: WINDOW_SECONDS, p99: Array.from(byWindow[index]!, (window) => percentile((window ?? []).sort((a, b) => a - b), 0.99)) },
  };
});
const { user, system } = process.cpuUsage();
loopDelay.disable();
// This process's own delays count in the latencies: shown so that a slow client is not taken for a slow API.
const clientDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
console.log(JSON.stringify({ kinds: figures, cpuSeconds: (user + system) / 1e6, clientDelayMs }));
