import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { trackChild } from "./child-processes.ts";

export interface SpawnChildOptions {
  stdio: StdioOptions;
  /** The command line it shows once started, when `command` is a wrapper that execs it (nice). */
  runs?: readonly string[];
  /** Keeps the last this many characters of its stderr for stderrTail(); stderr is left alone without it. */
  stderrTailChars?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when it could not be started: then no "close" may follow (EMFILE), so this is the end. */
  error?: Error;
}

export interface SpawnedChild {
  process: ChildProcess;
  /** Resolves once it has ended and closed its output, or could not be started. */
  exited: Promise<ChildExit>;
  stderrTail(): string;
}

/** A child process that never outlives this one (see trackChild), with the end of its stderr and its exit. */
export function spawnChild(command: string, args: readonly string[], { stdio, runs, stderrTailChars }: SpawnChildOptions): SpawnedChild {
  const child = spawn(command, args, { stdio });
  trackChild(child, runs);
  let tail = "";
  if (stderrTailChars !== undefined) {
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-stderrTailChars);
    });
  }
  const exited = new Promise<ChildExit>((resolve) => {
    // An error of a running child (a failed kill) is not its end: that is its "close".
    child.on("error", (error) => {
      if (child.pid === undefined) resolve({ code: child.exitCode, signal: child.signalCode, error });
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  return { process: child, exited, stderrTail: () => tail };
}
