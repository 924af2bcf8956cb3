import type { ChildProcess } from "node:child_process";

const running = new Set<ChildProcess>();
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

/** Keeps a child process from outliving this Node process. */
export function trackChild(child: ChildProcess) {
  if (!installed) {
    installed = true;
    process.on("exit", killAll);
    for (const signal of EXIT_SIGNALS) process.on(signal, onSignal);
  }
  running.add(child);
  child.once("exit", () => running.delete(child));
}

export function runningChildren(): number {
  return running.size;
}
