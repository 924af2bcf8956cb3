import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

const running = new Set<ChildProcess>();
let registry: string | undefined;

const Registry = z.object({ owner: z.number().int(), children: z.array(z.object({ pid: z.number().int(), command: z.string() })) });
const commandLine = (args: readonly string[]) => args.join("\0");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function saveRegistry() {
  if (!registry) return;
  const children = [...running].flatMap((child) => (child.pid ? [{ pid: child.pid, command: commandLine(execs.get(child) ?? child.spawnargs) }] : []));
  try {
    writeFileSync(`${registry}.tmp`, JSON.stringify({ owner: process.pid, children } satisfies z.infer<typeof Registry>));
    renameSync(`${registry}.tmp`, registry);
  } catch {
    // The data directory is gone (a test cleaned it up): there is nothing left to protect.
  }
}

/**
 * Keeps the pids of the children in file, so that a start after a crash (kill -9, power loss) ends the children the
 * crashed process left behind, which could hold ports or go on writing. A leftover is killed only if the process that
 * recorded it is gone and the pid still runs the very command line recorded (pids are reused). Returns how many.
 */
export function recordChildrenIn(file: string): number {
  let killed = 0;
  let previous: z.infer<typeof Registry> | undefined;
  try {
    previous = Registry.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    previous = undefined;
  }
  if (previous && previous.owner !== process.pid && !alive(previous.owner)) {
    for (const { pid, command } of previous.children) {
      let current: string;
      try {
        current = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0$/, "");
      } catch {
        continue;
      }
      if (current !== command) continue;
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  registry = file;
  saveRegistry();
  return killed;
}
const EXIT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function killAll() {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/**
 * A signal that nobody else handles kills Node without an "exit" event: kill the children, then let the signal do
 * what it would have done. When the application handles the signal itself, its shutdown stops the children and
 * "exit" catches whatever is left.
 */
function onSignal(signal: NodeJS.Signals) {
  if (process.listenerCount(signal) > 1) return;
  killAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

let installed = false;

/** What a child runs once a wrapper (nice) has exec'd it: the command line its pid shows in /proc. */
const execs = new WeakMap<ChildProcess, readonly string[]>();

/**
 * Keeps a child process from outliving this Node process. `runs` is the command line it shows once started, when a
 * wrapper that execs it (such as nice) was spawned.
 */
export function trackChild(child: ChildProcess, runs?: readonly string[]) {
  if (runs) execs.set(child, runs);
  if (!installed) {
    installed = true;
    process.on("exit", killAll);
    for (const signal of EXIT_SIGNALS) process.on(signal, onSignal);
  }
  running.add(child);
  saveRegistry();
  child.once("exit", () => {
    running.delete(child);
    saveRegistry();
  });
}

export function runningChildren(): number {
  return running.size;
}
