/**
 * What one API request costs the runtime: for each kind of request (playback URLs, reads), a fixed number of
 * requests from autocannon in a child process at a fixed concurrency, and the runtime process's CPU time over them.
 * No channel runs, so the figures are the API's own; bench/load measures it under a live ladder and viewers.
 */
import "../load/quiet-logs.ts";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { activeAccount, eventually, startTestRuntime } from "@visionstream/local/testing/runtime";
import type { SaturationFigures } from "./autocannon.ts";
import { childFigures, loadAverage, median } from "../common.ts";

const REQUESTS = Number(process.env.API_REQUESTS ?? 2_000);
const ROUNDS = 3;
const CONNECTIONS = 8;


const runtime = await startTestRuntime();
const figures: string[] = [];
try {
  console.log(`runtime: API ${runtime.apiUrl}; load average ${loadAverage()} on ${availableParallelism()} cores`);
  const { apiKey } = await activeAccount(runtime, "api-bench");
  const channel = (await runtime.api("POST", "/channels", { token: apiKey, json: { name: "bench", inputType: "RTMP_PUSH", allowCidrs: ["127.0.0.1/32"] } })).body.channel;
  const media = (await runtime.api("POST", "/media", { token: apiKey, json: { name: "clip.mp4", contentType: "video/mp4" } })).body;
  await fetch(media.upload.url, { method: "PUT", headers: media.upload.headers, body: new Uint8Array(1024) });
  await eventually(async () => ((await runtime.api("GET", `/media/${media.media.id}`, { token: apiKey })).body.media.status === "READY" ? true : undefined));
  const kinds = [
    { name: "channel playback URL", path: `/channels/${channel.id}/playback` },
    { name: "media playback URL", path: `/media/${media.media.id}/playback` },
    { name: "list channels", path: "/channels" },
    { name: "get channel", path: `/channels/${channel.id}` },
  ];
  for (const kind of kinds) {
    const perRequest: number[] = [];
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = process.cpuUsage();
      // amount, not duration: autocannon's own start-up stays out of the runtime's CPU time either way.
      const result = await childFigures<SaturationFigures>(join(import.meta.dirname, "autocannon.ts"), { apiUrl: runtime.apiUrl, apiKey, amount: REQUESTS, connections: CONNECTIONS, path: kind.path });
      const used = process.cpuUsage(before);
      if (result.non2xx || result.errors) throw new Error(`${kind.name}: ${JSON.stringify(result)}`);
      perRequest.push((used.user + used.system) / 1000 / result.requests);
      rates.push(result.perSecond);
    }
    console.log(`  ${kind.name}: CPU ${perRequest.map((ms) => ms.toFixed(2)).join(", ")} ms per request; ${rates.map((rate) => rate.toFixed(0)).join(", ")} requests/s`);
    figures.push(`${kind.name}: ${median(perRequest).toFixed(2)} ms of runtime CPU per request, ${median(rates).toFixed(0)} requests/s at ${CONNECTIONS} connections (median of ${ROUNDS})`);
  }
} finally {
  await runtime.cleanup();
}
console.log(`load average after: ${loadAverage()}`);
for (const line of figures) console.log(line);
