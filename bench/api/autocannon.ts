/**
 * The API at full speed, with autocannon: a closed loop per kind of request (each of `connections` connections sends
 * its next request when the last one is answered), `amount` requests. Runs as a child process of bench/api/run.ts,
 * never on the API's event loop; prints its figures as JSON on its last line.
 *
 * Not used for latency at a given rate: autocannon's rate limit sends each second's quota as a burst at the start of
 * the second, and its coordinated-omission correction then assumes 1 ms between requests (bench/load/api-paced.ts).
 */
import autocannon from "autocannon";
import { z } from "zod";

const Options = z.object({
  apiUrl: z.string().url(),
  apiKey: z.string(),
  amount: z.number().int().positive(),
  connections: z.number().int().positive(),
  path: z.string(),
});

export interface SaturationFigures {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuSeconds: number;
}

const options = Options.parse(JSON.parse(process.argv[2] ?? "{}"));
const result = await autocannon({
  url: `${options.apiUrl}${options.path}`,
  headers: { authorization: `Bearer ${options.apiKey}` },
  connections: options.connections,
  amount: options.amount,
  timeout: 10,
});
const { user, system } = process.cpuUsage();
const figures: SaturationFigures = {
  requests: result.requests.total,
  perSecond: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  cpuSeconds: (user + system) / 1e6,
};
console.log(JSON.stringify(figures));
