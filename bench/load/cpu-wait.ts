import { readdirSync, readFileSync } from "node:fs";
import { children } from "../common.ts";

export interface CpuTime {
  /** Seconds the threads ran on a core. */
  ran: number;
  /** Seconds they were ready to run and waited for a core (the machine's other work had it). */
  waited: number;
}

/** /proc/<pid>/task/<tid>/schedstat of every thread of a process: time on a core, time waiting in the run queue. */
function processCpu(pid: number): CpuTime {
  const total = { ran: 0, waited: 0 };
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return total;
  }
  for (const tid of tasks) {
    try {
      const [ran, waited] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      total.ran += (ran ?? 0) / 1e9;
      total.waited += (waited ?? 0) / 1e9;
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

const childrenNamed = (name: string) => children().filter((child) => child.name === name).map((child) => child.pid);

/** Run and run-queue time of this process and of its ffmpeg children (the transcoder), from now until stop(). */
export function watchCpu() {
  const self = processCpu(process.pid);
  const ffmpegBefore = new Map(childrenNamed("ffmpeg").map((pid) => [pid, processCpu(pid)]));
  return {
    stop() {
      const now = processCpu(process.pid);
      const ffmpeg = { ran: 0, waited: 0 };
      for (const pid of childrenNamed("ffmpeg")) {
        const before = ffmpegBefore.get(pid) ?? { ran: 0, waited: 0 };
        const after = processCpu(pid);
        ffmpeg.ran += after.ran - before.ran;
        ffmpeg.waited += after.waited - before.waited;
      }
      return { runtime: { ran: now.ran - self.ran, waited: now.waited - self.waited }, ffmpeg };
    },
  };
}
