import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { botocoreVersion, requestsSummaryFile } from "./fetch-botocore.ts";

/** One test file's line in .cache/aws-definitions/requests.jsonl (written by capture.ts after the file's tests). */
const Line = z.object({
  run: z.number(),
  file: z.string().optional(),
  requests: z.number(),
  operations: z.record(z.string(), z.number()),
  notes: z.record(z.string(), z.number()),
});
type Line = z.infer<typeof Line>;

export interface RequestsSummary {
  files: number;
  requests: number;
  operations: Record<string, number>;
  services: string[];
  notes: Record<string, number>;
}

/** The newest run's lines added up (a run's workers share their parent process id). */
export function summarize(lines: readonly Line[]): RequestsSummary {
  const run = lines.at(-1)?.run;
  const summary: RequestsSummary = { files: 0, requests: 0, operations: {}, services: [], notes: {} };
  for (const line of lines.filter((candidate) => candidate.run === run)) {
    summary.files += 1;
    summary.requests += line.requests;
    for (const [name, count] of Object.entries(line.operations)) summary.operations[name] = (summary.operations[name] ?? 0) + count;
    for (const [note, count] of Object.entries(line.notes)) summary.notes[note] = (summary.notes[note] ?? 0) + count;
  }
  summary.services = [...new Set(Object.keys(summary.operations).map((name) => name.split(":")[0]!))].sort();
  return summary;
}

export function readRequestsSummary(file = requestsSummaryFile): RequestsSummary {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  return summarize(lines.map((line) => Line.parse(JSON.parse(line))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const summary = readRequestsSummary();
  const operations = Object.entries(summary.operations).sort(([a], [b]) => a.localeCompare(b));
  const out = [
    `${summary.requests} requests, ${operations.length} operations, ${summary.services.length} services (${summary.services.join(", ")}), from ${summary.files} test files, checked against ${botocoreVersion()}'s models`,
    ...operations.map(([name, count]) => `  ${name} ×${count}`),
    ...(Object.keys(summary.notes).length > 0 ? ["accepted on other grounds than the 2022 model:"] : []),
    ...Object.entries(summary.notes).map(([note, count]) => `  ${note} ×${count}`),
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}
