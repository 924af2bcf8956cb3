/**
 * The API under a fixed request rate: one autocannon instance per kind of request, all at once, so each kind has
 * its own latency histogram. Runs as a child process of bench/load/run.ts (never on the API's event loop);
 * prints its figures as JSON on its last line.
 */
import autocannon from "autocannon";
import { z } from "zod";

const Options = z.object({
  apiUrl: z.string().url(),
  apiKey: z.string(),
  seconds: z.number().int().positive(),
  kinds: z.array(z.object({ name: z.string(), path: z.string(), rate: z.number().int().positive(), connections: z.number().int().positive() })),
});

export interface ApiKindFigures {
  name: string;
  path: string;
  rate: number;
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

const options = Options.parse(JSON.parse(process.argv[2] ?? "{}"));

function run(kind: z.infer<typeof Options>["kinds"][number]): Promise<ApiKindFigures> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${options.apiUrl}${kind.path}`,
        headers: { authorization: `Bearer ${options.apiKey}` },
        connections: kind.connections,
        overallRate: kind.rate,
        duration: options.seconds,
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          name: kind.name,
          path: kind.path,
          rate: kind.rate,
          requests: result.requests.total,
          perSecond: result.requests.total / options.seconds,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
  });
}

const kinds = await Promise.all(options.kinds.map(run));
const { user, system } = process.cpuUsage();
console.log(JSON.stringify({ kinds, cpuSeconds: (user + system) / 1e6 }));
