import { readdirSync, readFileSync } from "node:fs";

export interface ProcessFigures {
  rssMb: number;
  fds: number;
}

/** A live process's resident memory (VmRSS of /proc/<pid>/status) and open file descriptors (/proc/<pid>/fd); undefined once it is gone. */
export function processFigures(pid: number | undefined): ProcessFigures | undefined {
  if (pid === undefined) return undefined;
  try {
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** The children of `parent` whose command line contains `text` (bench/common.ts's children() looks at this process's only). */
export function childPidsOf(parent: number, text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) found.push(Number(entry));
    } catch {
      // gone in between
    }
  }
  return found;
}
